/*
 * test_fault_chain.c: the fault handler shares the process with the host's.
 *
 * liblucet installs one handler for SIGSEGV, SIGBUS, SIGFPE and SIGILL when
 * the first region is created, and hands every signal that is not a fault
 * of a guest running on the current thread to the disposition it replaced.
 * So a host's own handler must still see the host's own faults, whether it
 * was installed before liblucet's (directly, or even before the Go runtime
 * inside liblucet.so initialised and put its handler in between), or after
 * it (chaining to liblucet's as a good citizen, in which case guest faults
 * must still come back as ordinary faults). A default or ignored previous
 * disposition must end the process for a host fault, as it would have
 * without liblucet.
 *
 * Every case runs in a fresh child (this program with "--child <role>"),
 * since signal dispositions are process-wide. A child checks what it can in
 * place, exits 1 if any of that failed, and otherwise ends with a fault in
 * its own code that its handler turns into exit status HOST_HANDLER_EXIT.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>

#include "ctest.h"

#define HEAP_LEN 0x10000u
#define HOST_HANDLER_EXIT 37

/* ---- Parent side --------------------------------------------------------- */

/*
 * Runs a role and checks it ended as wanted: exit status `code` when
 * `signum` is 0, else death by `signum`; `marker` must be in its stdout.
 */
static void expect_child(const char *role, int code, int signum, const char *marker)
{
    struct ctest_child r;

    ctest_run_child(role, &r);
    if (signum == 0)
        CHECK(ctest_exited_with(r.status, code));
    else
        CHECK(ctest_died_of(r.status, signum));
    if (marker != NULL)
        CHECK_STR_CONTAINS(r.out, marker);
    if (ctest_case_failed)
        ctest_show_child(role, &r);
}

/* ---- Child side ---------------------------------------------------------- */

/* A page of the host's own that faults when touched. */
static volatile uint8_t *host_page;

/* What the host's handler saw; plain stores from the handler. */
static volatile sig_atomic_t host_handler_calls, host_user_signals, host_chained;
static struct sigaction liblucet_action; /* what the "after" handler replaced */

static void write_line(const char *s)
{
    ssize_t n = write(STDOUT_FILENO, s, strlen(s));

    (void)n;
}

static bool is_host_page(const siginfo_t *info)
{
    return info->si_code > 0 && host_page != NULL && (volatile uint8_t *)info->si_addr == host_page;
}

/*
 * The handler of a host installed before liblucet: its own faults end the
 * process with a known status; a signal sent by kill or raise is counted.
 */
static void host_handler_first(int signum, siginfo_t *info, void *context)
{
    (void)signum;
    (void)context;
    host_handler_calls++;
    if (is_host_page(info)) {
        write_line("host handler: own fault\n");
        _exit(HOST_HANDLER_EXIT);
    }
    if (info->si_code <= 0)
        host_user_signals++;
}

/*
 * The handler of a host installed after liblucet: its own faults as above;
 * everything else goes to the handler it replaced, with the same arguments.
 */
static void host_handler_after(int signum, siginfo_t *info, void *context)
{
    host_handler_calls++;
    if (is_host_page(info)) {
        write_line("host handler: own fault\n");
        _exit(HOST_HANDLER_EXIT);
    }
    host_chained++;
    if ((liblucet_action.sa_flags & SA_SIGINFO) && liblucet_action.sa_sigaction != NULL)
        liblucet_action.sa_sigaction(signum, info, context);
}

static void install(int signum, void (*handler)(int, siginfo_t *, void *), struct sigaction *old)
{
    struct sigaction action;

    memset(&action, 0, sizeof action);
    action.sa_sigaction = handler;
    /* SA_ONSTACK: a guest stack overflow reaches this handler first. */
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    if (sigaction(signum, &action, old) != 0) {
        printf("sigaction failed\n");
        _exit(2);
    }
}

/*
 * The "preinit" role installs its handler from the executable's
 * .preinit_array, which runs before any shared object's initialisers: before
 * the Go runtime in liblucet.so puts in its own handler (and keeps ours to
 * forward non-Go faults to).
 */
