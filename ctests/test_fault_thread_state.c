/*
 * test_fault_thread_state.c: a fault leaves the host thread as it was.
 *
 * The handler runs on an alternate signal stack: the thread's own when it
 * has one of at least 16 KiB, else the slot's, installed for the run and
 * removed afterwards. Either way, after a faulting run the thread's signal
 * mask and alternate stack are what the host had set, and so are the SSE
 * and x87 control words (the host resumes through the context switch, not
 * through the guest's registers). Each case runs on a fresh thread, since
 * the runtime remembers per thread that it has a usable alternate stack,
 * and that thread only runs instances: creating or releasing one enters the
 * Go runtime, which leaves its own alternate stack on the calling thread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>

#include "ctest.h"

#define HEAP_LEN 0x10000u
#define HEAP_ADDRESS_SPACE (8ull << 30)
#define HOST_MXCSR 0x7f80u /* exceptions masked, round toward zero */
#define HOST_FPUCW 0x0f7fu /* x87: exceptions masked, round toward zero */

static struct lucet_dl_module *mem_module, *stack_module, *trap_module;
static struct lucet_region *region;

/* Where the embedder's handler, called inside the fault handler, ran. */
static volatile uintptr_t handler_sp;

static enum lucet_signal_behavior note_stack(struct lucet_instance *inst,
                                             const struct lucet_trapcode *trap, int signum,
                                             const siginfo_t *info, const void *context)
{
    volatile char here = 0;

    (void)inst, (void)trap, (void)signum, (void)info, (void)context;
    handler_sp = (uintptr_t)&here;
    return lucet_signal_behavior_default;
}

static bool same_mask(const sigset_t *a, const sigset_t *b)
{
    for (int s = 1; s < NSIG; s++)
        if (sigismember(a, s) != sigismember(b, s))
            return false;
    return true;
}

static bool same_altstack(const stack_t *a, const stack_t *b)
{
    if ((a->ss_flags & SS_DISABLE) && (b->ss_flags & SS_DISABLE))
        return true;
    return a->ss_sp == b->ss_sp && a->ss_size == b->ss_size && a->ss_flags == b->ss_flags;
}

/* The faults each case runs: a heap fault, a division, a stack overflow. */
struct fault_run {
    struct lucet_dl_module **module;
    const char *fn;
    uintptr_t argc;
    struct lucet_val args[2];
    enum lucet_trapcode_type code;
};

#define RUN_COUNT 3

/*
 * Instances for the runs, created and released on the main thread: any call
 * into the Go side of the library (creating or releasing an instance) gives
 * the calling thread the Go runtime's own alternate stack, so a thread that
 * is to have none may only run instances.
 */
static struct lucet_instance *instances[RUN_COUNT];

/*
 * Runs each fault on the calling thread, checking after each that the mask,
 * alternate stack and control words are the host's, and passing where the
 * handler ran to `check_sp`.
 */
static void faults_leave_thread_alone(const sigset_t *mask,
                                      void (*check_sp)(uintptr_t sp, struct lucet_instance *inst,
                                                       const char *fn))
{
    const struct fault_run runs[RUN_COUNT] = {
        { &mem_module, "fm_load8", 2, { LUCET_VAL_U32(HEAP_LEN), LUCET_VAL_U32(0) },
          lucet_trapcode_type_heap_out_of_bounds },
        { &trap_module, "ft_idiv32_reg", 2, { LUCET_VAL_I32(1), LUCET_VAL_I32(0) },
          lucet_trapcode_type_integer_div_by_zero },
        { &stack_module, "fs_recurse", 1, { LUCET_VAL_I32(1 << 30) },
          lucet_trapcode_type_stack_overflow },
    };
    sigset_t host_mask, before_mask, after_mask;
    stack_t before_stack, after_stack;
    uint32_t saved_csr = ctest_get_mxcsr();
    uint16_t saved_cw = ctest_get_fpucw();

    /* The host's mask (as the kernel keeps it) and control words unlike the guest's. */
    pthread_sigmask(SIG_SETMASK, mask, NULL);
    pthread_sigmask(SIG_SETMASK, NULL, &host_mask);
    ctest_set_mxcsr(HOST_MXCSR);
    ctest_set_fpucw(HOST_FPUCW);

    for (size_t i = 0; i < RUN_COUNT; i++) {
        struct lucet_instance *inst = instances[i];
        enum lucet_trapcode_type code = lucet_trapcode_type_unknown;
        int failed_before = ctest_case_failed;

        CHECK_OK(lucet_instance_set_signal_handler(inst, note_stack));
        pthread_sigmask(SIG_SETMASK, NULL, &before_mask);
        sigaltstack(NULL, &before_stack);
        handler_sp = 0;

        CHECK_ERR(lucet_instance_run(inst, runs[i].fn, runs[i].argc, runs[i].args),
                  lucet_error_runtime_fault);
        CHECK_OK(lucet_instance_fault_trapcode(inst, &code));
        CHECK_EQ_INT(code, runs[i].code);

        pthread_sigmask(SIG_SETMASK, NULL, &after_mask);
        sigaltstack(NULL, &after_stack);
        CHECK(same_mask(&before_mask, &after_mask));
        CHECK(same_mask(&host_mask, &after_mask));
        CHECK(same_altstack(&before_stack, &after_stack));
        CHECK_EQ_U64(ctest_get_mxcsr() & 0xffc0u, HOST_MXCSR);
        CHECK_EQ_U64(ctest_get_fpucw(), HOST_FPUCW);
        CHECK(handler_sp != 0);
        check_sp(handler_sp, inst, runs[i].fn);
        if (ctest_case_failed && !failed_before)
            printf("    (after a fault in %s)\n", runs[i].fn);
    }
    ctest_set_mxcsr(saved_csr);
    ctest_set_fpucw(saved_cw);
}

