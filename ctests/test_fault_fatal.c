/*
 * test_fault_fatal.c: faults the runtime must not recover from.
 *
 * A fault is fatal when its code is unknown (a ud2 with no trap site), when
 * a memory fault lies outside the instance's own guards (a guest using an
 * absolute host address, or reaching into another slot), or when the PC is
 * not in the module's code (a hostcall crashing). Then the runtime calls the
 * instance's fatal handler on the host stack; if there is none, or it
 * returns, it writes one line naming the fault to stderr and aborts.
 *
 * Each case runs in a fresh child process (this program run again with
 * "--child <role>") since the process is meant to end; the parent checks the
 * child's exit status and output. A child's fatal handler checks what it can
 * only know inside the child (addresses), prints one line of findings and
 * exits with FATAL_HANDLER_EXIT.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>

#include "ctest.h"

#define HEAP_LEN 0x10000u
#define FATAL_HANDLER_EXIT 42

/* ---- Parent side: running a child role ---------------------------------- */

/*
 * Runs a role whose fatal handler reports and exits, and checks it exited
 * through the handler with exactly the expected findings: the same
 * instance, the trap code and signal, fatal, the address and PC the child
 * expected, and the handler on the host stack. `also` is another line the
 * child must have printed, or NULL.
 */
static void expect_report(const char *role, enum lucet_trapcode_type code, int signum,
                          const char *also)
{
    struct ctest_child r;
    char want[256];
    int failed_before = ctest_case_failed;

    snprintf(want, sizeof want,
             "fatal handler: instance same, trapcode %d, fatal 1, signal %d, address as "
             "expected, pc as expected, state tag %d, in module code as expected, on the host "
             "stack 1\n",
             (int)code, signum, (int)lucet_state_tag_fault);
    ctest_run_child(role, &r);
    CHECK(ctest_exited_with(r.status, FATAL_HANDLER_EXIT));
    CHECK_STR_CONTAINS(r.out, want);
    if (also != NULL)
        CHECK_STR_CONTAINS(r.out, also);
    /* The handler ended the process: the default's line never came. */
    CHECK(strstr(r.err, "liblucet:") == NULL);
    if (ctest_case_failed && !failed_before)
        ctest_show_child(role, &r);
}

/* ---- Child side ---------------------------------------------------------- */

static struct lucet_instance *child_inst;
static uintptr_t want_pc; /* 0: not checked (hostcalls are checked by symbol name) */
static uintptr_t want_addr;
static int want_signal;
static bool want_in_module;

static bool on_this_threads_stack(const void *p)
{
    pthread_attr_t attr;
    void *lo = NULL;
    size_t size = 0;

    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return false;
    pthread_attr_getstack(&attr, &lo, &size);
    pthread_attr_destroy(&attr);
    return (const char *)p >= (const char *)lo && (const char *)p < (const char *)lo + size;
}

/*
 * The fatal handler of the reporting roles: one line of findings, each
 * either as expected or with the value seen, then exit.
 */
static void report_and_exit(struct lucet_instance *inst)
{
    enum lucet_trapcode_type code = lucet_trapcode_type_stack_overflow;
    bool fatal = false;
    uintptr_t pc = 0, addr = 0;
    int signum = 0;
    struct lucet_state state;
    char here;
    char pc_text[64], addr_text[64];
    char description[LUCET_FAULT_DESCRIPTION_MAX];

    lucet_instance_fault_trapcode(inst, &code);
    lucet_instance_fault_is_fatal(inst, &fatal);
    lucet_instance_fault_pc(inst, &pc);
    lucet_instance_fault_address(inst, &addr);
    lucet_instance_fault_signal(inst, &signum);
    snprintf(pc_text, sizeof pc_text, want_pc == 0 || pc == want_pc ? "as expected" : "%#lx",
             (unsigned long)pc);
    snprintf(addr_text, sizeof addr_text, addr == want_addr ? "as expected" : "%#lx",
             (unsigned long)addr);
    memset(&state, 0, sizeof state);
    lucet_instance_state(inst, &state);

    printf("fatal handler: instance %s, trapcode %d, fatal %d, signal %d%s, address %s, "
           "pc %s, state tag %d, in module code %s, on the host stack %d\n",
           inst == child_inst ? "same" : "other", (int)code, fatal, signum,
           signum == want_signal ? "" : " (unexpected)", addr_text, pc_text, (int)state.tag,
           state.val.fault.rip_addr_details.in_module_code == want_in_module ? "as expected"
           : want_in_module                                                  ? "0"
                                                                             : "1",
           on_this_threads_stack(&here));
    if (!want_in_module)
        printf("hostcall symbol %s\n", state.val.fault.rip_addr_details.sym_name
                                           ? state.val.fault.rip_addr_details.sym_name
                                           : "(none)");
    if (lucet_instance_fault_describe(inst, description, sizeof description) == lucet_error_ok)
        printf("description: %s\n", description);
    lucet_state_release(&state);
    fflush(stdout);
    _exit(FATAL_HANDLER_EXIT);
}