static void preinit_install(int argc, char **argv, char **envp)
{
    const char *role = ctest_child_role(argc, argv);

    (void)envp;
    if (role != NULL && strcmp(role, "preinit") == 0)
        install(SIGSEGV, host_handler_first, NULL);
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit)(int, char **,
                                                                              char **) =
    preinit_install;

/* env.fault_host of the fault_host guest: 1 raises SIGSEGV; else returns 41. */
int32_t fault_host(struct lucet_vmctx *vmctx, int32_t what)
{
    (void)vmctx;
    if (what == 1)
        raise(SIGSEGV);
    return 41;
}

static struct lucet_dl_module *mem_module, *stack_module, *host_module, *trap_module;
static struct lucet_region *region;

static void child_setup(void)
{
    if (lucet_hostcall_register("env", "fault_host", (void *)fault_host) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_mem.so"), &mem_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_stack.so"), &stack_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_host.so"), &host_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_trap.so"), &trap_module) != lucet_error_ok ||
        lucet_mmap_region_create(1, NULL, &region) != lucet_error_ok) {
        printf("child setup failed: %s\n", lucet_error_message());
        fflush(stdout);
        _exit(2);
    }
    host_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (host_page == MAP_FAILED) {
        printf("mmap failed\n");
        _exit(2);
    }
}

/* A guest heap fault is an ordinary, exact fault. */
static void child_guest_heap_fault(void)
{
    struct lucet_instance *inst = NULL;
    struct lucet_val args[] = { LUCET_VAL_U32(HEAP_LEN), LUCET_VAL_U32(5) };
    enum lucet_trapcode_type code = lucet_trapcode_type_unknown;
    uintptr_t addr = 0;

    CHECK_OK(lucet_region_new_instance(region, mem_module, &inst));
    CHECK_ERR(lucet_instance_run(inst, "fm_load8", 2, args), lucet_error_runtime_fault);
    CHECK_OK(lucet_instance_fault_trapcode(inst, &code));
    CHECK_EQ_INT(code, lucet_trapcode_type_heap_out_of_bounds);
    CHECK_OK(lucet_instance_fault_address(inst, &addr));
    CHECK_EQ_U64(addr, (uintptr_t)lucet_instance_heap(inst) + HEAP_LEN + 5);
    lucet_instance_release(inst);
}

/* A guest stack overflow: the host's handler must run on the alternate stack too. */
static void child_guest_stack_overflow(void)
{
    struct lucet_instance *inst = NULL;
    enum lucet_trapcode_type code = lucet_trapcode_type_unknown;

    CHECK_OK(lucet_region_new_instance(region, stack_module, &inst));
    CHECK_ERR(lucet_instance_run(inst, "fs_recurse", 1,
                                 (struct lucet_val[]){ LUCET_VAL_I32(1 << 30) }),
              lucet_error_runtime_fault);
    CHECK_OK(lucet_instance_fault_trapcode(inst, &code));
    CHECK_EQ_INT(code, lucet_trapcode_type_stack_overflow);
    lucet_instance_release(inst);
}

/*
 * raise(SIGSEGV) from a hostcall while the guest runs is not a guest fault
 * (the kernel did not raise it for an instruction): it goes to the host's
 * handler, which returns, and the run goes on to return normally.
 */
static void child_raise_in_hostcall(void)
{
    struct lucet_instance *inst = NULL;
    struct lucet_state state;

    CHECK_OK(lucet_region_new_instance(region, host_module, &inst));
    CHECK_OK(lucet_instance_run(inst, "fh_call", 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }));
    CHECK_EQ_INT(host_user_signals, 1);
    CHECK_OK(lucet_instance_state(inst, &state));
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(state.val.returned), 42);
    lucet_state_release(&state);
    lucet_instance_release(inst);
}

/* Ends the child: exit 1 if a check failed, else fault in host code. */
static int child_finish_with_host_fault(void)
{
    if (ctest_case_failed) {
        fflush(stdout);
        return 1;
    }
    printf("checks passed\n");
    fflush(stdout);
    (void)*host_page;
    printf("the host fault did not reach the host's handler\n");
    return 3;
}

