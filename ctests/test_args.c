/*
 * test_args.c: arguments and results. Values of each wasm type go in and come
 * back out; functions with more arguments than there are registers read the
 * rest from the stack in order; each lucet_val_type is accepted exactly where
 * lucet_types.h maps it; results are read with the LUCET_UNTYPED_RETVAL_TO_*
 * macros and the lucet_retval_* functions; and a bad call (wrong count, wrong
 * types, unknown export) is refused with the right error.
 */
#include <math.h>

#include "ctest.h"

static struct lucet_dl_module *mod;
static struct lucet_region *region;
static struct lucet_instance *inst;

/* Compares two doubles bit for bit (so -0.0 differs from 0.0). */
#define CHECK_EQ_DBL(got, want)                                                          \
    do {                                                                                 \
        double g_ = (got), w_ = (want);                                                  \
        if (memcmp(&g_, &w_, sizeof g_) != 0) {                                          \
            printf("    %s:%d: %s is %.17g, want %.17g\n", __FILE__, __LINE__, #got, g_, \
                   w_);                                                                  \
            ctest_case_failed = 1;                                                       \
        }                                                                                \
    } while (0)

/* Runs `name` in the shared instance, which must return: its raw return registers. */
static struct lucet_untyped_retval run_ok(const char *name, uintptr_t argc,
                                          const struct lucet_val *argv)
{
    return ctest_run_ok(inst, name, argc, argv);
}

static void identity_of_each_wasm_type(void)
{
    int answer = 0;
    struct lucet_untyped_retval rv;

    rv = run_ok("id_i32", 1, (struct lucet_val[]){ LUCET_VAL_I32(-123456) });
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(rv), -123456);

    rv = run_ok("id_i64", 1, (struct lucet_val[]){ LUCET_VAL_I64(INT64_MIN + 5) });
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I64(rv), INT64_MIN + 5);

    rv = run_ok("id_f32", 1, (struct lucet_val[]){ LUCET_VAL_F32(-3.25f) });
    CHECK(LUCET_UNTYPED_RETVAL_TO_F32(rv) == -3.25f);

    rv = run_ok("id_f64", 1, (struct lucet_val[]){ LUCET_VAL_F64(1e-300) });
    CHECK_EQ_DBL(LUCET_UNTYPED_RETVAL_TO_F64(rv), 1e-300);

    /* Special values pass through unchanged. */
    rv = run_ok("id_f64", 1, (struct lucet_val[]){ LUCET_VAL_F64(-0.0) });
    CHECK_EQ_DBL(LUCET_UNTYPED_RETVAL_TO_F64(rv), -0.0);
    rv = run_ok("id_f32", 1, (struct lucet_val[]){ LUCET_VAL_F32(INFINITY) });
    CHECK(isinf(LUCET_UNTYPED_RETVAL_TO_F32(rv)) && LUCET_UNTYPED_RETVAL_TO_F32(rv) > 0);

    /* A host pointer keeps all 64 bits through an i64 parameter. */
    rv = run_ok("id_i64", 1, (struct lucet_val[]){ LUCET_VAL_C_PTR(&answer) });
    CHECK(LUCET_UNTYPED_RETVAL_TO_C_PTR(rv) == (void *)&answer);
    rv = run_ok("id_i64", 1, (struct lucet_val[]){ LUCET_VAL_U64(UINT64_C(0xfedcba9876543210)) });
    CHECK_EQ_U64(LUCET_UNTYPED_RETVAL_TO_U64(rv), UINT64_C(0xfedcba9876543210));
}

