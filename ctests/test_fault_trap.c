/*
 * test_fault_trap.c: traps that are not memory faults.
 *
 *   - Trap sites: a ud2 (or an idiv) whose offset the module descriptor maps
 *     to a trap code must fault with exactly that code, not fatal, with the
 *     PC at the instruction.
 *   - Bare divisions: an idiv/div with no trap site raises SIGFPE for both a
 *     zero divisor and a quotient that does not fit (INT_MIN / -1); the
 *     runtime must tell the two apart for every operand form.
 *
 * The guest (guests/fault_trap.c) is written in assembly with a global label
 * on every faulting instruction. A ud2 with no trap site is fatal and is
 * tested in test_fault_fatal.c.
 */
#include <signal.h>

#include "ctest.h"

static struct lucet_dl_module *trap_module;
static struct lucet_region *region;

/*
 * Checks the last fault: code, not fatal, PC at `label`, the signal, and no
 * faulting address (these are not memory faults).
 */
static void check_trap(struct lucet_instance *inst, const char *what,
                       enum lucet_trapcode_type want_code, const char *label, int want_signal)
{
    enum lucet_trapcode_type code = lucet_trapcode_type_stack_overflow;
    bool fatal = true;
    uintptr_t pc = 0, addr = 1;
    int signum = 0;
    int failed_before = ctest_case_failed;

    CHECK_OK(lucet_instance_fault_trapcode(inst, &code));
    CHECK_EQ_INT(code, want_code);
    CHECK_OK(lucet_instance_fault_is_fatal(inst, &fatal));
    CHECK(!fatal);
    CHECK_OK(lucet_instance_fault_pc(inst, &pc));
    CHECK_EQ_U64(pc, ctest_guest_label("fault_trap.so", label));
    CHECK_OK(lucet_instance_fault_signal(inst, &signum));
    CHECK_EQ_INT(signum, want_signal);
    CHECK_OK(lucet_instance_fault_address(inst, &addr));
    CHECK_EQ_U64(addr, 0);
    if (ctest_case_failed && !failed_before)
        printf("    (in %s)\n", what);
}

/* Runs fn(a, b) with i32 or i64 arguments and returns the result, if any. */
static int64_t run2(struct lucet_instance *inst, const char *fn, bool wide, int64_t a, int64_t b,
                    enum lucet_error want)
{
    struct lucet_val args[2];
    struct lucet_untyped_retval rv;

    if (wide) {
        args[0] = LUCET_VAL_I64(a);
        args[1] = LUCET_VAL_I64(b);
    } else {
        args[0] = LUCET_VAL_I32((int32_t)a);
        args[1] = LUCET_VAL_I32((int32_t)b);
    }
    ctest_run(inst, fn, 2, args, want, &rv);
    return wide ? LUCET_UNTYPED_RETVAL_TO_I64(rv) : LUCET_UNTYPED_RETVAL_TO_I32(rv);
}

/* Runs fn(a, b), which must fault, and checks the trap as check_trap does. */
static void expect_trap(struct lucet_instance *inst, const char *fn, bool wide, int64_t a,
                        int64_t b, enum lucet_trapcode_type want_code, const char *label,
                        int want_signal)
{
    char what[96];

    snprintf(what, sizeof what, "%s(%lld, %lld)", fn, (long long)a, (long long)b);
    run2(inst, fn, wide, a, b, lucet_error_runtime_fault);
    check_trap(inst, what, want_code, label, want_signal);
}