static int child_main(const char *role)
{
    alarm(CTEST_CHILD_TIMEOUT_SECONDS);
    ctest_case_failed = 0;

    if (strcmp(role, "before") == 0 || strcmp(role, "preinit") == 0) {
        /* "preinit" installed its handler before main; "before" does it now. */
        if (strcmp(role, "before") == 0)
            install(SIGSEGV, host_handler_first, NULL);
        child_setup();
        child_guest_heap_fault();
        child_guest_stack_overflow();
        CHECK_EQ_INT(host_handler_calls, 0);
        child_raise_in_hostcall();
        CHECK_EQ_INT(host_handler_calls, 1);
        return child_finish_with_host_fault();
    }
    if (strcmp(role, "after") == 0) {
        child_setup(); /* creates the first region: liblucet's handler is in */
        install(SIGSEGV, host_handler_after, &liblucet_action);
        CHECK(liblucet_action.sa_flags & SA_SIGINFO);
        child_guest_heap_fault();
        CHECK_EQ_INT(host_chained, 1);
        child_guest_stack_overflow();
        CHECK_EQ_INT(host_chained, 2);
        child_guest_heap_fault();
        CHECK_EQ_INT(host_chained, 3);
        return child_finish_with_host_fault();
    }
    if (strcmp(role, "default") == 0 || strcmp(role, "ignored") == 0) {
        bool ignored = strcmp(role, "ignored") == 0;
        struct lucet_instance *inst = NULL;
        volatile int32_t zero = 0, one = 1;

        /* Replace the Go runtime's handler before liblucet keeps it as previous. */
        signal(SIGFPE, ignored ? SIG_IGN : SIG_DFL);
        child_setup();
        /* A guest division by zero is still an ordinary fault. */
        CHECK_OK(lucet_region_new_instance(region, trap_module, &inst));
        CHECK_ERR(lucet_instance_run(inst, "ft_idiv32_reg", 2,
                                     (struct lucet_val[]){ LUCET_VAL_I32(1), LUCET_VAL_I32(0) }),
                  lucet_error_runtime_fault);
        lucet_instance_release(inst);
        /* A SIGFPE sent by raise is not a fault: an ignored one is dropped. */
        if (ignored) {
            raise(SIGFPE);
            printf("raised SIGFPE was ignored\n");
        }
        if (ctest_case_failed)
            return 1;
        printf("checks passed\n");
        fflush(stdout);
        /* A host division by zero ends the process as SIGFPE does without liblucet. */
        printf("host division gave %d\n", one / zero);
        return 3;
    }
    printf("unknown role %s\n", role);
    return 2;
}

/* ---- Cases --------------------------------------------------------------- */

/* Host handler installed before the first region: liblucet chains to it. */
static void host_handler_installed_before(void)
{
    expect_child("before", HOST_HANDLER_EXIT, 0, "checks passed\nhost handler: own fault\n");
}

/*
 * Host handler installed before the library initialised: liblucet chains to
 * the Go runtime's handler, which forwards the non-Go fault to the host's.
 */
static void host_handler_installed_before_go(void)
{
    expect_child("preinit", HOST_HANDLER_EXIT, 0, "checks passed\nhost handler: own fault\n");
}

/* Host handler installed after, chaining to liblucet's: both work. */
static void host_handler_installed_after(void)
{
    expect_child("after", HOST_HANDLER_EXIT, 0, "checks passed\nhost handler: own fault\n");
}

/* A default previous disposition: the host's fault kills the process. */
static void default_disposition_kills(void)
{
    expect_child("default", 0, SIGFPE, "checks passed\n");
}

/*
 * An ignored previous disposition cannot ignore a fault of an instruction
 * (it would run again forever): the kernel's rule is that it kills, and so
 * must chaining.
 */
static void ignored_disposition_still_kills(void)
{
    expect_child("ignored", 0, SIGFPE, "raised SIGFPE was ignored\nchecks passed\n");
}

int main(int argc, char **argv)
{
    const char *role = ctest_child_role(argc, argv);

    if (role != NULL)
        return child_main(role);

    RUN_CASE(host_handler_installed_before);
    RUN_CASE(host_handler_installed_before_go);
    RUN_CASE(host_handler_installed_after);
    RUN_CASE(default_disposition_kills);
    RUN_CASE(ignored_disposition_still_kills);
    CTEST_EXIT();
}