static void two_argument_operations(void)
{
    struct lucet_untyped_retval rv;

    /* i32 addition wraps, as wasm's does. */
    rv = run_ok("add_i32", 2, (struct lucet_val[]){ LUCET_VAL_I32(INT32_MAX), LUCET_VAL_I32(2) });
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(rv), INT32_MIN + 1);

    /* Operand order matters for subtraction and division. */
    rv = run_ok("sub_i64", 2,
                (struct lucet_val[]){ LUCET_VAL_I64(5), LUCET_VAL_I64(INT64_C(1) << 40) });
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I64(rv), 5 - (INT64_C(1) << 40));

    rv = run_ok("sub_f32", 2, (struct lucet_val[]){ LUCET_VAL_F32(1.5f), LUCET_VAL_F32(0.25f) });
    CHECK(LUCET_UNTYPED_RETVAL_TO_F32(rv) == 1.25f);

    rv = run_ok("div_f64", 2, (struct lucet_val[]){ LUCET_VAL_F64(1.0), LUCET_VAL_F64(8.0) });
    CHECK_EQ_DBL(LUCET_UNTYPED_RETVAL_TO_F64(rv), 0.125);
}

static void i32_result_with_high_bit(void)
{
    struct lucet_untyped_retval rv = run_ok("high_bit_i32", 0, NULL);

    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(rv), -2147478988); /* (int32_t)0x80001234 */
    CHECK_EQ_U64(LUCET_UNTYPED_RETVAL_TO_U32(rv), 0x80001234u);
    /* The narrower views take the low bits. */
    CHECK_EQ_U64(LUCET_UNTYPED_RETVAL_TO_U16(rv), 0x1234u);
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I16(rv), 0x1234);
    CHECK_EQ_U64(LUCET_UNTYPED_RETVAL_TO_U8(rv), 0x34u);
    CHECK_EQ_U64(lucet_retval_gp(&rv).as_u64 & 0xffffffffu, 0x80001234u);
}

static void float_results(void)
{
    struct lucet_untyped_retval rv;

    rv = run_ok("const_f32", 0, NULL);
    CHECK(LUCET_UNTYPED_RETVAL_TO_F32(rv) == -0.15625f);
    CHECK(lucet_retval_f32(&rv) == -0.15625f);

    rv = run_ok("const_f64", 0, NULL);
    CHECK_EQ_DBL(LUCET_UNTYPED_RETVAL_TO_F64(rv), 6.02214076e23);
    CHECK_EQ_DBL(lucet_retval_f64(&rv), 6.02214076e23);
}

/*
 * The twenty arguments of mixed20_*: i32, f64, i64, f32 five times over, so
 * that both the integer registers (five left after the vmctx) and the eight
 * float registers overflow onto the stack.
 */
static const int32_t m_i32[5] = { -7, 11, INT32_MAX, INT32_MIN, 42 };
static const double m_f64[5] = { 1.5, -0.125, 1e10, -3.0, 0.5 };
static const int64_t m_i64[5] = { 1000000007, -99, -(INT64_C(1) << 40), 123456789, -5 };
static const float m_f32[5] = { -2.25f, 3.5f, 0.75f, -8.5f, 16.0f };

static void mixed20_args(struct lucet_val args[20])
{
    for (int g = 0; g < 5; g++) {
        args[4 * g + 0] = LUCET_VAL_I32(m_i32[g]);
        args[4 * g + 1] = LUCET_VAL_F64(m_f64[g]);
        args[4 * g + 2] = LUCET_VAL_I64(m_i64[g]);
        args[4 * g + 3] = LUCET_VAL_F32(m_f32[g]);
    }
}

