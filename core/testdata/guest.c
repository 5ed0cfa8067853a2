/*
 * guest.c: the guest module the Go tests of package core load. Each export
 * exercises one path of the runtime: arguments and results, heap, globals,
 * the start function, heap growth, tables and faults.
 */
#include "native_guest.h"

/* Set by the start function; the tests read it to see that start ran. */
#define START_MARK_OFFSET 8

GUEST_FN void start(struct lucet_vmctx *vmctx)
{
    lucet_vmctx_get_heap(vmctx)[START_MARK_OFFSET] = 0x5a;
}

GUEST_FN int32_t add(struct lucet_vmctx *vmctx, int32_t a, int32_t b)
{
    (void)vmctx;
    return a + b;
}

/* Every argument weighs differently, so a misplaced one changes the result. */
GUEST_FN double mixed(struct lucet_vmctx *vmctx, int32_t a, double b, int64_t c, float d,
                      int32_t e, double f, int64_t g, float h, int32_t i, double j, int64_t k,
                      float l, double m, double n, float o)
{
    (void)vmctx;
    return a * 1.0 + b * 2.0 + c * 3.0 + d * 4.0 + e * 5.0 + f * 6.0 + g * 7.0 + h * 8.0 +
           i * 9.0 + j * 10.0 + k * 11.0 + l * 12.0 + m * 13.0 + n * 14.0 + o * 15.0;
}

GUEST_FN float half(struct lucet_vmctx *vmctx, float x)
{
    (void)vmctx;
    return x / 2.0f;
}

/* Stores v at heap offset addr and returns the heap length in pages. */
GUEST_FN int32_t poke(struct lucet_vmctx *vmctx, int32_t addr, int32_t v)
{
    lucet_vmctx_get_heap(vmctx)[(uint32_t)addr] = (char)v;
    return (int32_t)lucet_vmctx_current_memory(vmctx);
}

GUEST_FN int32_t peek(struct lucet_vmctx *vmctx, int32_t addr)
{
    return (uint8_t)lucet_vmctx_get_heap(vmctx)[(uint32_t)addr];
}

/* Adds delta to global 0 and returns the new value. */
GUEST_FN int64_t bump_global(struct lucet_vmctx *vmctx, int64_t delta)
{
    return lucet_vmctx_get_globals(vmctx)[0] += delta;
}

GUEST_FN int32_t grow(struct lucet_vmctx *vmctx, int32_t pages)
{
    return lucet_vmctx_grow_memory(vmctx, (uint32_t)pages);
}

/* Returns the guest's own MXCSR, which the runtime resets for each run. */
GUEST_FN int32_t guest_mxcsr(struct lucet_vmctx *vmctx)
{
    uint32_t csr;

    (void)vmctx;
    __asm__ volatile("stmxcsr %0" : "=m"(csr));
    return (int32_t)csr;
}

GUEST_FN int64_t recurse(struct lucet_vmctx *vmctx, int64_t depth)
{
    volatile char frame[256];

    /* The bound is never reached: the stack runs out first. */
    if (depth > (INT64_C(1) << 40))
        return 0;
    frame[0] = (char)depth;
    return recurse(vmctx, depth + 1) + frame[0];
}

GUEST_FN int32_t divide(struct lucet_vmctx *vmctx, int32_t a, int32_t b)
{
    (void)vmctx;
    return a / b;
}

/* Reads a byte at an absolute address: outside the sandbox, so fatal. */
GUEST_FN int32_t read_absolute(struct lucet_vmctx *vmctx, int64_t addr)
{
    (void)vmctx;
    return *(volatile uint8_t *)(uintptr_t)addr;
}

GUEST_FN int64_t delegate(struct lucet_vmctx *vmctx)
{
    return (int64_t)(intptr_t)lucet_vmctx_get_delegate(vmctx);
}

static const uint8_t p_i32[] = { lucet_module_valtype_i32 };
static const uint8_t p_i32_i32[] = { lucet_module_valtype_i32, lucet_module_valtype_i32 };
static const uint8_t p_i64[] = { lucet_module_valtype_i64 };
static const uint8_t p_f32[] = { lucet_module_valtype_f32 };
static const uint8_t p_mixed[] = {
    lucet_module_valtype_i32, lucet_module_valtype_f64, lucet_module_valtype_i64,
    lucet_module_valtype_f32, lucet_module_valtype_i32, lucet_module_valtype_f64,
    lucet_module_valtype_i64, lucet_module_valtype_f32, lucet_module_valtype_i32,
    lucet_module_valtype_f64, lucet_module_valtype_i64, lucet_module_valtype_f32,
    lucet_module_valtype_f64, lucet_module_valtype_f64, lucet_module_valtype_f32,
};

