/*
 * bad_code_ptr.c: a module whose function entry points into writable data,
 * not into the object's executable code. The loader must refuse it with
 * lucet_error_module.
 */
#include "native_guest.h"

static uint8_t not_code[64];

static const struct lucet_module_signature signatures[] = {
    { 0, 1, NULL, lucet_module_valtype_i32, 0 },
};
static const struct lucet_module_function functions[] = {
    { .code = not_code, .code_len = sizeof not_code, .signature = 0, .name = "answer" },
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