static void twenty_mixed_arguments(void)
{
    struct lucet_val args[20];
    struct lucet_untyped_retval rv;
    double want_sum = 0;
    uint64_t want_hash = 0;

    mixed20_args(args);
    /* Every value is a small binary fraction, so this sum is exact in any order. */
    for (int g = 0; g < 5; g++) {
        uint64_t b64;
        uint32_t b32;

        want_sum += (4 * g + 1) * (double)m_i32[g] + (4 * g + 2) * m_f64[g] +
                    (4 * g + 3) * (double)m_i64[g] + (4 * g + 4) * (double)m_f32[g];
        want_hash = want_hash * 31 + (uint32_t)m_i32[g];
        memcpy(&b64, &m_f64[g], sizeof b64);
        want_hash = want_hash * 31 + b64;
        want_hash = want_hash * 31 + (uint64_t)m_i64[g];
        memcpy(&b32, &m_f32[g], sizeof b32);
        want_hash = want_hash * 31 + b32;
    }

    rv = run_ok("mixed20_sum", 20, args);
    CHECK_EQ_DBL(LUCET_UNTYPED_RETVAL_TO_F64(rv), want_sum);
    rv = run_ok("mixed20_hash", 20, args);
    CHECK_EQ_U64(LUCET_UNTYPED_RETVAL_TO_U64(rv), want_hash);

    /* Swapping two arguments of the same type must change the result. */
    struct lucet_val swapped[20];
    memcpy(swapped, args, sizeof swapped);
    swapped[2] = args[18];
    swapped[18] = args[2];
    rv = run_ok("mixed20_hash", 20, swapped);
    CHECK(LUCET_UNTYPED_RETVAL_TO_U64(rv) != want_hash);
}

static void ten_floats_and_nine_integers(void)
{
    static const float f[10] = { 0.5f, -1.25f, 2.0f, 3.75f, -4.5f, 5.0f, 6.25f, -7.0f, 8.5f, 9.75f };
    static const int64_t n[9] = { 1, -2, INT64_MAX, INT64_MIN, 0x0102030405060708, -77, 99999,
                                  -(INT64_C(1) << 62), 12345 };
    struct lucet_val args[10];
    struct lucet_untyped_retval rv;
    float want_f = 0;
    uint64_t want_h = 0;

    for (int i = 0; i < 10; i++) {
        args[i] = LUCET_VAL_F32(f[i]);
        want_f += (float)(i + 1) * f[i];
    }
    rv = run_ok("f32x10_sum", 10, args);
    CHECK(LUCET_UNTYPED_RETVAL_TO_F32(rv) == want_f);

    for (int i = 0; i < 9; i++) {
        args[i] = LUCET_VAL_I64(n[i]);
        want_h = want_h * 31 + (uint64_t)n[i];
    }
    rv = run_ok("i64x9_hash", 9, args);
    CHECK_EQ_U64(LUCET_UNTYPED_RETVAL_TO_U64(rv), want_h);
}

static void guest_stack_is_aligned(void)
{
    struct lucet_val args[7];
    struct lucet_untyped_retval rv;

    for (int i = 0; i < 7; i++)
        args[i] = LUCET_VAL_I32(i);
    /* No, one (odd) and two (even) arguments on the stack. */
    rv = run_ok("frame_align_0", 0, NULL);
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(rv), 0);
    rv = run_ok("frame_align_1", 6, args);
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(rv), 0);
    rv = run_ok("frame_align_2", 7, args);
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(rv), 0);
}

static void function_without_result(void)
{
    int32_t mark;

    run_ok("no_result", 1, (struct lucet_val[]){ LUCET_VAL_I32(0x5eed) });
    memcpy(&mark, lucet_instance_heap(inst), sizeof mark);
    CHECK_EQ_INT(mark, 0x5eed);
}

/* The wasm type each lucet_val_type stands for, as documented in lucet_types.h. */
static const struct {
    enum lucet_val_type ty;
    const char *accepted_by; /* the identity export of that wasm type */
} val_type_map[] = {
    { lucet_val_type_c_ptr, "id_i64" }, { lucet_val_type_guest_ptr, "id_i32" },
    { lucet_val_type_u8, "id_i32" },    { lucet_val_type_u16, "id_i32" },
    { lucet_val_type_u32, "id_i32" },   { lucet_val_type_u64, "id_i64" },
    { lucet_val_type_i8, "id_i32" },    { lucet_val_type_i16, "id_i32" },
    { lucet_val_type_i32, "id_i32" },   { lucet_val_type_i64, "id_i64" },
    { lucet_val_type_usize, "id_i32" }, { lucet_val_type_isize, "id_i32" },
    { lucet_val_type_bool, "id_i32" },  { lucet_val_type_f32, "id_f32" },
    { lucet_val_type_f64, "id_f64" },
};

