/*
 * core_many_params.c: functions with hundreds of parameters, for the limit
 * on stack arguments. hash_205 takes an i32 count then 204 i64s (200 of them
 * on the stack); hash_305 takes a count then 304 i64s (300 on the stack).
 * Both run the same variadic code, which reads `count` i64s in order and
 * returns their positional hash h = h * 31 + value.
 */
#include "native_guest.h"

#include <stdarg.h>

GUEST_FN int64_t hash_i64s(struct lucet_vmctx *vmctx, int32_t count, ...)
{
    uint64_t h = 0;
    va_list ap;

    (void)vmctx;
    va_start(ap, count);
    for (int32_t i = 0; i < count; i++)
        h = h * 31u + (uint64_t)va_arg(ap, int64_t);
    va_end(ap);
    return (int64_t)h;
}

static uint8_t params[305];

__attribute__((constructor)) static void init_params(void)
{
    params[0] = lucet_module_valtype_i32;
    for (int i = 1; i < 305; i++)
        params[i] = lucet_module_valtype_i64;
}

static const struct lucet_module_signature signatures[] = {
    { 205, 1, params, lucet_module_valtype_i64, 0 },
    { 305, 1, params, lucet_module_valtype_i64, 0 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)hash_i64s, .signature = 0, .name = "hash_205" },
    { .code = (const void *)hash_i64s, .signature = 1, .name = "hash_305" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { "hash_205", 0, 0 },
    { "hash_305", 1, 0 },
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
};