/* Runs body on a fresh thread, with fresh instances for it. */
static void run_on_new_thread(void *(*body)(void *), void *arg)
{
    struct lucet_dl_module **modules[RUN_COUNT] = { &mem_module, &trap_module, &stack_module };
    pthread_t thread;

    for (int i = 0; i < RUN_COUNT; i++)
        CHECK_OK(lucet_region_new_instance(region, *modules[i], &instances[i]));
    if (ctest_case_failed)
        return;
    CHECK_EQ_INT(pthread_create(&thread, NULL, body, arg), 0);
    pthread_join(thread, NULL);
    for (int i = 0; i < RUN_COUNT; i++)
        lucet_instance_release(instances[i]);
}

/* ---- A thread without an alternate stack -------------------------------- */

/*
 * The slot's signal stack lies in the slot after the guest stack (lucet.h:
 * heap address space, stack guard, stack, globals, signal stack): with the
 * default limits, between the top of the 128 KiB stack and 1 MiB past the
 * heap address space.
 */
static void check_sp_in_slot(uintptr_t sp, struct lucet_instance *inst, const char *fn)
{
    uintptr_t stack_top = (uintptr_t)lucet_instance_heap(inst) + HEAP_ADDRESS_SPACE + 4096 +
                          (128u << 10);

    if (sp < stack_top || sp >= stack_top + (1u << 20)) {
        printf("    the handler for %s ran at %#lx, not on the slot's signal stack above %#lx\n",
               fn, (unsigned long)sp, (unsigned long)stack_top);
        ctest_case_failed = 1;
    }
}

/* A mask a host might use: a few signals left to another thread. */
static void some_signals(sigset_t *mask)
{
    sigemptyset(mask);
    sigaddset(mask, SIGUSR1);
    sigaddset(mask, SIGTERM);
    sigaddset(mask, SIGRTMIN + 1);
}

static void *no_altstack_body(void *arg)
{
    stack_t ss;
    sigset_t mask;

    (void)arg;
    some_signals(&mask);
    sigaltstack(NULL, &ss);
    CHECK(ss.ss_flags & SS_DISABLE);
    faults_leave_thread_alone(&mask, check_sp_in_slot);
    sigaltstack(NULL, &ss);
    CHECK(ss.ss_flags & SS_DISABLE);
    return NULL;
}

/* No alternate stack: one is lent for each run (the overflow needs it) and taken back. */
static void thread_without_altstack(void)
{
    run_on_new_thread(no_altstack_body, NULL);
}

/* ---- A thread with its own ---------------------------------------------- */

static char *own_stack;
static size_t own_stack_size;

static void check_sp_on_own_stack(uintptr_t sp, struct lucet_instance *inst, const char *fn)
{
    (void)inst;
    if (sp < (uintptr_t)own_stack || sp >= (uintptr_t)own_stack + own_stack_size) {
        printf("    the handler for %s ran at %#lx, not on the thread's alternate stack\n", fn,
               (unsigned long)sp);
        ctest_case_failed = 1;
    }
}