/* Explicit checks before an i32 division end in ud2 sites with their codes. */
static void checked_division_sites(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, trap_module);

    expect_trap(inst, "ft_checked_div_s32", false, 7, 0, lucet_trapcode_type_integer_div_by_zero,
                "ft_checked_div_s32_zero", SIGILL);
    expect_trap(inst, "ft_checked_div_s32", false, INT32_MIN, -1,
                lucet_trapcode_type_integer_overflow, "ft_checked_div_s32_overflow", SIGILL);
    /* Neither check fires for other operands, including each half of the overflow. */
    CHECK_EQ_INT(run2(inst, "ft_checked_div_s32", false, -100, 7, lucet_error_ok), -14);
    CHECK_EQ_INT(run2(inst, "ft_checked_div_s32", false, INT32_MIN, 1, lucet_error_ok), INT32_MIN);
    CHECK_EQ_INT(run2(inst, "ft_checked_div_s32", false, 9, -1, lucet_error_ok), -9);
    lucet_instance_release(inst);
}

/*
 * The idiv instruction itself as the trap site for a zero divisor: the site's
 * code comes with the SIGFPE; the explicit overflow check is a ud2 site.
 */
static void idiv_as_trap_site(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, trap_module);

    expect_trap(inst, "ft_site_div_s64", true, 1, 0, lucet_trapcode_type_integer_div_by_zero,
                "ft_site_div_s64_idiv", SIGFPE);
    expect_trap(inst, "ft_site_div_s64", true, INT64_MIN, -1, lucet_trapcode_type_integer_overflow,
                "ft_site_div_s64_overflow", SIGILL);
    CHECK_EQ_INT(run2(inst, "ft_site_div_s64", true, INT64_MIN, 2, lucet_error_ok),
                 INT64_MIN / 2);
    lucet_instance_release(inst);
}

/*
 * Every site of a function with several is found, whichever it is (the
 * runtime searches the sorted sites of the function at the PC).
 */
static void each_site_its_own_code(void)
{
    static const struct {
        const char *label;
        enum lucet_trapcode_type code;
    } sites[] = {
        { "ft_trap_select_0", lucet_trapcode_type_bad_signature },
        { "ft_trap_select_1", lucet_trapcode_type_table_out_of_bounds },
        { "ft_trap_select_2", lucet_trapcode_type_unreachable },
        { "ft_trap_select_3", lucet_trapcode_type_user },
        { "ft_trap_select_4", lucet_trapcode_type_indirect_call_to_null },
    };
    struct lucet_instance *inst = ctest_new_instance(region, trap_module);
    struct lucet_state state;

    for (int32_t i = 0; i < (int32_t)(sizeof sites / sizeof sites[0]); i++) {
        CHECK_ERR(lucet_instance_run(inst, "ft_trap_select", 1,
                                     (struct lucet_val[]){ LUCET_VAL_I32(i) }),
                  lucet_error_runtime_fault);
        check_trap(inst, sites[i].label, sites[i].code, sites[i].label, SIGILL);
    }
    CHECK_OK(lucet_instance_run(inst, "ft_trap_select", 1,
                                (struct lucet_val[]){ LUCET_VAL_I32(5) }));
    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(state.val.returned), 5);
    lucet_state_release(&state);
    lucet_instance_release(inst);
}

/* wasm `unreachable`: its own code, described in words. */
static void unreachable_site(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, trap_module);
    char text[LUCET_FAULT_DESCRIPTION_MAX];

    CHECK_ERR(lucet_instance_run(inst, "ft_unreachable", 0, NULL), lucet_error_runtime_fault);
    check_trap(inst, "unreachable", lucet_trapcode_type_unreachable, "ft_unreachable_ud2", SIGILL);
    CHECK_OK(lucet_instance_fault_describe(inst, text, sizeof text));
    CHECK_STR_CONTAINS(text, "unreachable");
    CHECK_STR_CONTAINS(text, "SIGILL");
    CHECK_STR_CONTAINS(text, "ft_unreachable");
    CHECK(strstr(text, "fatal") == NULL);
    /* The error message of the failed run says the same. */
    CHECK_ERR(lucet_instance_run(inst, "ft_unreachable", 0, NULL), lucet_error_runtime_fault);
    CHECK_STR_CONTAINS(lucet_error_message(), "unreachable");
    lucet_instance_release(inst);
}

