/*
 * core_registered.c: a guest whose imports the host resolves by registering
 * functions with lucet_hostcall_register:
 *
 *   ctest_private.ctest_registered_only(i32) -> i32   no global symbol has this name
 *   env.ctest_shadowed() -> i32                        a global symbol has this name
 */
#include "native_guest.h"

static void *registered_slot;
static void *shadowed_slot;

GUEST_FN int32_t call_registered(struct lucet_vmctx *vmctx, int32_t x)
{
    return ((int32_t (*)(struct lucet_vmctx *, int32_t))registered_slot)(vmctx, x);
}

GUEST_FN int32_t call_shadowed(struct lucet_vmctx *vmctx)
{
    return ((int32_t (*)(struct lucet_vmctx *))shadowed_slot)(vmctx);
}

static const uint8_t p_i32[] = { lucet_module_valtype_i32 };

static const struct lucet_module_signature signatures[] = {
    { 1, 1, p_i32, lucet_module_valtype_i32, 0 },
    { 0, 1, NULL, lucet_module_valtype_i32, 0 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)call_registered, .signature = 0, .name = "call_registered" },
    { .code = (const void *)call_shadowed, .signature = 1, .name = "call_shadowed" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { "call_registered", 0, 0 },
    { "call_shadowed", 1, 0 },
};

static const struct lucet_module_import imports[] = {
    { .module = "ctest_private", .field = "ctest_registered_only", .signature = 0,
      .slot = &registered_slot },
    { .module = "env", .field = "ctest_shadowed", .signature = 1, .slot = &shadowed_slot },
};

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .signature_count = 2,
    .signatures = signatures,
    .function_count = 2,
    .functions = functions,
    .export_count = 2,
    .exports = exports,
    .import_count = 2,
    .imports = imports,
};