static void check_sp_off_own_stack(uintptr_t sp, struct lucet_instance *inst, const char *fn)
{
    if (sp >= (uintptr_t)own_stack && sp < (uintptr_t)own_stack + own_stack_size) {
        printf("    the handler for %s ran on the thread's too small alternate stack\n", fn);
        ctest_case_failed = 1;
    }
    check_sp_in_slot(sp, inst, fn);
}

static void *own_altstack_body(void *arg)
{
    stack_t ss = { .ss_sp = own_stack, .ss_size = own_stack_size, .ss_flags = 0 };
    void (*check)(uintptr_t, struct lucet_instance *, const char *) = arg;
    sigset_t mask;

    some_signals(&mask);
    CHECK_EQ_INT(sigaltstack(&ss, NULL), 0);
    faults_leave_thread_alone(&mask, check);
    /* Again on the same thread, now that the runtime has seen its stack. */
    faults_leave_thread_alone(&mask, check);
    sigaltstack(NULL, &ss);
    CHECK(ss.ss_sp == own_stack && ss.ss_size == own_stack_size && ss.ss_flags == 0);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    return NULL;
}

/* A big enough alternate stack of the thread's own is used, and kept. */
static void thread_with_altstack(void)
{
    own_stack_size = 64 * 1024;
    own_stack = malloc(own_stack_size);
    run_on_new_thread(own_altstack_body, (void *)check_sp_on_own_stack);
    free(own_stack);
}

/* A too small one is set aside for each run and put back afterwards. */
static void thread_with_small_altstack(void)
{
    own_stack_size = 8 * 1024;
    own_stack = malloc(own_stack_size);
    run_on_new_thread(own_altstack_body, (void *)check_sp_off_own_stack);
    free(own_stack);
}

/* ---- A thread that blocks every signal ---------------------------------- */

static void *all_blocked_body(void *arg)
{
    sigset_t all, now;

    (void)arg;
    sigfillset(&all);
    /* Twice: the runtime checks the mask of a thread seen blocking at every run. */
    faults_leave_thread_alone(&all, check_sp_in_slot);
    faults_leave_thread_alone(&all, check_sp_in_slot);
    pthread_sigmask(SIG_SETMASK, NULL, &now);
    CHECK(sigismember(&now, SIGSEGV) && sigismember(&now, SIGFPE) && sigismember(&now, SIGILL) &&
          sigismember(&now, SIGBUS));
    return NULL;
}

/*
 * A worker thread that blocks every signal, fault signals included, as
 * thread pools often do: a blocked fault signal would kill the process, so
 * the runtime lets them through for each run and puts the mask back. Runs
 * in a child, which such a failure would kill; the child prints its own
 * failed checks.
 */
static void thread_blocking_all_signals(void)
{
    pid_t pid;
    int status = -1;

    fflush(stdout);
    CHECK_EQ_INT(ctest_spawn_child("all-blocked", NULL, &pid), 0);
    waitpid(pid, &status, 0);
    if (!ctest_exited_with(status, 0)) {
        printf("    the child ended with status %#x (%s %d)\n", status,
               WIFSIGNALED(status) ? "signal" : "exit",
               WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        ctest_case_failed = 1;
    }
}

static int setup(void)
{
    if (lucet_dl_module_load(ctest_guest_path("fault_mem.so"), &mem_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_stack.so"), &stack_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_trap.so"), &trap_module) != lucet_error_ok ||
        lucet_mmap_region_create(RUN_COUNT, NULL, &region) != lucet_error_ok) {
        printf("FAIL setting up: %s\n", lucet_error_message());
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    const char *role = ctest_child_role(argc, argv);

    if (role != NULL && strcmp(role, "all-blocked") == 0) {
        alarm(CTEST_CHILD_TIMEOUT_SECONDS);
        if (!setup())
            return 2;
        run_on_new_thread(all_blocked_body, NULL);
        return ctest_case_failed;
    }
    if (!setup())
        return 1;
    RUN_CASE(thread_without_altstack);
    RUN_CASE(thread_with_altstack);
    RUN_CASE(thread_with_small_altstack);
    RUN_CASE(thread_blocking_all_signals);
    lucet_region_release(region);
    lucet_dl_module_release(mem_module);
    lucet_dl_module_release(stack_module);
    lucet_dl_module_release(trap_module);
    CTEST_EXIT();
}
