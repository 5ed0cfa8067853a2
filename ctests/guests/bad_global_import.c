/*
 * bad_global_import.c: a valid module whose second global is imported. It
 * loads, but this runtime does not support global imports, so
 * instantiation must fail with lucet_error_unsupported.
 */
#include "native_guest.h"

GUEST_FN int32_t answer(struct lucet_vmctx *vmctx)
{
    (void)vmctx;
    return 42;
}

static const struct lucet_module_signature signatures[] = {
    { 0, 1, NULL, lucet_module_valtype_i32, 0 },
};
static struct lucet_module_function functions[] = {
    { .code = (const void *)answer, .signature = 0, .name = "answer" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)
static const struct lucet_module_export exports[] = { { "answer", 0, 0 } };
static const struct lucet_module_global globals[] = {
    { .type = lucet_module_valtype_i32, .init_bits = 1 },
    { .type = lucet_module_valtype_i64, .flags = LUCET_MODULE_GLOBAL_IMPORT,
      .import_module = "ctest_env", .import_field = "ctest_imported_global" },
};

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .global_count = 2,
    .globals = globals,
    .signature_count = 1,
    .signatures = signatures,
    .function_count = 1,
    .functions = functions,
    .export_count = 1,
    .exports = exports,
};
