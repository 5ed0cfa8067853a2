/*
 * test_fault_handler.c: the embedder's say in a fault, and ending a run early.
 *
 *   - lucet_instance_set_signal_handler: the handler is asked first, inside
 *     the signal handler, with the fault's trap code, signal and siginfo. It
 *     may fix the cause and continue the guest at the faulting instruction,
 *     end the run (state terminated, reason signal), or leave the fault to
 *     the runtime.
 *   - lucet_vmctx_terminate from a hostcall ends the run with the
 *     embedder's pointer (the hostcall test files cover more of it).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "ctest.h"

#define HEAP_LEN 0x10000u

static struct lucet_dl_module *mem_module, *trap_module, *stack_module, *host_module;
static struct lucet_region *region;

/*
 * What the handlers saw, written inside the signal handler (plain stores
 * only) and read by the test after the run.
 */
static struct {
    int calls;
    struct lucet_instance *inst;
    enum lucet_trapcode_type code;
    int signum;
    int si_signo;
    uintptr_t fault_addr;
    uintptr_t pc;
} seen;

static void record(struct lucet_instance *inst, const struct lucet_trapcode *trap, int signum,
                   const siginfo_t *info, const void *context)
{
    const ucontext_t *uc = context;

    seen.calls++;
    seen.inst = inst;
    seen.code = trap->code;
    seen.signum = signum;
    seen.si_signo = info->si_signo;
    seen.fault_addr = (uintptr_t)info->si_addr;
    seen.pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

/*
 * Makes the faulting page accessible, writes a marker at the faulting byte,
 * and lets the guest retry. mprotect is a plain system call: safe here.
 */
#define MARKER 0x5a
static enum lucet_signal_behavior fix_and_continue(struct lucet_instance *inst,
                                                   const struct lucet_trapcode *trap, int signum,
                                                   const siginfo_t *info, const void *context)
{
    uintptr_t addr = (uintptr_t)info->si_addr;

    record(inst, trap, signum, info, context);
    if (seen.calls > 1)
        return lucet_signal_behavior_default; /* never loop on an unfixed fault */
    if (mprotect((void *)(addr & ~(uintptr_t)4095), 4096, PROT_READ | PROT_WRITE) != 0)
        return lucet_signal_behavior_default;
    *(volatile uint8_t *)addr = MARKER;
    return lucet_signal_behavior_continue;
}

/*
 * The runtime does not know about a page the handler opened behind its back
 * (the heap length is unchanged), so the test wipes and closes it again
 * before releasing the instance, leaving the slot as the runtime expects it
 * for the next tenant.
 */
static void close_fixed_page(struct lucet_instance *inst, uintptr_t addr)
{
    void *page = (void *)(addr & ~(uintptr_t)4095);

    CHECK(addr >= (uintptr_t)lucet_instance_heap(inst) + HEAP_LEN);
    memset(page, 0, 4096);
    CHECK_EQ_INT(mprotect(page, 4096, PROT_NONE), 0);
}

static enum lucet_signal_behavior terminate(struct lucet_instance *inst,
                                            const struct lucet_trapcode *trap, int signum,
                                            const siginfo_t *info, const void *context)
{
    record(inst, trap, signum, info, context);
    return lucet_signal_behavior_terminate;
}

static enum lucet_signal_behavior leave_default(struct lucet_instance *inst,
                                                const struct lucet_trapcode *trap, int signum,
                                                const siginfo_t *info, const void *context)
{
    record(inst, trap, signum, info, context);
    return lucet_signal_behavior_default;
}

/*
 * A read past the heap: the handler maps the page and continues; the guest
 * reads what the handler wrote, and the run returns normally.
 */
static void continue_after_fixing_a_read(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mem_module);
    uintptr_t heap = (uintptr_t)lucet_instance_heap(inst);
    struct lucet_val args[] = { LUCET_VAL_U32(HEAP_LEN), LUCET_VAL_U32(100) };

    memset(&seen, 0, sizeof seen);
    CHECK_OK(lucet_instance_set_signal_handler(inst, fix_and_continue));
    CHECK_OK(lucet_instance_run(inst, "fm_load8", 2, args));
    CHECK_EQ_U64(ctest_returned_gp(inst, "fm_load8"), MARKER);
    CHECK_EQ_INT(seen.calls, 1);
    CHECK(seen.inst == inst);
    CHECK_EQ_INT(seen.code, lucet_trapcode_type_heap_out_of_bounds);
    CHECK_EQ_INT(seen.signum, SIGSEGV);
    CHECK_EQ_INT(seen.si_signo, SIGSEGV);
    CHECK_EQ_U64(seen.fault_addr, heap + HEAP_LEN + 100);
    CHECK_EQ_U64(seen.pc, ctest_guest_label("fault_mem.so", "fm_load8_access"));
    close_fixed_page(inst, seen.fault_addr);
    lucet_instance_release(inst);
}

