/*
 * bad_export_count.c: a module claiming 2^20 exports (16 MiB of entries)
 * where its array holds one, so the claimed array runs far past the end of
 * the object. The loader must refuse it with lucet_error_module without
 * reading past the object.
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

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .signature_count = 1,
    .signatures = signatures,
    .function_count = 1,
    .functions = functions,
    .export_count = 1u << 20, /* the defect */
    .exports = exports,
};