/* A fatal handler that returns: the default must still abort. */
static void note_and_return(struct lucet_instance *inst)
{
    printf("fatal handler returning for %s instance\n", inst == child_inst ? "the" : "another");
    fflush(stdout);
}

/*
 * The host function env.fault_host of the fault_host guest. Non-static so
 * that the fault's PC resolves to its name.
 */
int32_t fault_host(struct lucet_vmctx *vmctx, int32_t what)
{
    switch (what) {
    case 1:
        /*
         * A crash in host code: a NULL dereference, through a variable (0)
         * so that the compiler cannot turn a known NULL access into a trap.
         */
        return *(volatile int32_t *)(uintptr_t)want_addr;
    case 2:
        /* A host bug that writes into the guest's heap guard. */
        ((volatile char *)lucet_vmctx_get_heap(vmctx))[HEAP_LEN] = 1;
        return 0;
    }
    return 41;
}

static struct lucet_instance *child_instance(const char *guest, struct lucet_region **region)
{
    struct lucet_dl_module *module = NULL;
    struct lucet_instance *inst = NULL;

    if (lucet_hostcall_register("env", "fault_host", (void *)fault_host) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path(guest), &module) != lucet_error_ok ||
        (*region == NULL && lucet_mmap_region_create(2, NULL, region) != lucet_error_ok) ||
        lucet_region_new_instance(*region, module, &inst) != lucet_error_ok) {
        printf("child setup failed: %s\n", lucet_error_message());
        fflush(stdout);
        _exit(2);
    }
    return inst;
}

static int child_main(const char *role)
{
    struct lucet_region *region = NULL;
    enum lucet_error err;

    /* A child that hangs dies of SIGALRM, which the parent reports. */
    alarm(CTEST_CHILD_TIMEOUT_SECONDS);
    want_signal = SIGSEGV;
    want_in_module = true;

    if (strcmp(role, "hostcall-null") == 0 || strcmp(role, "hostcall-guard") == 0) {
        bool guard = strcmp(role, "hostcall-guard") == 0;

        child_inst = child_instance("fault_host.so", &region);
        want_addr = guard ? (uintptr_t)lucet_instance_heap(child_inst) + HEAP_LEN : 0;
        want_in_module = false;
        lucet_instance_set_fatal_handler(child_inst, report_and_exit);
        err = lucet_instance_run(child_inst, "fh_call", 1,
                                 (struct lucet_val[]){ LUCET_VAL_I32(guard ? 2 : 1) });
    } else if (strcmp(role, "absolute-address") == 0) {
        child_inst = child_instance("fault_mem.so", &region);
        want_addr = 0x10;
        want_pc = ctest_guest_label("fault_mem.so", "fm_load_abs_access");
        lucet_instance_set_fatal_handler(child_inst, report_and_exit);
        err = lucet_instance_run(child_inst, "fm_load_abs", 1,
                                 (struct lucet_val[]){ LUCET_VAL_U64(want_addr) });
    } else if (strcmp(role, "site-outside-guard") == 0) {
        child_inst = child_instance("fault_mem.so", &region);
        want_addr = 0x10;
        want_pc = ctest_guest_label("fault_mem.so", "fm_load_abs_site_access");
        lucet_instance_set_fatal_handler(child_inst, report_and_exit);
        err = lucet_instance_run(child_inst, "fm_load_abs_site", 1,
                                 (struct lucet_val[]){ LUCET_VAL_U64(want_addr) });
    } else if (strcmp(role, "other-slot") == 0) {
        struct lucet_instance *neighbour = child_instance("fault_mem.so", &region);

        child_inst = child_instance("fault_mem.so", &region);
        /* The first byte of the neighbour's heap guard: a guard, but not ours. */
        want_addr = (uintptr_t)lucet_instance_heap(neighbour) + HEAP_LEN;
        want_pc = ctest_guest_label("fault_mem.so", "fm_store_abs_access");
        lucet_instance_set_fatal_handler(child_inst, report_and_exit);
        err = lucet_instance_run(child_inst, "fm_store_abs", 2,
                                 (struct lucet_val[]){ LUCET_VAL_U64(want_addr),
                                                       LUCET_VAL_I32(1) });
    } else if (strcmp(role, "ud2-no-site") == 0) {
        child_inst = child_instance("fault_trap.so", &region);
        want_signal = SIGILL;
        want_pc = ctest_guest_label("fault_trap.so", "ft_ud2_no_site_ud2");
        lucet_instance_set_fatal_handler(child_inst, report_and_exit);
        err = lucet_instance_run(child_inst, "ft_ud2_no_site", 0, NULL);
    } else if (strcmp(role, "default-abort") == 0 || strcmp(role, "handler-returns") == 0) {
        child_inst = child_instance("fault_mem.so", &region);
        if (strcmp(role, "handler-returns") == 0)
            lucet_instance_set_fatal_handler(child_inst, note_and_return);
        /* The parent needs these to check the default's line. */
        printf("instance %p, pc %#lx\n", (void *)child_inst,
               (unsigned long)ctest_guest_label("fault_mem.so", "fm_load_abs_access"));
        fflush(stdout);
        err = lucet_instance_run(child_inst, "fm_load_abs", 1,
                                 (struct lucet_val[]){ LUCET_VAL_U64(0x10) });
    } else {
        printf("unknown role %s\n", role);
        return 2;
    }
    /* Reaching here means the fatal fault did not end the process. */
    printf("run returned %s\n", lucet_error_name(err));
    return 3;
}