static void each_val_type_maps_to_one_wasm_type(void)
{
    static const char *const ids[] = { "id_i32", "id_i64", "id_f32", "id_f64" };

    CHECK_EQ_INT(sizeof val_type_map / sizeof val_type_map[0], lucet_val_type_f64 + 1);
    for (size_t t = 0; t < sizeof val_type_map / sizeof val_type_map[0]; t++) {
        for (size_t i = 0; i < 4; i++) {
            struct lucet_val v = { .ty = val_type_map[t].ty, .inner_val.as_u64 = 1 };
            enum lucet_error want = strcmp(ids[i], val_type_map[t].accepted_by) == 0
                                        ? lucet_error_ok
                                        : lucet_error_invalid_argument;
            enum lucet_error got = lucet_instance_run(inst, ids[i], 1, &v);

            if (got != want) {
                printf("    type %d to %s: %s, want %s\n", (int)val_type_map[t].ty, ids[i],
                       lucet_error_name(got), lucet_error_name(want));
                ctest_case_failed = 1;
            }
        }
    }
    /* A type outside the enum matches nothing. */
    struct lucet_val bogus = { .ty = (enum lucet_val_type)99, .inner_val.as_u64 = 1 };
    for (size_t i = 0; i < 4; i++)
        CHECK_ERR(lucet_instance_run(inst, ids[i], 1, &bogus), lucet_error_invalid_argument);
}

static void u64_refused_for_i32_and_c_ptr_accepted_for_i64(void)
{
    CHECK_ERR(lucet_instance_run(inst, "id_i32", 1, (struct lucet_val[]){ LUCET_VAL_U64(1) }),
              lucet_error_invalid_argument);
    /* The message says which argument, of which function, wanted what. */
    CHECK_STR_CONTAINS(lucet_error_message(), "argument 0");
    CHECK_STR_CONTAINS(lucet_error_message(), "id_i32");
    CHECK_STR_CONTAINS(lucet_error_message(), "i32");

    CHECK_OK(lucet_instance_run(inst, "id_i64", 1, (struct lucet_val[]){ LUCET_VAL_C_PTR(NULL) }));
    CHECK_ERR(lucet_instance_run(inst, "id_i32", 1,
                                 (struct lucet_val[]){ LUCET_VAL_C_PTR((void *)&mod) }),
              lucet_error_invalid_argument);
    /* f32 and f64 are not interchangeable either. */
    CHECK_ERR(lucet_instance_run(inst, "id_f64", 1, (struct lucet_val[]){ LUCET_VAL_F32(1.0f) }),
              lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_run(inst, "id_f32", 1, (struct lucet_val[]){ LUCET_VAL_F64(1.0) }),
              lucet_error_invalid_argument);
    /* A wrong type in a later position of a long signature is caught too. */
    struct lucet_val args[20];
    mixed20_args(args);
    args[19] = LUCET_VAL_F64(16.0);
    CHECK_ERR(lucet_instance_run(inst, "mixed20_hash", 20, args), lucet_error_invalid_argument);
    CHECK_STR_CONTAINS(lucet_error_message(), "argument 19");
}

