/*
 * test_fault_stack.c: guest stack overflows.
 *
 * Deep recursion runs into the guard page below the guest stack; one frame
 * bigger than the whole stack jumps over the guard into the heap guard
 * below it. Both must come back as a non-fatal stack_overflow fault with the
 * faulting address where it really was, after which the instance runs again,
 * with or without a reset.
 *
 * Where the guard is: lucet.h lays a slot out as the instance page, the heap
 * address space, the stack guard page, then the stack, so with the default
 * limits the stack guard is the page at heap + 8 GiB and the stack is the
 * 128 KiB above it.
 */
#include <signal.h>

#include "ctest.h"

#define HEAP_ADDRESS_SPACE (8ull << 30)
#define STACK_SIZE (128u << 10)
#define GUARD_PAGE 4096u

static struct lucet_dl_module *stack_module;
static struct lucet_region *region;

/*
 * Runs fn(arg), which must end with `want`; gives back its result if it
 * returns (an i64 if `wide`, else an i32), else -1.
 */
static int64_t run1(struct lucet_instance *inst, const char *fn, int32_t arg, bool wide,
                    enum lucet_error want)
{
    struct lucet_val val = LUCET_VAL_I32(arg);
    struct lucet_untyped_retval rv;

    if (!ctest_run(inst, fn, 1, &val, want, &rv) || want != lucet_error_ok)
        return -1;
    return wide ? LUCET_UNTYPED_RETVAL_TO_I64(rv) : LUCET_UNTYPED_RETVAL_TO_I32(rv);
}

/* fs_recurse(depth): recursion `depth` calls deep, returning an i64 sum. */
static int64_t recurse(struct lucet_instance *inst, int32_t depth, enum lucet_error want)
{
    return run1(inst, "fs_recurse", depth, true, want);
}

/* The sum fs_recurse computes: (k & 0xff) for k = 1..depth. */
static int64_t recurse_sum(int32_t depth)
{
    int64_t sum = 0;

    for (int32_t k = 1; k <= depth; k++)
        sum += k & 0xff;
    return sum;
}

/* Checks a non-fatal stack_overflow SIGSEGV at an address in [lo, hi). */
static void check_overflow(struct lucet_instance *inst, uintptr_t lo, uintptr_t hi)
{
    enum lucet_trapcode_type code = lucet_trapcode_type_unknown;
    bool fatal = true;
    uintptr_t addr = 0, pc = 0;
    int signum = 0;
    struct lucet_state state;

    CHECK_OK(lucet_instance_fault_trapcode(inst, &code));
    CHECK_EQ_INT(code, lucet_trapcode_type_stack_overflow);
    CHECK_OK(lucet_instance_fault_is_fatal(inst, &fatal));
    CHECK(!fatal);
    CHECK_OK(lucet_instance_fault_signal(inst, &signum));
    CHECK_EQ_INT(signum, SIGSEGV);
    CHECK_OK(lucet_instance_fault_address(inst, &addr));
    if (addr < lo || addr >= hi) {
        printf("    fault address %#lx is not in [%#lx, %#lx)\n", (unsigned long)addr,
               (unsigned long)lo, (unsigned long)hi);
        ctest_case_failed = 1;
    }

    /* The PC is in guest code, which lucet_instance_state resolves to the module. */
    CHECK_OK(lucet_instance_fault_pc(inst, &pc));
    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(state.tag, lucet_state_tag_fault);
    CHECK(state.val.fault.rip_addr_details.in_module_code);
    CHECK_EQ_U64(state.val.fault.rip_addr, pc);
    CHECK_STR_CONTAINS(state.val.fault.rip_addr_details.file_name, "fault_stack.so");
    lucet_state_release(&state);
}

static uintptr_t stack_guard(struct lucet_instance *inst)
{
    return (uintptr_t)lucet_instance_heap(inst) + HEAP_ADDRESS_SPACE;
}

/* Unbounded recursion faults in the guard page, as a stack overflow. */
static void deep_recursion(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, stack_module);
    char text[LUCET_FAULT_DESCRIPTION_MAX];

    CHECK_EQ_INT(recurse(inst, 100, lucet_error_ok), recurse_sum(100));
    recurse(inst, 1 << 30, lucet_error_runtime_fault);
    check_overflow(inst, stack_guard(inst), stack_guard(inst) + GUARD_PAGE);
    CHECK_OK(lucet_instance_fault_describe(inst, text, sizeof text));
    CHECK_STR_CONTAINS(text, "stack overflow");
    CHECK_STR_CONTAINS(text, "fs_recurse");
    CHECK(strstr(text, "fatal") == NULL);
    lucet_instance_release(inst);
}

