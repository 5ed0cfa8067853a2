/*
 * core_trivial.c: the smallest useful guest, for the stress, thread and
 * header tests. bump(x) adds x to the u32 at heap offset 0 and returns the
 * sum, so a fresh instance answers x and each instance keeps its own count.
 */
#include "native_guest.h"

#include <string.h>

GUEST_FN int32_t bump(struct lucet_vmctx *vmctx, int32_t x)
{
    char *heap = lucet_vmctx_get_heap(vmctx);
    uint32_t v;

    memcpy(&v, heap, sizeof v);
    v += (uint32_t)x;
    memcpy(heap, &v, sizeof v);
    return (int32_t)v;
}

GUEST_FN int64_t scale(struct lucet_vmctx *vmctx, int64_t a, double b)
{
    (void)vmctx;
    return (int64_t)((double)a * b);
}

static const uint8_t p_i32[] = { lucet_module_valtype_i32 };
static const uint8_t p_i64_f64[] = { lucet_module_valtype_i64, lucet_module_valtype_f64 };

static const struct lucet_module_signature signatures[] = {
    { 1, 1, p_i32, lucet_module_valtype_i32, 0 },
    { 2, 1, p_i64_f64, lucet_module_valtype_i64, 0 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)bump, .signature = 0, .name = "bump" },
    { .code = (const void *)scale, .signature = 1, .name = "scale" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { "bump", 0, 0 },
    { "scale", 1, 0 },
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
