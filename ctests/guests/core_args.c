/*
 * core_args.c: guest functions for the argument and result tests. Each takes
 * or returns one of the four wasm value types; the many-argument functions
 * fold every argument, weighted by its position, into the result so that a
 * value dropped, swapped or read from the wrong register or stack slot shows.
 */
#include "native_guest.h"

#include <string.h>

GUEST_FN int32_t id_i32(struct lucet_vmctx *vmctx, int32_t x)
{
    (void)vmctx;
    return x;
}

GUEST_FN int64_t id_i64(struct lucet_vmctx *vmctx, int64_t x)
{
    (void)vmctx;
    return x;
}

GUEST_FN float id_f32(struct lucet_vmctx *vmctx, float x)
{
    (void)vmctx;
    return x;
}

GUEST_FN double id_f64(struct lucet_vmctx *vmctx, double x)
{
    (void)vmctx;
    return x;
}

/* Widens an i32 argument, so that its sign as received is visible in all 64 bits. */
GUEST_FN int64_t widen_i32(struct lucet_vmctx *vmctx, int32_t x)
{
    (void)vmctx;
    return (int64_t)x;
}

/* Wrapping addition, as wasm's i32.add. */
GUEST_FN int32_t add_i32(struct lucet_vmctx *vmctx, int32_t a, int32_t b)
{
    (void)vmctx;
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

GUEST_FN int64_t sub_i64(struct lucet_vmctx *vmctx, int64_t a, int64_t b)
{
    (void)vmctx;
    return (int64_t)((uint64_t)a - (uint64_t)b);
}

GUEST_FN float sub_f32(struct lucet_vmctx *vmctx, float a, float b)
{
    (void)vmctx;
    return a - b;
}

GUEST_FN double div_f64(struct lucet_vmctx *vmctx, double a, double b)
{
    (void)vmctx;
    return a / b;
}

/* An i32 result with the high bit set: 0x80001234. */
GUEST_FN int32_t high_bit_i32(struct lucet_vmctx *vmctx)
{
    (void)vmctx;
    return (int32_t)0x80001234u;
}

/* Constants exactly representable in their type. */
GUEST_FN float const_f32(struct lucet_vmctx *vmctx)
{
    (void)vmctx;
    return -0.15625f;
}

GUEST_FN double const_f64(struct lucet_vmctx *vmctx)
{
    (void)vmctx;
    return 6.02214076e23;
}

/* The 64 bits a value stands for, as the hash below folds them. */
static uint64_t bits_f32(float f)
{
    uint32_t b;

    memcpy(&b, &f, sizeof b);
    return b;
}

static uint64_t bits_f64(double d)
{
    uint64_t b;

    memcpy(&b, &d, sizeof b);
    return b;
}

/*
 * Twenty arguments in the repeating pattern i32, f64, i64, f32: ten integers
 * (five in registers after the vmctx, five on the stack) and ten floats
 * (eight in registers, two on the stack).
 */
#define MIXED20_PARAMS                                                                   \
    int32_t a0, double a1, int64_t a2, float a3, int32_t a4, double a5, int64_t a6,     \
        float a7, int32_t a8, double a9, int64_t a10, float a11, int32_t a12,            \
        double a13, int64_t a14, float a15, int32_t a16, double a17, int64_t a18,        \
        float a19

/* Sum of (position + 1) * argument, in double. */
GUEST_FN double mixed20_sum(struct lucet_vmctx *vmctx, MIXED20_PARAMS)
{
    (void)vmctx;
    return 1.0 * a0 + 2.0 * a1 + 3.0 * a2 + 4.0 * a3 + 5.0 * a4 + 6.0 * a5 + 7.0 * a6 +
           8.0 * a7 + 9.0 * a8 + 10.0 * a9 + 11.0 * a10 + 12.0 * a11 + 13.0 * a12 +
           14.0 * a13 + 15.0 * a14 + 16.0 * a15 + 17.0 * a16 + 18.0 * a17 + 19.0 * a18 +
           20.0 * a19;
}

/* A positional hash over the exact bits of every argument: h = h * 31 + bits. */
GUEST_FN int64_t mixed20_hash(struct lucet_vmctx *vmctx, MIXED20_PARAMS)
{
    const uint64_t bits[20] = {
        (uint32_t)a0,  bits_f64(a1),  (uint64_t)a2,  bits_f32(a3),  (uint32_t)a4,
        bits_f64(a5),  (uint64_t)a6,  bits_f32(a7),  (uint32_t)a8,  bits_f64(a9),
        (uint64_t)a10, bits_f32(a11), (uint32_t)a12, bits_f64(a13), (uint64_t)a14,
        bits_f32(a15), (uint32_t)a16, bits_f64(a17), (uint64_t)a18, bits_f32(a19),
    };
    uint64_t h = 0;

    (void)vmctx;
    for (int i = 0; i < 20; i++)
        h = h * 31u + bits[i];
    return (int64_t)h;
}

/* Ten f32 arguments (two on the stack): sum of (position + 1) * argument. */
GUEST_FN float f32x10_sum(struct lucet_vmctx *vmctx, float a0, float a1, float a2, float a3,
                          float a4, float a5, float a6, float a7, float a8, float a9)
{
    (void)vmctx;
    return 1 * a0 + 2 * a1 + 3 * a2 + 4 * a3 + 5 * a4 + 6 * a5 + 7 * a6 + 8 * a7 + 9 * a8 +
           10 * a9;
}

/* Nine i64 arguments (four, an even number, on the stack): positional hash. */
GUEST_FN int64_t i64x9_hash(struct lucet_vmctx *vmctx, int64_t a0, int64_t a1, int64_t a2,
                            int64_t a3, int64_t a4, int64_t a5, int64_t a6, int64_t a7,
                            int64_t a8)
{
    const int64_t a[] = { a0, a1, a2, a3, a4, a5, a6, a7, a8 };
    uint64_t h = 0;

    (void)vmctx;
    for (int i = 0; i < 9; i++)
        h = h * 31u + (uint64_t)a[i];
    return (int64_t)h;
}

/*
 * The stack alignment each function sees on entry, as its frame address
 * modulo 16 (the ABI wants 0 there, after the return address and the saved
 * frame pointer are pushed), with no, one and two arguments on the stack.
 */
GUEST_FN int32_t frame_align_0(struct lucet_vmctx *vmctx)
{
    (void)vmctx;
    return (int32_t)((uintptr_t)__builtin_frame_address(0) % 16);
}

GUEST_FN int32_t frame_align_1(struct lucet_vmctx *vmctx, int32_t a, int32_t b, int32_t c,
                               int32_t d, int32_t e, int32_t f)
{
    (void)vmctx, (void)a, (void)b, (void)c, (void)d, (void)e, (void)f;
    return (int32_t)((uintptr_t)__builtin_frame_address(0) % 16);
}

GUEST_FN int32_t frame_align_2(struct lucet_vmctx *vmctx, int32_t a, int32_t b, int32_t c,
                               int32_t d, int32_t e, int32_t f, int32_t g)
{
    (void)vmctx, (void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g;
    return (int32_t)((uintptr_t)__builtin_frame_address(0) % 16);
}

/*
 * The floating-point control words: each returns the value it found on entry
 * and leaves `value` in its place, so the host can see both what a guest
 * starts with and whether a guest's change leaks out.
 */
GUEST_FN int32_t swap_mxcsr(struct lucet_vmctx *vmctx, int32_t value)
{
    uint32_t old = __builtin_ia32_stmxcsr();

    (void)vmctx;
    __builtin_ia32_ldmxcsr((uint32_t)value);
    return (int32_t)old;
}

GUEST_FN int32_t swap_fpucw(struct lucet_vmctx *vmctx, int32_t value)
{
    uint16_t old, cw = (uint16_t)value;

    (void)vmctx;
    __asm__ volatile("fnstcw %0" : "=m"(old));
    __asm__ volatile("fldcw %0" : : "m"(cw));
    return old;
}

/* Returns nothing; leaves a mark at heap offset 0 to show it ran. */
GUEST_FN void no_result(struct lucet_vmctx *vmctx, int32_t mark)
{
    memcpy(lucet_vmctx_get_heap(vmctx), &mark, sizeof mark);
}

#define I32 lucet_module_valtype_i32
#define I64 lucet_module_valtype_i64
#define F32 lucet_module_valtype_f32
#define F64 lucet_module_valtype_f64

static const uint8_t p_i32[] = { I32 };
static const uint8_t p_i64[] = { I64 };
static const uint8_t p_f32[] = { F32 };
static const uint8_t p_f64[] = { F64 };
static const uint8_t p_i32_i32[] = { I32, I32 };
static const uint8_t p_i64_i64[] = { I64, I64 };
static const uint8_t p_f32_f32[] = { F32, F32 };
static const uint8_t p_f64_f64[] = { F64, F64 };
static const uint8_t p_mixed20[] = { I32, F64, I64, F32, I32, F64, I64, F32, I32, F64,
                                     I64, F32, I32, F64, I64, F32, I32, F64, I64, F32 };
static const uint8_t p_f32x10[] = { F32, F32, F32, F32, F32, F32, F32, F32, F32, F32 };
static const uint8_t p_i64x9[] = { I64, I64, I64, I64, I64, I64, I64, I64, I64 };
static const uint8_t p_i32x7[] = { I32, I32, I32, I32, I32, I32, I32 };

enum {
    SIG_I32_I32, SIG_I64_I64, SIG_F32_F32, SIG_F64_F64, SIG_I32_I64, SIG_I32I32_I32,
    SIG_I64I64_I64, SIG_F32F32_F32, SIG_F64F64_F64, SIG_V_I32, SIG_V_F32, SIG_V_F64,
    SIG_MIXED20_F64, SIG_MIXED20_I64, SIG_F32X10_F32, SIG_I64X9_I64, SIG_I32X6_I32,
    SIG_I32X7_I32, SIG_I32_V,
};
/* swap_mxcsr and swap_fpucw use SIG_I32_I32. */

static const struct lucet_module_signature signatures[] = {
    [SIG_I32_I32] = { 1, 1, p_i32, I32, 0 },
    [SIG_I64_I64] = { 1, 1, p_i64, I64, 0 },
    [SIG_F32_F32] = { 1, 1, p_f32, F32, 0 },
    [SIG_F64_F64] = { 1, 1, p_f64, F64, 0 },
    [SIG_I32_I64] = { 1, 1, p_i32, I64, 0 },
    [SIG_I32I32_I32] = { 2, 1, p_i32_i32, I32, 0 },
    [SIG_I64I64_I64] = { 2, 1, p_i64_i64, I64, 0 },
    [SIG_F32F32_F32] = { 2, 1, p_f32_f32, F32, 0 },
    [SIG_F64F64_F64] = { 2, 1, p_f64_f64, F64, 0 },
    [SIG_V_I32] = { 0, 1, NULL, I32, 0 },
    [SIG_V_F32] = { 0, 1, NULL, F32, 0 },
    [SIG_V_F64] = { 0, 1, NULL, F64, 0 },
    [SIG_MIXED20_F64] = { 20, 1, p_mixed20, F64, 0 },
    [SIG_MIXED20_I64] = { 20, 1, p_mixed20, I64, 0 },
    [SIG_F32X10_F32] = { 10, 1, p_f32x10, F32, 0 },
    [SIG_I64X9_I64] = { 9, 1, p_i64x9, I64, 0 },
    [SIG_I32X6_I32] = { 6, 1, p_i32x7, I32, 0 },
    [SIG_I32X7_I32] = { 7, 1, p_i32x7, I32, 0 },
    [SIG_I32_V] = { 1, 0, p_i32, 0, 0 },
};

#define FN(f, sig) { .code = (const void *)(f), .signature = (sig), .name = #f }

static struct lucet_module_function functions[] = {
    FN(id_i32, SIG_I32_I32),
    FN(id_i64, SIG_I64_I64),
    FN(id_f32, SIG_F32_F32),
    FN(id_f64, SIG_F64_F64),
    FN(widen_i32, SIG_I32_I64),
    FN(add_i32, SIG_I32I32_I32),
    FN(sub_i64, SIG_I64I64_I64),
    FN(sub_f32, SIG_F32F32_F32),
    FN(div_f64, SIG_F64F64_F64),
    FN(high_bit_i32, SIG_V_I32),
    FN(const_f32, SIG_V_F32),
    FN(const_f64, SIG_V_F64),
    FN(mixed20_sum, SIG_MIXED20_F64),
    FN(mixed20_hash, SIG_MIXED20_I64),
    FN(f32x10_sum, SIG_F32X10_F32),
    FN(i64x9_hash, SIG_I64X9_I64),
    FN(frame_align_0, SIG_V_I32),
    FN(frame_align_1, SIG_I32X6_I32),
    FN(frame_align_2, SIG_I32X7_I32),
    FN(no_result, SIG_I32_V),
    FN(swap_mxcsr, SIG_I32_I32),
    FN(swap_fpucw, SIG_I32_I32),
};
NATIVE_GUEST_FILL_LENGTHS(functions)

#define COUNT(a) (uint32_t)(sizeof(a) / sizeof((a)[0]))

/* Every function is exported under its own name. */
static const struct lucet_module_export exports[] = {
    { "id_i32", 0, 0 },        { "id_i64", 1, 0 },       { "id_f32", 2, 0 },
    { "id_f64", 3, 0 },        { "widen_i32", 4, 0 },    { "add_i32", 5, 0 },
    { "sub_i64", 6, 0 },       { "sub_f32", 7, 0 },      { "div_f64", 8, 0 },
    { "high_bit_i32", 9, 0 },  { "const_f32", 10, 0 },   { "const_f64", 11, 0 },
    { "mixed20_sum", 12, 0 },  { "mixed20_hash", 13, 0 }, { "f32x10_sum", 14, 0 },
    { "i64x9_hash", 15, 0 },   { "frame_align_0", 16, 0 }, { "frame_align_1", 17, 0 },
    { "frame_align_2", 18, 0 }, { "no_result", 19, 0 }, { "swap_mxcsr", 20, 0 },
    { "swap_fpucw", 21, 0 },
};

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .signature_count = COUNT(signatures),
    .signatures = signatures,
    .function_count = COUNT(functions),
    .functions = functions,
    .export_count = COUNT(exports),
    .exports = exports,
};