enum { SIG_VOID, SIG_I32_I32__I32, SIG_MIXED__F64, SIG_F32__F32, SIG_I32__I32, SIG_I64__I64,
       SIG__I32, SIG__I64, SIG_I64__I32 };

static const struct lucet_module_signature signatures[] = {
    [SIG_VOID] = { 0 },
    [SIG_I32_I32__I32] = { .param_count = 2, .params = p_i32_i32, .result_count = 1,
                           .result = lucet_module_valtype_i32 },
    [SIG_MIXED__F64] = { .param_count = 15, .params = p_mixed, .result_count = 1,
                         .result = lucet_module_valtype_f64 },
    [SIG_F32__F32] = { .param_count = 1, .params = p_f32, .result_count = 1,
                       .result = lucet_module_valtype_f32 },
    [SIG_I32__I32] = { .param_count = 1, .params = p_i32, .result_count = 1,
                       .result = lucet_module_valtype_i32 },
    [SIG_I64__I64] = { .param_count = 1, .params = p_i64, .result_count = 1,
                       .result = lucet_module_valtype_i64 },
    [SIG__I32] = { .result_count = 1, .result = lucet_module_valtype_i32 },
    [SIG__I64] = { .result_count = 1, .result = lucet_module_valtype_i64 },
    [SIG_I64__I32] = { .param_count = 1, .params = p_i64, .result_count = 1,
                       .result = lucet_module_valtype_i32 },
};

#define FN(f, sig) { .code = (const void *)f, .signature = sig, .name = #f }

static struct lucet_module_function functions[] = {
    FN(start, SIG_VOID),
    FN(add, SIG_I32_I32__I32),
    FN(mixed, SIG_MIXED__F64),
    FN(half, SIG_F32__F32),
    FN(poke, SIG_I32_I32__I32),
    FN(peek, SIG_I32__I32),
    FN(bump_global, SIG_I64__I64),
    FN(grow, SIG_I32__I32),
    FN(guest_mxcsr, SIG__I32),
    FN(recurse, SIG_I64__I64),
    FN(divide, SIG_I32_I32__I32),
    FN(delegate, SIG__I64),
    FN(read_absolute, SIG_I64__I32),
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { "add", 1, 0 },   { "mixed", 2, 0 },       { "half", 3, 0 },  { "poke", 4, 0 },
    { "peek", 5, 0 },  { "bump_global", 6, 0 }, { "grow", 7, 0 },  { "guest_mxcsr", 8, 0 },
    { "recurse", 9, 0 }, { "divide", 10, 0 },   { "delegate", 11, 0 },
    { "read_absolute", 12, 0 },
};

/* Table 0: add at 0, an empty element at 1, peek at 2. */
static const struct lucet_module_table_elem table0[] = {
    { SIG_I32_I32__I32, 1 },
    { 0, LUCET_MODULE_NO_FUNCTION },
    { SIG_I32__I32, 5 },
};
static const struct lucet_module_table tables[] = { { .elem_count = 3, .elems = table0 } };

/* The first heap page starts with "hello"; the second is zeros. */
static const uint8_t data_page0[LUCET_MODULE_DATA_PAGE_SIZE] = "hello";
static const uint8_t *const data_pages[] = { data_page0, NULL };

static const struct lucet_module_global globals[] = {
    { .type = lucet_module_valtype_i64, .init_bits = 42 },
    { .type = lucet_module_valtype_i64, .init_bits = (uint64_t)-7 },
};

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = 0,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30,
              .initial_size = 2 * 64 * 1024, .max_size = 8 * 64 * 1024,
              .flags = LUCET_MODULE_HEAP_HAS_MAX },
    .global_count = 2,
    .globals = globals,
    .signature_count = sizeof signatures / sizeof signatures[0],
    .signatures = signatures,
    .function_count = sizeof functions / sizeof functions[0],
    .functions = functions,
    .export_count = sizeof exports / sizeof exports[0],
    .exports = exports,
    .table_count = 1,
    .tables = tables,
    .data_page_count = 2,
    .data_pages = data_pages,
};
