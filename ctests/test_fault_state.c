/*
 * test_fault_state.c: lucet_instance_state after a fault.
 *
 * The state of a faulted instance carries the whole story: the trap code and
 * fatal flag, the faulting instruction and where it lies (the module's file
 * and symbol, resolved with dladdr into strings that lucet_state_release
 * frees), the signal's siginfo_t and the guest's registers at the fault as a
 * ucontext_t, which must be self-contained: its floating-point state belongs
 * to the copy, not to a signal stack that later signals overwrite.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <ucontext.h>

#include "ctest.h"

#define HEAP_LEN 0x10000u
#define GUEST_MXCSR 0x1f80u /* what every guest starts with */
#define HOST_MXCSR 0x7f80u  /* exceptions masked, round toward zero */

static struct lucet_dl_module *mem_module, *trap_module;
static struct lucet_region *region;

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = s != NULL ? strlen(s) : 0, m = strlen(suffix);

    return s != NULL && n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool starts_with(const char *s, const char *prefix)
{
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * A heap fault: every field, including the guest's registers at the fault
 * (rip at the load, rdi still the vmctx) and its SSE control word.
 */
static void heap_fault_state(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mem_module);
    uintptr_t heap = (uintptr_t)lucet_instance_heap(inst);
    uintptr_t pc = 0, want_pc = ctest_guest_label("fault_mem.so", "fm_load8_access");
    struct lucet_val args[] = { LUCET_VAL_U32(HEAP_LEN), LUCET_VAL_U32(0x123) };
    struct lucet_state state;
    const struct lucet_runtime_fault *f = &state.val.fault;
    uint32_t host_csr = ctest_get_mxcsr();

    /* The host's rounding mode differs from the guest's, to tell them apart. */
    ctest_set_mxcsr(HOST_MXCSR);
    CHECK_ERR(lucet_instance_run(inst, "fm_load8", 2, args), lucet_error_runtime_fault);
    ctest_set_mxcsr(host_csr);
    CHECK_OK(lucet_instance_fault_pc(inst, &pc));

    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(state.tag, lucet_state_tag_fault);
    CHECK(!f->fatal);
    CHECK_EQ_INT(f->trapcode.code, lucet_trapcode_type_heap_out_of_bounds);
    CHECK_EQ_INT(f->trapcode.tag, 0);
    CHECK_EQ_U64(f->rip_addr, want_pc);
    CHECK_EQ_U64(f->rip_addr, pc);
    CHECK(f->rip_addr_details.module_code_resolvable);
    CHECK(f->rip_addr_details.in_module_code);
    CHECK(ends_with(f->rip_addr_details.file_name, "/fault_mem.so"));
    CHECK(starts_with(f->rip_addr_details.sym_name, "fm_load8"));

    CHECK_EQ_INT(f->signal_info.si_signo, SIGSEGV);
    CHECK_EQ_INT(f->signal_info.si_code, SEGV_ACCERR);
    CHECK_EQ_U64((uintptr_t)f->signal_info.si_addr, heap + HEAP_LEN + 0x123);

    /* The guest's registers as they were at the fault, not as the host resumed. */
    CHECK_EQ_U64(f->context.uc_mcontext.gregs[REG_RIP], want_pc);
    CHECK_EQ_U64(f->context.uc_mcontext.gregs[REG_RDI], heap);
    CHECK_EQ_U64(f->context.uc_mcontext.gregs[REG_RSI], HEAP_LEN + 0x123);
    /* The floating-point state is part of the copy, and it is the guest's. */
    CHECK(f->context.uc_mcontext.fpregs != NULL);
    CHECK((const char *)f->context.uc_mcontext.fpregs >= (const char *)&state &&
          (const char *)f->context.uc_mcontext.fpregs < (const char *)(&state + 1));
    if (f->context.uc_mcontext.fpregs != NULL)
        CHECK_EQ_U64(f->context.uc_mcontext.fpregs->mxcsr & 0xffc0u, GUEST_MXCSR);

    lucet_state_release(&state);
    CHECK(f->rip_addr_details.file_name == NULL);
    CHECK(f->rip_addr_details.sym_name == NULL);
    /* Releasing again, or NULL, does nothing. */
    lucet_state_release(&state);
    lucet_state_release(NULL);
    lucet_instance_release(inst);
}