/* Each i32-class type reaches the guest as the i32 its low 32 bits make. */
static void narrow_types_reach_the_guest_as_i32(void)
{
    const struct {
        struct lucet_val v;
        int64_t want;
    } cases[] = {
        { LUCET_VAL_U8(200), 200 },
        { LUCET_VAL_U16(65535), 65535 },
        { LUCET_VAL_U32(0xffffffffu), -1 },
        { LUCET_VAL_I8(-5), -5 },
        { LUCET_VAL_I16(-300), -300 },
        { LUCET_VAL_I32(INT32_MIN), INT32_MIN },
        { LUCET_VAL_GUEST_PTR(0x1000), 0x1000 },
        { LUCET_VAL_USIZE(7), 7 },
        { LUCET_VAL_ISIZE(-9), -9 },
        { LUCET_VAL_BOOL(true), 1 },
        { LUCET_VAL_BOOL(false), 0 },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct lucet_untyped_retval rv = run_ok("widen_i32", 1, &cases[i].v);
        int64_t got = LUCET_UNTYPED_RETVAL_TO_I64(rv);

        if (got != cases[i].want) {
            printf("    case %zu (type %d): guest saw %lld, want %lld\n", i, (int)cases[i].v.ty,
                   (long long)got, (long long)cases[i].want);
            ctest_case_failed = 1;
        }
    }
    /* The LUCET_VAL_TO_* macros read a value back as built. */
    CHECK_EQ_INT(LUCET_VAL_TO_I8(LUCET_VAL_I8(-5)), -5);
    CHECK_EQ_U64(LUCET_VAL_TO_U32(LUCET_VAL_U32(0xffffffffu)), 0xffffffffu);
    CHECK(LUCET_VAL_TO_F32(LUCET_VAL_F32(2.5f)) == 2.5f);
    CHECK_EQ_DBL(LUCET_VAL_TO_F64(LUCET_VAL_F64(-7.75)), -7.75);
    CHECK(LUCET_VAL_TO_C_PTR(LUCET_VAL_C_PTR((void *)&mod)) == (void *)&mod);
    CHECK(LUCET_VAL_TO_BOOL(LUCET_VAL_BOOL(true)));
}

static void wrong_argument_count(void)
{
    CHECK_ERR(lucet_instance_run(inst, "id_i32", 0, NULL), lucet_error_invalid_argument);
    CHECK_STR_CONTAINS(lucet_error_message(), "id_i32");
    CHECK_ERR(lucet_instance_run(inst, "id_i32", 2,
                                 (struct lucet_val[]){ LUCET_VAL_I32(1), LUCET_VAL_I32(2) }),
              lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_run(inst, "add_i32", 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }),
              lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_run(inst, "high_bit_i32", 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }),
              lucet_error_invalid_argument);
    struct lucet_val args[21];
    mixed20_args(args);
    args[20] = LUCET_VAL_I32(0);
    CHECK_ERR(lucet_instance_run(inst, "mixed20_sum", 21, args), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_run(inst, "mixed20_sum", 19, args), lucet_error_invalid_argument);
    /* A refused call leaves the instance runnable. */
    struct lucet_untyped_retval rv = run_ok("id_i32", 1, (struct lucet_val[]){ LUCET_VAL_I32(3) });
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(rv), 3);
}

static void argv_null(void)
{
    /* argc > 0 needs an argv. */
    CHECK_ERR(lucet_instance_run(inst, "id_i32", 1, NULL), lucet_error_invalid_argument);
    /* argc 0 with argv NULL is fine. */
    CHECK_OK(lucet_instance_run(inst, "const_f64", 0, NULL));
}

static void unknown_export(void)
{
    CHECK_ERR(lucet_instance_run(inst, "no_such_export", 0, NULL), lucet_error_symbol_not_found);
    CHECK_STR_CONTAINS(lucet_error_message(), "no_such_export");
    CHECK_ERR(lucet_instance_run(inst, "", 0, NULL), lucet_error_symbol_not_found);
    /* Names match exactly: no prefix or case folding. */
    CHECK_ERR(lucet_instance_run(inst, "id_i3", 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }),
              lucet_error_symbol_not_found);
    CHECK_ERR(lucet_instance_run(inst, "ID_I32", 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }),
              lucet_error_symbol_not_found);
    CHECK_ERR(lucet_instance_run(inst, NULL, 0, NULL), lucet_error_invalid_argument);
    /* This module has no table. */
    CHECK_ERR(lucet_instance_run_func_idx(inst, 0, 0, 0, NULL), lucet_error_func_not_found);
}

