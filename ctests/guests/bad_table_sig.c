/*
 * bad_table_sig.c: a module whose table element gives a signature other
 * than its function's. The loader must refuse the inconsistent table with
 * lucet_error_module.
 */
#include "native_guest.h"

GUEST_FN int32_t answer(struct lucet_vmctx *vmctx)
{
    (void)vmctx;
    return 42;
}

static const uint8_t p_i32[] = { lucet_module_valtype_i32 };
static const struct lucet_module_signature signatures[] = {
    { 0, 1, NULL, lucet_module_valtype_i32, 0 },
    { 1, 1, p_i32, lucet_module_valtype_i32, 0 },
};
static struct lucet_module_function functions[] = {
    { .code = (const void *)answer, .signature = 0, .name = "answer" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)
static const struct lucet_module_export exports[] = { { "answer", 0, 0 } };
static const struct lucet_module_table_elem elems[] = {
    { .signature = 1, .function = 0 }, /* the defect: answer has signature 0 */
};
static const struct lucet_module_table tables[] = { { 1, 0, elems } };

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .signature_count = 2,
    .signatures = signatures,
    .function_count = 1,
    .functions = functions,
    .export_count = 1,
    .exports = exports,
    .table_count = 1,
    .tables = tables,
};
