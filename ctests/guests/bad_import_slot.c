/*
 * bad_import_slot.c: a module whose import slot is a const object in
 * read-only memory. Writing the resolved address there would crash the
 * loader, so it must refuse the module with lucet_error_module. The import
 * names a function that exists (malloc), so only the slot is wrong.
 */
#include "native_guest.h"

static void *const readonly_slot = NULL;

GUEST_FN int32_t answer(struct lucet_vmctx *vmctx)
{
    (void)vmctx;
    return readonly_slot != NULL;
}

static const struct lucet_module_signature signatures[] = {
    { 0, 1, NULL, lucet_module_valtype_i32, 0 },
};
static struct lucet_module_function functions[] = {
    { .code = (const void *)answer, .signature = 0, .name = "answer" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)
static const struct lucet_module_export exports[] = { { "answer", 0, 0 } };
static const struct lucet_module_import imports[] = {
    { .module = "env", .field = "malloc", .signature = 0, .slot = (void **)&readonly_slot },
};

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .signature_count = 1,
    .signatures = signatures,
    .function_count = 1,
    .functions = functions,
    .export_count = 1,
    .exports = exports,
    .import_count = 1,
    .imports = imports,
};