/*
 * The control words are callee-saved: every run starts the guest with the
 * defaults (all exceptions masked, round to nearest), and the host's own
 * settings are back when the run returns, whatever the guest did.
 */
#define MXCSR_CONTROL 0xffc0u /* without the sticky exception flags */
#define MXCSR_DEFAULT 0x1f80u
#define MXCSR_ROUND_UP 0x5f80u
#define MXCSR_ROUND_DOWN 0x3f80u
#define FPUCW_DEFAULT 0x037f
#define FPUCW_ROUND_UP 0x0b7f
#define FPUCW_ROUND_DOWN 0x077f

static void float_control_words(void)
{
    uint32_t host_mxcsr = ctest_get_mxcsr();
    uint16_t host_fpucw = ctest_get_fpucw();
    struct lucet_untyped_retval rv;

    ctest_set_mxcsr(MXCSR_ROUND_UP);
    ctest_set_fpucw(FPUCW_ROUND_UP);
    for (int round = 0; round < 2; round++) {
        rv = run_ok("swap_mxcsr", 1, (struct lucet_val[]){ LUCET_VAL_I32(MXCSR_ROUND_DOWN) });
        CHECK_EQ_U64(LUCET_UNTYPED_RETVAL_TO_U32(rv) & MXCSR_CONTROL, MXCSR_DEFAULT);
        CHECK_EQ_U64(ctest_get_mxcsr() & MXCSR_CONTROL, MXCSR_ROUND_UP);
        rv = run_ok("swap_fpucw", 1, (struct lucet_val[]){ LUCET_VAL_I32(FPUCW_ROUND_DOWN) });
        CHECK_EQ_U64(LUCET_UNTYPED_RETVAL_TO_U32(rv) & 0xffff, FPUCW_DEFAULT);
        CHECK_EQ_U64(ctest_get_fpucw(), FPUCW_ROUND_UP);
    }
    /* Guest arithmetic rounds to nearest even while the host rounds up. */
    volatile double one = 1.0, three = 3.0;
    rv = run_ok("div_f64", 2, (struct lucet_val[]){ LUCET_VAL_F64(one), LUCET_VAL_F64(three) });
    ctest_set_mxcsr(host_mxcsr);
    ctest_set_fpucw(host_fpucw);
    CHECK_EQ_DBL(LUCET_UNTYPED_RETVAL_TO_F64(rv), one / three);
}

/* The i-th i64 given to hash_<n>: distinct values using all 64 bits. */
static uint64_t hash_arg(int i)
{
    return UINT64_C(0x0101010101010101) * (uint64_t)i ^ ((uint64_t)i << 40);
}

/* Runs hash_<n> (a count, then n - 1 i64s) in inst, returning the error. */
static enum lucet_error run_hash(struct lucet_instance *in, int n, uint64_t *hash_out)
{
    struct lucet_val args[305];
    struct lucet_state st;
    enum lucet_error err;
    char name[16];

    snprintf(name, sizeof name, "hash_%d", n);
    args[0] = LUCET_VAL_I32(n - 1);
    for (int i = 1; i < n; i++)
        args[i] = LUCET_VAL_U64(hash_arg(i));
    err = lucet_instance_run(in, name, (uintptr_t)n, args);
    if (err == lucet_error_ok && lucet_instance_state(in, &st) == lucet_error_ok) {
        *hash_out = LUCET_UNTYPED_RETVAL_TO_U64(st.val.returned);
        lucet_state_release(&st);
    }
    return err;
}

static uint64_t expected_hash(int n)
{
    uint64_t h = 0;

    for (int i = 1; i < n; i++)
        h = h * 31 + hash_arg(i);
    return h;
}