/* A write past the heap: continued, the store lands where the guest aimed. */
static void continue_after_fixing_a_write(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mem_module);
    uint8_t *heap = lucet_instance_heap(inst);
    struct lucet_val args[] = { LUCET_VAL_U32(HEAP_LEN + 8192), LUCET_VAL_U32(7),
                                LUCET_VAL_U32(0x33) };

    memset(&seen, 0, sizeof seen);
    CHECK_OK(lucet_instance_set_signal_handler(inst, fix_and_continue));
    CHECK_OK(lucet_instance_run(inst, "fm_store8", 3, args));
    CHECK_EQ_INT(seen.calls, 1);
    CHECK_EQ_INT(seen.code, lucet_trapcode_type_heap_out_of_bounds);
    CHECK_EQ_U64(seen.fault_addr, (uintptr_t)heap + HEAP_LEN + 8192 + 7);
    CHECK_EQ_U64(seen.pc, ctest_guest_label("fault_mem.so", "fm_store8_access"));
    /* The guest's store replaced the handler's marker. */
    CHECK_EQ_INT(heap[HEAP_LEN + 8192 + 7], 0x33);
    close_fixed_page(inst, seen.fault_addr);
    lucet_instance_release(inst);
}

/*
 * Terminate: the run returns runtime_terminated, the state says the signal
 * handler ended it, and the instance needs a reset before it runs again.
 */
static void terminate_from_the_handler(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, trap_module);
    struct lucet_state state;
    struct lucet_val args[] = { LUCET_VAL_I32(1), LUCET_VAL_I32(0) };
    enum lucet_trapcode_type code;

    memset(&seen, 0, sizeof seen);
    CHECK_OK(lucet_instance_set_signal_handler(inst, terminate));
    CHECK_ERR(lucet_instance_run(inst, "ft_idiv32_reg", 2, args), lucet_error_runtime_terminated);
    CHECK_EQ_INT(seen.calls, 1);
    CHECK(seen.inst == inst);
    CHECK_EQ_INT(seen.code, lucet_trapcode_type_integer_div_by_zero);
    CHECK_EQ_INT(seen.signum, SIGFPE);
    CHECK_EQ_U64(seen.pc, ctest_guest_label("fault_trap.so", "ft_idiv32_reg_div"));

    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(state.tag, lucet_state_tag_terminated);
    CHECK_EQ_INT(state.val.terminated.reason, lucet_terminated_reason_signal);
    CHECK(state.val.terminated.provided == NULL);
    lucet_state_release(&state);
    /* Not a fault: the fault accessors refuse. */
    CHECK_ERR(lucet_instance_fault_trapcode(inst, &code), lucet_error_invalid_argument);

    args[1] = LUCET_VAL_I32(1);
    CHECK_ERR(lucet_instance_run(inst, "ft_idiv32_reg", 2, args), lucet_error_invalid_argument);
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_OK(lucet_instance_run(inst, "ft_idiv32_reg", 2, args));
    CHECK_EQ_U64(ctest_returned_gp(inst, "ft_idiv32_reg"), 1);
    /* The handler is kept across the reset. */
    args[1] = LUCET_VAL_I32(0);
    CHECK_ERR(lucet_instance_run(inst, "ft_idiv32_reg", 2, args), lucet_error_runtime_terminated);
    CHECK_EQ_INT(seen.calls, 2);
    lucet_instance_release(inst);
}

/*
 * Answering default leaves the fault to the runtime; the handler still saw
 * each kind of fault with its own code and signal, the stack overflow
 * included (the handler then runs on the alternate stack).
 */