/* One bare division: which function, operand width, operands and outcome. */
struct division {
    const char *fn;
    bool wide;
    int64_t a, b;
    enum lucet_trapcode_type code; /* when it faults */
    int64_t quotient;              /* when it does not */
    bool faults;
};

#define DIV_FAULT(fn, wide, a, b, code) { fn, wide, a, b, lucet_trapcode_type_##code, 0, true }
#define DIV_OK(fn, wide, a, b, q) { fn, wide, a, b, lucet_trapcode_type_unknown, q, false }

static const struct division divisions[] = {
    /* 32-bit register divisor. */
    DIV_FAULT("ft_idiv32_reg", false, 5, 0, integer_div_by_zero),
    DIV_FAULT("ft_idiv32_reg", false, INT32_MIN, -1, integer_overflow),
    DIV_OK("ft_idiv32_reg", false, -100, 7, -14),
    /* 64-bit register divisor. */
    DIV_FAULT("ft_idiv64_reg", true, 5, 0, integer_div_by_zero),
    DIV_FAULT("ft_idiv64_reg", true, INT64_MIN, -1, integer_overflow),
    /* A 64-bit divisor whose low 32 bits are zero is not zero. */
    DIV_OK("ft_idiv64_reg", true, INT64_MIN, INT64_C(1) << 32, -(INT64_C(1) << 31)),
    /* Registers r8-r15 (REX.B). */
    DIV_FAULT("ft_idiv32_r10", false, 5, 0, integer_div_by_zero),
    DIV_FAULT("ft_idiv32_r10", false, INT32_MIN, -1, integer_overflow),
    DIV_OK("ft_idiv32_r10", false, 100, -7, -14),
    DIV_FAULT("ft_idiv64_r9", true, 5, 0, integer_div_by_zero),
    DIV_FAULT("ft_idiv64_r9", true, INT64_MIN, -1, integer_overflow),
    /* Memory divisors: on the stack, in the heap, indexed, index-only, rip-relative. */
    DIV_FAULT("ft_idiv32_stack", false, 5, 0, integer_div_by_zero),
    DIV_FAULT("ft_idiv32_stack", false, INT32_MIN, -1, integer_overflow),
    DIV_OK("ft_idiv32_stack", false, 100, 7, 14),
    DIV_FAULT("ft_idiv64_heap", true, 5, 0, integer_div_by_zero),
    DIV_FAULT("ft_idiv64_heap", true, INT64_MIN, -1, integer_overflow),
    DIV_OK("ft_idiv64_heap", true, INT64_MIN, INT64_C(1) << 32, -(INT64_C(1) << 31)),
    DIV_FAULT("ft_idiv64_index", true, 5, 0, integer_div_by_zero),
    DIV_FAULT("ft_idiv64_index", true, INT64_MIN, -1, integer_overflow),
    DIV_OK("ft_idiv64_index", true, 100, 7, 14),
    DIV_FAULT("ft_idiv32_nobase", false, 5, 0, integer_div_by_zero),
    DIV_FAULT("ft_idiv32_nobase", false, INT32_MIN, -1, integer_overflow),
    DIV_OK("ft_idiv32_nobase", false, 100, 7, 14),
    DIV_FAULT("ft_idiv32_rip", false, 5, 0, integer_div_by_zero),
    DIV_FAULT("ft_idiv32_rip", false, INT32_MIN, -1, integer_overflow),
    DIV_OK("ft_idiv32_rip", false, 100, 7, 14),
    /* Unsigned: the only fault is a zero divisor. */
    DIV_FAULT("ft_div32_reg", false, 5, 0, integer_div_by_zero),
    DIV_OK("ft_div32_reg", false, -2, 2, INT32_MAX),
    /* 16 and 8 bits (operand-size prefix; a high-byte register). */
    DIV_FAULT("ft_idiv16_reg", false, 5, 0, integer_div_by_zero),
    DIV_FAULT("ft_idiv16_reg", false, INT16_MIN, -1, integer_overflow),
    /* A 16-bit divisor is the low half: 0x10000 is zero. */
    DIV_FAULT("ft_idiv16_reg", false, 5, 0x10000, integer_div_by_zero),
    DIV_OK("ft_idiv16_reg", false, -100, 7, -14),
    DIV_FAULT("ft_idiv8_ch", false, 5, 0, integer_div_by_zero),
    DIV_FAULT("ft_idiv8_ch", false, INT8_MIN, -1, integer_overflow),
    DIV_OK("ft_idiv8_ch", false, -100, 7, -14),
};