/*
 * Stack arguments are limited to half the guest stack. With a 4 KiB stack,
 * 200 stack arguments (1600 bytes) are delivered, in order; 300 (2400 bytes)
 * are refused with unsupported, and fit a 16 KiB stack.
 */
static void stack_arguments_limited_by_stack_size(void)
{
    struct lucet_dl_module *many = NULL;
    struct lucet_alloc_limits limits = {
        .heap_memory_size = 1u << 20,
        .heap_address_space_size = 8ull << 30,
        .stack_size = 4096,
        .globals_size = 4096,
    };
    struct lucet_region *small = NULL, *big = NULL;
    struct lucet_instance *a = NULL, *b = NULL;
    uint64_t h = 0;

    CHECK_OK(lucet_dl_module_load(ctest_guest_path("core_many_params.so"), &many));
    CHECK_OK(lucet_mmap_region_create(1, &limits, &small));
    limits.stack_size = 16384;
    CHECK_OK(lucet_mmap_region_create(1, &limits, &big));
    CHECK_OK(lucet_region_new_instance(small, many, &a));
    CHECK_OK(lucet_region_new_instance(big, many, &b));
    if (a == NULL || b == NULL)
        goto out;

    CHECK_OK(run_hash(a, 205, &h));
    CHECK_EQ_U64(h, expected_hash(205));
    CHECK_ERR(run_hash(a, 305, &h), lucet_error_unsupported);
    CHECK(lucet_error_message()[0] != '\0');
    /* The refusal leaves the instance runnable. */
    h = 0;
    CHECK_OK(run_hash(a, 205, &h));
    CHECK_EQ_U64(h, expected_hash(205));
    CHECK_OK(run_hash(b, 305, &h));
    CHECK_EQ_U64(h, expected_hash(305));
out:
    lucet_instance_release(a);
    lucet_instance_release(b);
    lucet_region_release(small);
    lucet_region_release(big);
    lucet_dl_module_release(many);
}

static void retval_helpers_on_raw_bytes(void)
{
    struct lucet_untyped_retval rv;
    uint64_t gp = UINT64_C(0x8877665544332211);
    float f = -1.5f;
    double d = 2.75;

    memset(&rv, 0, sizeof rv);
    memcpy(rv.gp, &gp, sizeof gp);
    CHECK_EQ_U64(lucet_retval_gp(&rv).as_u64, gp);
    CHECK_EQ_INT(lucet_retval_gp(&rv).as_i64, (int64_t)gp);
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(rv), (int32_t)0x44332211);
    memcpy(rv.fp, &f, sizeof f);
    CHECK(lucet_retval_f32(&rv) == -1.5f);
    memcpy(rv.fp, &d, sizeof d);
    CHECK_EQ_DBL(lucet_retval_f64(&rv), 2.75);
}

int main(void)
{
    if (!ctest_setup_instance("core_args.so", 1, &mod, &region, &inst))
        return 1;
    RUN_CASE(identity_of_each_wasm_type);
    RUN_CASE(two_argument_operations);
    RUN_CASE(i32_result_with_high_bit);
    RUN_CASE(float_results);
    RUN_CASE(twenty_mixed_arguments);
    RUN_CASE(ten_floats_and_nine_integers);
    RUN_CASE(guest_stack_is_aligned);
    RUN_CASE(function_without_result);
    RUN_CASE(each_val_type_maps_to_one_wasm_type);
    RUN_CASE(u64_refused_for_i32_and_c_ptr_accepted_for_i64);
    RUN_CASE(narrow_types_reach_the_guest_as_i32);
    RUN_CASE(wrong_argument_count);
    RUN_CASE(argv_null);
    RUN_CASE(unknown_export);
    RUN_CASE(float_control_words);
    RUN_CASE(stack_arguments_limited_by_stack_size);
    RUN_CASE(retval_helpers_on_raw_bytes);
    ctest_teardown_instance(mod, region, inst);
    CTEST_EXIT();
}