/* Each state is a copy: two of the same fault are equal and independent. */
static void states_are_copies(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mem_module);
    struct lucet_val args[] = { LUCET_VAL_U32(HEAP_LEN), LUCET_VAL_U32(0) };
    struct lucet_state a, b;

    CHECK_ERR(lucet_instance_run(inst, "fm_load8", 2, args), lucet_error_runtime_fault);
    CHECK_OK(lucet_instance_state(inst, &a));
    CHECK_OK(lucet_instance_state(inst, &b));
    CHECK(a.val.fault.rip_addr_details.file_name != b.val.fault.rip_addr_details.file_name);
    CHECK(a.val.fault.rip_addr_details.file_name != NULL &&
          b.val.fault.rip_addr_details.file_name != NULL &&
          strcmp(a.val.fault.rip_addr_details.file_name,
                 b.val.fault.rip_addr_details.file_name) == 0);
    CHECK(a.val.fault.context.uc_mcontext.fpregs != b.val.fault.context.uc_mcontext.fpregs);
    lucet_state_release(&a);
    /* b is untouched by releasing a, and outlives the instance's next run. */
    CHECK(b.val.fault.rip_addr_details.file_name != NULL);
    CHECK_OK(lucet_instance_run(inst, "fm_load8", 2,
                                (struct lucet_val[]){ LUCET_VAL_U32(0), LUCET_VAL_U32(0) }));
    CHECK(ends_with(b.val.fault.rip_addr_details.file_name, "/fault_mem.so"));
    CHECK_EQ_INT(b.val.fault.signal_info.si_signo, SIGSEGV);
    lucet_state_release(&b);
    lucet_instance_release(inst);
}

/* A trap site: SIGILL with the illegal-opcode code, at the ud2. */
static void trap_state(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, trap_module);
    struct lucet_state state;
    uintptr_t want_pc = ctest_guest_label("fault_trap.so", "ft_unreachable_ud2");

    CHECK_ERR(lucet_instance_run(inst, "ft_unreachable", 0, NULL), lucet_error_runtime_fault);
    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(state.tag, lucet_state_tag_fault);
    CHECK(!state.val.fault.fatal);
    CHECK_EQ_INT(state.val.fault.trapcode.code, lucet_trapcode_type_unreachable);
    CHECK_EQ_U64(state.val.fault.rip_addr, want_pc);
    CHECK(state.val.fault.rip_addr_details.in_module_code);
    CHECK(ends_with(state.val.fault.rip_addr_details.file_name, "/fault_trap.so"));
    CHECK_EQ_INT(state.val.fault.signal_info.si_signo, SIGILL);
    CHECK_EQ_INT(state.val.fault.signal_info.si_code, ILL_ILLOPN);
    CHECK_EQ_U64(state.val.fault.context.uc_mcontext.gregs[REG_RIP], want_pc);
    lucet_state_release(&state);
    lucet_instance_release(inst);
}

/* A division: SIGFPE with the integer-divide code, whichever the cause. */
static void division_state(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, trap_module);
    struct lucet_state state;
    struct lucet_val args[] = { LUCET_VAL_I64(INT64_MIN), LUCET_VAL_I64(-1) };

    CHECK_ERR(lucet_instance_run(inst, "ft_idiv64_reg", 2, args), lucet_error_runtime_fault);
    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(state.val.fault.trapcode.code, lucet_trapcode_type_integer_overflow);
    CHECK_EQ_INT(state.val.fault.signal_info.si_signo, SIGFPE);
    CHECK_EQ_INT(state.val.fault.signal_info.si_code, FPE_INTDIV);
    CHECK_EQ_U64(state.val.fault.rip_addr, ctest_guest_label("fault_trap.so", "ft_idiv64_reg_div"));
    /* The dividend and divisor are where the guest put them. */
    CHECK_EQ_U64(state.val.fault.context.uc_mcontext.gregs[REG_RAX], (uint64_t)INT64_MIN);
    CHECK_EQ_U64(state.val.fault.context.uc_mcontext.gregs[REG_RCX], (uint64_t)-1);
    lucet_state_release(&state);
    lucet_instance_release(inst);
}

/* After the fault is replaced by a return, the state says so. */
static void state_after_recovery(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mem_module);
    struct lucet_state state;

    CHECK_ERR(lucet_instance_run(inst, "fm_load8", 2,
                                 (struct lucet_val[]){ LUCET_VAL_U32(HEAP_LEN), LUCET_VAL_U32(0) }),
              lucet_error_runtime_fault);
    CHECK_OK(lucet_instance_run(inst, "fm_load8", 2,
                                (struct lucet_val[]){ LUCET_VAL_U32(0), LUCET_VAL_U32(3) }));
    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(state.tag, lucet_state_tag_returned);
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(state.val.returned), 4);
    lucet_state_release(&state);
    CHECK_ERR(lucet_instance_state(inst, NULL), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_state(NULL, &state), lucet_error_invalid_argument);
    lucet_instance_release(inst);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("fault_mem.so"), &mem_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_trap.so"), &trap_module) != lucet_error_ok ||
        lucet_mmap_region_create(2, NULL, &region) != lucet_error_ok) {
        printf("FAIL setting up: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(heap_fault_state);
    RUN_CASE(states_are_copies);
    RUN_CASE(trap_state);
    RUN_CASE(division_state);
    RUN_CASE(state_after_recovery);
    lucet_region_release(region);
    lucet_dl_module_release(mem_module);
    lucet_dl_module_release(trap_module);
    CTEST_EXIT();
}
