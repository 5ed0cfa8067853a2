/*
 * guest.c: the demo's guest module, written in C the way compiled wasm code
 * looks: each function takes the vmctx (the heap base) first and touches
 * memory only through the heap, and the module describes itself in the
 * exported `lucet_module` descriptor.
 */
#include "native_guest.h"

/* Writes "n! = <digits>" at heap offset `out` and returns n!. */
GUEST_FN int64_t factorial_to_heap(struct lucet_vmctx *vmctx, int32_t n, int32_t out)
{
    char *heap = lucet_vmctx_get_heap(vmctx) + (uint32_t)out;
    char digits[24];
    int64_t f = 1;
    int len = 0, i = 0;

    for (int32_t k = 2; k <= n; k++)
        f *= k;
    for (int32_t v = n; v > 0 || len == 0; v /= 10)
        digits[len++] = (char)('0' + v % 10);
    while (len > 0)
        heap[i++] = digits[--len];
    for (const char *s = "! = "; *s; s++)
        heap[i++] = *s;
    for (int64_t v = f; v > 0 || len == 0; v /= 10)
        digits[len++] = (char)('0' + v % 10);
    while (len > 0)
        heap[i++] = digits[--len];
    heap[i] = 0;
    return f;
}

/* Reads the byte at heap offset `addr`; an offset past the heap faults. */
GUEST_FN int32_t peek(struct lucet_vmctx *vmctx, int32_t addr)
{
    return (uint8_t)lucet_vmctx_get_heap(vmctx)[(uint32_t)addr];
}

static const uint8_t params_i32_i32[] = { lucet_module_valtype_i32, lucet_module_valtype_i32 };
static const uint8_t params_i32[] = { lucet_module_valtype_i32 };

static const struct lucet_module_signature signatures[] = {
    { .param_count = 2, .params = params_i32_i32, .result_count = 1,
      .result = lucet_module_valtype_i64 },
    { .param_count = 1, .params = params_i32, .result_count = 1,
      .result = lucet_module_valtype_i32 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)factorial_to_heap, .signature = 0, .name = "factorial_to_heap" },
    { .code = (const void *)peek, .signature = 1, .name = "peek" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { .name = "factorial_to_heap", .function = 0 },
    { .name = "peek", .function = 1 },
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
