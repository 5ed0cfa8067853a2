/*
 * core_start_hook.c: a guest whose start function calls the host import
 * env.ctest_start_hook, which may terminate it, so that a start function
 * ending a run early can be tested without a fault.
 */
#include "native_guest.h"

static void *hook_slot;

GUEST_FN void start(struct lucet_vmctx *vmctx)
{
    ((void (*)(struct lucet_vmctx *))hook_slot)(vmctx);
}

GUEST_FN int32_t ping(struct lucet_vmctx *vmctx)
{
    (void)vmctx;
    return 77;
}

static const struct lucet_module_signature signatures[] = {
    { 0, 0, NULL, 0, 0 },
    { 0, 1, NULL, lucet_module_valtype_i32, 0 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)start, .signature = 0, .name = "start" },
    { .code = (const void *)ping, .signature = 1, .name = "ping" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { "ping", 1, 0 },
};

static const struct lucet_module_import imports[] = {
    { .module = "env", .field = "ctest_start_hook", .signature = 0, .slot = &hook_slot },
};

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = 0,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .signature_count = 2,
    .signatures = signatures,
    .function_count = 2,
    .functions = functions,
    .export_count = 1,
    .exports = exports,
    .import_count = 1,
    .imports = imports,
};