/*
 * Bare divisions with no trap site: the SIGFPE alone decides between a zero
 * divisor and an overflow, for each operand form; a division that does not
 * fault returns its quotient.
 */
static void bare_divisions(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, trap_module);

    for (size_t i = 0; i < sizeof divisions / sizeof divisions[0]; i++) {
        const struct division *d = &divisions[i];
        char label[64];

        if (!d->faults) {
            int64_t q = run2(inst, d->fn, d->wide, d->a, d->b, lucet_error_ok);

            if (q != d->quotient) {
                printf("    %s(%lld, %lld) returned %lld, want %lld\n", d->fn, (long long)d->a,
                       (long long)d->b, (long long)q, (long long)d->quotient);
                ctest_case_failed = 1;
            }
            continue;
        }
        snprintf(label, sizeof label, "%s_div", d->fn);
        expect_trap(inst, d->fn, d->wide, d->a, d->b, d->code, label, SIGFPE);
    }
    lucet_instance_release(inst);
}

/* Division faults are described in words naming the function. */
static void division_descriptions(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, trap_module);
    char text[LUCET_FAULT_DESCRIPTION_MAX];

    run2(inst, "ft_idiv32_reg", false, 1, 0, lucet_error_runtime_fault);
    CHECK_OK(lucet_instance_fault_describe(inst, text, sizeof text));
    CHECK_STR_CONTAINS(text, "integer division by zero");
    CHECK_STR_CONTAINS(text, "SIGFPE");
    CHECK_STR_CONTAINS(text, "ft_idiv32_reg");
    run2(inst, "ft_idiv32_reg", false, INT32_MIN, -1, lucet_error_runtime_fault);
    CHECK_OK(lucet_instance_fault_describe(inst, text, sizeof text));
    CHECK_STR_CONTAINS(text, "integer overflow");
    lucet_instance_release(inst);
}

/* A reset after a trap gives a fresh instance; so does simply running again. */
static void runnable_after_traps(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, trap_module);
    struct lucet_state state;

    CHECK_ERR(lucet_instance_run(inst, "ft_unreachable", 0, NULL), lucet_error_runtime_fault);
    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(state.tag, lucet_state_tag_fault);
    lucet_state_release(&state);
    CHECK_EQ_INT(run2(inst, "ft_idiv32_reg", false, 42, 6, lucet_error_ok), 7);

    run2(inst, "ft_idiv64_reg", true, 1, 0, lucet_error_runtime_fault);
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(state.tag, lucet_state_tag_returned);
    lucet_state_release(&state);
    CHECK_EQ_INT(run2(inst, "ft_idiv64_reg", true, 42, 6, lucet_error_ok), 7);
    lucet_instance_release(inst);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("fault_trap.so"), &trap_module) != lucet_error_ok ||
        lucet_mmap_region_create(2, NULL, &region) != lucet_error_ok) {
        printf("FAIL setting up: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(checked_division_sites);
    RUN_CASE(idiv_as_trap_site);
    RUN_CASE(each_site_its_own_code);
    RUN_CASE(unreachable_site);
    RUN_CASE(bare_divisions);
    RUN_CASE(division_descriptions);
    RUN_CASE(runnable_after_traps);
    lucet_region_release(region);
    lucet_dl_module_release(trap_module);
    CTEST_EXIT();
}