/* ---- Cases --------------------------------------------------------------- */

/*
 * A NULL dereference inside a hostcall: the PC is host code, so the fault
 * is fatal; the handler runs on the host stack with the instance, and the
 * PC resolves to the host function.
 */
static void hostcall_crash(void)
{
    expect_report("hostcall-null", lucet_trapcode_type_unknown, SIGSEGV,
                  "hostcall symbol fault_host\n"
                  "description: fatal unknown fault: read of address 0x0 outside module code, pc ");
}

/* A hostcall touching the heap guard is fatal too: the PC is not the guest's. */
static void hostcall_in_heap_guard(void)
{
    expect_report("hostcall-guard", lucet_trapcode_type_heap_out_of_bounds, SIGSEGV,
                  "hostcall symbol fault_host\n"
                  "description: fatal heap out of bounds: write at heap offset 0x10000 (heap is "
                  "0x10000 bytes) outside module code, pc ");
}

/* A guest reading an absolute address outside its guards. */
static void guest_absolute_address(void)
{
    expect_report("absolute-address", lucet_trapcode_type_unknown, SIGSEGV, NULL);
}

/*
 * The same from an access marked as a heap_out_of_bounds trap site: the
 * site gives the code, but an address outside the guards is still fatal.
 */
static void trap_site_outside_guard(void)
{
    expect_report("site-outside-guard", lucet_trapcode_type_heap_out_of_bounds, SIGSEGV, NULL);
}

/* A guest writing into another instance's heap guard: not its own guard. */
static void guest_in_other_slot(void)
{
    expect_report("other-slot", lucet_trapcode_type_unknown, SIGSEGV, NULL);
}

/* A ud2 without a trap site: unknown, fatal. */
static void ud2_without_site(void)
{
    expect_report("ud2-no-site", lucet_trapcode_type_unknown, SIGILL, NULL);
}

/*
 * Checks the child aborted after writing exactly one line to stderr,
 * "liblucet: instance <ptr>: <description>", for the instance and PC it
 * printed first.
 */
static void expect_default_abort(const char *role, const char *stdout_marker)
{
    struct ctest_child r;
    void *inst = NULL;
    unsigned long pc = 0;
    char want[256];
    int failed_before = ctest_case_failed;

    ctest_run_child(role, &r);
    CHECK(ctest_died_of(r.status, SIGABRT));
    CHECK(sscanf(r.out, "instance %p, pc %lx", &inst, &pc) == 2);
    snprintf(want, sizeof want,
             "liblucet: instance %p: fatal unknown fault: read of address 0x10 in guest "
             "function fm_load_abs, pc %#lx\n",
             inst, pc);
    CHECK(strcmp(r.err, want) == 0);
    if (stdout_marker != NULL)
        CHECK_STR_CONTAINS(r.out, stdout_marker);
    CHECK(strstr(r.out, "run returned") == NULL);
    if (ctest_case_failed && !failed_before) {
        printf("    want stderr: %s", want);
        ctest_show_child(role, &r);
    }
}

/* No fatal handler: the default writes the line and aborts. */
static void default_fatal_aborts(void)
{
    expect_default_abort("default-abort", NULL);
}

/* A fatal handler that returns: it ran, and the default still aborts. */
static void returning_handler_still_aborts(void)
{
    expect_default_abort("handler-returns", "fatal handler returning for the instance\n");
}

int main(int argc, char **argv)
{
    const char *role = ctest_child_role(argc, argv);

    if (role != NULL)
        return child_main(role);

    RUN_CASE(hostcall_crash);
    RUN_CASE(hostcall_in_heap_guard);
    RUN_CASE(guest_absolute_address);
    RUN_CASE(trap_site_outside_guard);
    RUN_CASE(guest_in_other_slot);
    RUN_CASE(ud2_without_site);
    RUN_CASE(default_fatal_aborts);
    RUN_CASE(returning_handler_still_aborts);
    CTEST_EXIT();
}
