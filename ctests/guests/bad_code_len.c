/*
 * bad_code_len.c: a module whose only function claims 1 GiB of code, far
 * past the end of the object's executable segment. The loader must refuse
 * it with lucet_error_module.
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
static const struct lucet_module_function functions[] = {
    { .code = (const void *)answer, .code_len = 1u << 30, .signature = 0, .name = "answer" },
};
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
    .export_count = 1,
    .exports = exports,
};