/*
 * After an overflow the instance runs again: straight away (a non-fatal
 * fault leaves it runnable, on a fresh stack) and after a reset; and it
 * overflows the same way a second time.
 */
static void runs_after_overflow(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, stack_module);
    struct lucet_state state;

    recurse(inst, 1 << 30, lucet_error_runtime_fault);
    CHECK_EQ_INT(recurse(inst, 1000, lucet_error_ok), recurse_sum(1000));
    recurse(inst, 1 << 30, lucet_error_runtime_fault);
    check_overflow(inst, stack_guard(inst), stack_guard(inst) + GUARD_PAGE);

    CHECK_OK(lucet_instance_reset(inst));
    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(state.tag, lucet_state_tag_returned);
    lucet_state_release(&state);
    CHECK_EQ_INT(recurse(inst, 1000, lucet_error_ok), recurse_sum(1000));
    recurse(inst, 1 << 30, lucet_error_runtime_fault);
    check_overflow(inst, stack_guard(inst), stack_guard(inst) + GUARD_PAGE);
    lucet_instance_release(inst);
}

/* fs_big_frame(kib): one frame of `kib` KiB, returning an i32. */
static int32_t big_frame(struct lucet_instance *inst, int32_t kib, enum lucet_error want)
{
    return (int32_t)run1(inst, "fs_big_frame", kib, false, want);
}

/*
 * Where a frame of `kib` KiB starts: just under the top of the stack, less
 * the few bytes the entry uses (return address, saved frame pointer).
 */
static uintptr_t frame_low(struct lucet_instance *inst, uint32_t kib)
{
    return stack_guard(inst) + GUARD_PAGE + STACK_SIZE - (uintptr_t)kib * 1024;
}

#define ENTRY_SLACK 512u /* more than the entry's own use of the stack */

/*
 * A frame larger than the stack touched at its low end first skips the
 * guard page and faults in the heap's guard: still a stack overflow (the
 * guest's stack pointer is below its stack), not a heap fault. A frame that
 * fits works.
 */
static void frame_jumping_the_guard(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, stack_module);

    CHECK_EQ_INT(big_frame(inst, 64, lucet_error_ok), 12);
    big_frame(inst, 1024, lucet_error_runtime_fault);
    check_overflow(inst, frame_low(inst, 1024) - ENTRY_SLACK, frame_low(inst, 1024));
    /* Two pages more than stack and guard: just under the guard page. */
    big_frame(inst, 136, lucet_error_runtime_fault);
    check_overflow(inst, frame_low(inst, 136) - ENTRY_SLACK, frame_low(inst, 136));
    CHECK(frame_low(inst, 136) < stack_guard(inst));
    CHECK_EQ_INT(big_frame(inst, 64, lucet_error_ok), 12);
    lucet_instance_release(inst);
}

/* A frame whose low end lands in the guard page is an overflow there. */
static void frame_in_the_guard(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, stack_module);

    big_frame(inst, 130, lucet_error_runtime_fault);
    check_overflow(inst, frame_low(inst, 130) - ENTRY_SLACK, frame_low(inst, 130));
    CHECK(frame_low(inst, 130) - ENTRY_SLACK >= stack_guard(inst));
    lucet_instance_release(inst);
}

/*
 * An overflow in one instance leaves its neighbour in the region alone: the
 * neighbour runs deep recursion within its own stack afterwards.
 */
static void neighbour_unaffected(void)
{
    struct lucet_instance *a = ctest_new_instance(region, stack_module);
    struct lucet_instance *b = ctest_new_instance(region, stack_module);

    CHECK_EQ_INT(recurse(b, 500, lucet_error_ok), recurse_sum(500));
    recurse(a, 1 << 30, lucet_error_runtime_fault);
    check_overflow(a, stack_guard(a), stack_guard(a) + GUARD_PAGE);
    CHECK_EQ_INT(recurse(b, 1500, lucet_error_ok), recurse_sum(1500));
    lucet_instance_release(a);
    lucet_instance_release(b);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("fault_stack.so"), &stack_module) != lucet_error_ok ||
        lucet_mmap_region_create(2, NULL, &region) != lucet_error_ok) {
        printf("FAIL setting up: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(deep_recursion);
    RUN_CASE(runs_after_overflow);
    RUN_CASE(frame_jumping_the_guard);
    RUN_CASE(frame_in_the_guard);
    RUN_CASE(neighbour_unaffected);
    lucet_region_release(region);
    lucet_dl_module_release(stack_module);
    CTEST_EXIT();
}