static void default_sees_every_kind(void)
{
    const struct {
        struct lucet_dl_module **module;
        const char *fn;
        uintptr_t argc;
        struct lucet_val args[2];
        enum lucet_trapcode_type code;
        int signum;
    } faults[] = {
        { &mem_module, "fm_load8", 2, { LUCET_VAL_U32(HEAP_LEN), LUCET_VAL_U32(0) },
          lucet_trapcode_type_heap_out_of_bounds, SIGSEGV },
        { &trap_module, "ft_unreachable", 0, { LUCET_VAL_I32(0) },
          lucet_trapcode_type_unreachable, SIGILL },
        { &trap_module, "ft_idiv64_reg", 2, { LUCET_VAL_I64(INT64_MIN), LUCET_VAL_I64(-1) },
          lucet_trapcode_type_integer_overflow, SIGFPE },
        { &stack_module, "fs_recurse", 1, { LUCET_VAL_I32(1 << 30) },
          lucet_trapcode_type_stack_overflow, SIGSEGV },
    };

    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        struct lucet_instance *inst = ctest_new_instance(region, *faults[i].module);
        enum lucet_trapcode_type code = lucet_trapcode_type_unknown;

        memset(&seen, 0, sizeof seen);
        CHECK_OK(lucet_instance_set_signal_handler(inst, leave_default));
        CHECK_ERR(lucet_instance_run(inst, faults[i].fn, faults[i].argc, faults[i].args),
                  lucet_error_runtime_fault);
        CHECK_EQ_INT(seen.calls, 1);
        CHECK(seen.inst == inst);
        CHECK_EQ_INT(seen.code, faults[i].code);
        CHECK_EQ_INT(seen.signum, faults[i].signum);
        CHECK_OK(lucet_instance_fault_trapcode(inst, &code));
        CHECK_EQ_INT(code, faults[i].code);
        lucet_instance_release(inst);
    }
}

/* A NULL handler restores the default: nobody is asked. */
static void null_handler_restores_default(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mem_module);
    struct lucet_val args[] = { LUCET_VAL_U32(HEAP_LEN), LUCET_VAL_U32(0) };

    memset(&seen, 0, sizeof seen);
    CHECK_OK(lucet_instance_set_signal_handler(inst, terminate));
    CHECK_OK(lucet_instance_set_signal_handler(inst, NULL));
    CHECK_ERR(lucet_instance_run(inst, "fm_load8", 2, args), lucet_error_runtime_fault);
    CHECK_EQ_INT(seen.calls, 0);
    CHECK_ERR(lucet_instance_set_signal_handler(NULL, terminate), lucet_error_invalid_argument);
    lucet_instance_release(inst);
}

/* The hostcall behind env.fault_host: 1 terminates with a payload, else returns 41. */
static int terminate_payload;

static int32_t fault_host(struct lucet_vmctx *vmctx, int32_t what)
{
    if (what == 1)
        lucet_vmctx_terminate(vmctx, &terminate_payload);
    return 41;
}

/* A hostcall ends the run with the embedder's pointer; a reset makes it runnable. */
static void terminate_from_a_hostcall(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, host_module);
    struct lucet_state state;

    CHECK_ERR(lucet_instance_run(inst, "fh_call", 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }),
              lucet_error_runtime_terminated);
    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(state.tag, lucet_state_tag_terminated);
    CHECK_EQ_INT(state.val.terminated.reason, lucet_terminated_reason_provided);
    CHECK(state.val.terminated.provided == &terminate_payload);
    lucet_state_release(&state);
    CHECK_ERR(lucet_instance_run(inst, "fh_call", 1, (struct lucet_val[]){ LUCET_VAL_I32(0) }),
              lucet_error_invalid_argument);
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_OK(lucet_instance_run(inst, "fh_call", 1, (struct lucet_val[]){ LUCET_VAL_I32(0) }));
    CHECK_EQ_U64(ctest_returned_gp(inst, "fh_call"), 42);
    lucet_instance_release(inst);
}

int main(void)
{
    if (lucet_hostcall_register("env", "fault_host", (void *)fault_host) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_mem.so"), &mem_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_trap.so"), &trap_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_stack.so"), &stack_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_host.so"), &host_module) != lucet_error_ok ||
        lucet_mmap_region_create(2, NULL, &region) != lucet_error_ok) {
        printf("FAIL setting up: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(continue_after_fixing_a_read);
    RUN_CASE(continue_after_fixing_a_write);
    RUN_CASE(terminate_from_the_handler);
    RUN_CASE(default_sees_every_kind);
    RUN_CASE(null_handler_restores_default);
    RUN_CASE(terminate_from_a_hostcall);
    lucet_region_release(region);
    lucet_dl_module_release(mem_module);
    lucet_dl_module_release(trap_module);
    lucet_dl_module_release(stack_module);
    lucet_dl_module_release(host_module);
    CTEST_EXIT();
}
