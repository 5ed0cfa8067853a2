/*
 * ctest.h: macros and helpers shared by the C test programs. Each program
 * runs its cases in order, prints one line per case ("ok <name>" or
 * "FAIL <name>: <why>") and exits non-zero if any case failed.
 *
 * Every helper is static inline, so that a program not using one still
 * compiles clean; those for child processes are C only (test_header.cc
 * includes this header as C++).
 */
#ifndef LUCET_CTEST_H
#define LUCET_CTEST_H

#include <dlfcn.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifndef __cplusplus
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#endif

#include "lucet.h"

static int ctest_failures;
static int ctest_case_failed;

/* Directory holding the guest modules; set by ctests/run.sh. */
static inline const char *ctest_guest_path(const char *name)
{
    static char path[4096];
    const char *dir = getenv("LUCET_TEST_GUESTS");

    snprintf(path, sizeof path, "%s/%s", dir != NULL ? dir : "build/ctests/guests", name);
    return path;
}

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            printf("    %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            ctest_case_failed = 1;                                                        \
        }                                                                                 \
    } while (0)

#define CHECK_EQ_INT(got, want)                                                           \
    do {                                                                                  \
        long long ctest_g_ = (long long)(got), ctest_w_ = (long long)(want);              \
        if (ctest_g_ != ctest_w_) {                                                       \
            printf("    %s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got,        \
                   ctest_g_, ctest_w_);                                                   \
            ctest_case_failed = 1;                                                        \
        }                                                                                 \
    } while (0)

#define CHECK_EQ_U64(got, want)                                                           \
    do {                                                                                  \
        uint64_t ctest_g_ = (uint64_t)(got), ctest_w_ = (uint64_t)(want);                 \
        if (ctest_g_ != ctest_w_) {                                                       \
            printf("    %s:%d: %s is %#" PRIx64 ", want %#" PRIx64 "\n", __FILE__,        \
                   __LINE__, #got, ctest_g_, ctest_w_);                                   \
            ctest_case_failed = 1;                                                        \
        }                                                                                 \
    } while (0)

/* Checks that a call returns the wanted lucet_error, naming both on failure. */
#define CHECK_ERR(call, want)                                                             \
    do {                                                                                  \
        enum lucet_error ctest_e_ = (call);                                               \
        if (ctest_e_ != (want)) {                                                         \
            printf("    %s:%d: %s returned %s, want %s (%s)\n", __FILE__, __LINE__, #call, \
                   lucet_error_name(ctest_e_), lucet_error_name(want),                    \
                   lucet_error_message());                                                \
            ctest_case_failed = 1;                                                        \
        }                                                                                 \
    } while (0)

#define CHECK_OK(call) CHECK_ERR(call, lucet_error_ok)

#define CHECK_STR_CONTAINS(haystack, needle)                                              \
    do {                                                                                  \
        const char *ctest_h_ = (haystack);                                                \
        if (ctest_h_ == NULL || strstr(ctest_h_, (needle)) == NULL) {                     \
            printf("    %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,     \
                   ctest_h_ ? ctest_h_ : "(null)", (needle));                             \
            ctest_case_failed = 1;                                                        \
        }                                                                                 \
    } while (0)

/* Runs one case: a void function taking no arguments. */
#define RUN_CASE(fn)                                                                      \
    do {                                                                                  \
        ctest_case_failed = 0;                                                            \
        fn();                                                                             \
        printf("%s %s\n", ctest_case_failed ? "FAIL" : "ok", #fn);                        \
        fflush(stdout);                                                                   \
        ctest_failures += ctest_case_failed;                                              \
    } while (0)

#define CTEST_EXIT() return ctest_failures == 0 ? 0 : 1

/* ---- Instances and runs --------------------------------------------------- */

/*
 * Loads guest `guest`, makes a region of `capacity` slots with the default
 * limits and an instance of the guest in it: the setup of a program whose
 * cases share one instance. On failure prints "FAIL setup: <why>" and
 * returns false.
 */
static inline bool ctest_setup_instance(const char *guest, uint64_t capacity,
                                        struct lucet_dl_module **mod,
                                        struct lucet_region **region,
                                        struct lucet_instance **inst)
{
    if (lucet_dl_module_load(ctest_guest_path(guest), mod) != lucet_error_ok ||
        lucet_mmap_region_create(capacity, NULL, region) != lucet_error_ok ||
        lucet_region_new_instance(*region, *mod, inst) != lucet_error_ok) {
        printf("FAIL setup: %s\n", lucet_error_message());
        return false;
    }
    return true;
}

/* Releases what ctest_setup_instance made, instance first. */
static inline void ctest_teardown_instance(struct lucet_dl_module *mod,
                                           struct lucet_region *region,
                                           struct lucet_instance *inst)
{
    lucet_instance_release(inst);
    lucet_region_release(region);
    lucet_dl_module_release(mod);
}

/* A new instance of `module` in `region`; NULL, and the case failed, if refused. */
static inline struct lucet_instance *ctest_new_instance(struct lucet_region *region,
                                                        struct lucet_dl_module *module)
{
    struct lucet_instance *inst = NULL;

    CHECK_OK(lucet_region_new_instance(region, module, &inst));
    return inst;
}

/*
 * Reads the state of `inst` after a run of `what` that succeeded: the run
 * must have returned, and its return registers go to *rv (when rv is not
 * NULL; zeros otherwise). Returns false, failing the case with a line naming
 * `what`, if the state cannot be read or is not "returned".
 */
static inline bool ctest_get_returned(struct lucet_instance *inst, const char *what,
                                      struct lucet_untyped_retval *rv)
{
    struct lucet_state st;
    enum lucet_error err = lucet_instance_state(inst, &st);
    bool returned;

    if (rv != NULL)
        memset(rv, 0, sizeof *rv);
    if (err != lucet_error_ok) {
        printf("    state after %s: %s (%s)\n", what, lucet_error_name(err),
               lucet_error_message());
        ctest_case_failed = 1;
        return false;
    }
    returned = st.tag == lucet_state_tag_returned;
    if (!returned) {
        printf("    %s did not return: state %s\n", what, lucet_state_tag_name(st.tag));
        ctest_case_failed = 1;
    } else if (rv != NULL) {
        *rv = st.val.returned;
    }
    lucet_state_release(&st);
    return returned;
}

/* rax after the last run of `inst`, which must have returned, as an i64 (INT64_MIN if not). */
static inline int64_t ctest_returned_gp(struct lucet_instance *inst, const char *what)
{
    struct lucet_untyped_retval rv;

    if (!ctest_get_returned(inst, what, &rv))
        return INT64_MIN;
    return LUCET_UNTYPED_RETVAL_TO_I64(rv);
}

/*
 * Runs export `name` of `inst` and checks that the run ends with `want`;
 * when `want` is ok, the run must also have returned, and its return
 * registers go to *rv (when rv is not NULL; zeros in every other case).
 * Returns whether all of that held; otherwise the case failed, with a line
 * naming `name`.
 */
static inline bool ctest_run(struct lucet_instance *inst, const char *name, uintptr_t argc,
                             const struct lucet_val *argv, enum lucet_error want,
                             struct lucet_untyped_retval *rv)
{
    enum lucet_error err = lucet_instance_run(inst, name, argc, argv);

    if (rv != NULL)
        memset(rv, 0, sizeof *rv);
    if (err != want) {
        printf("    running %s: %s, want %s (%s)\n", name, lucet_error_name(err),
               lucet_error_name(want), lucet_error_message());
        ctest_case_failed = 1;
        return false;
    }
    return want != lucet_error_ok || ctest_get_returned(inst, name, rv);
}

/* Runs export `name`, which must return; gives back its return registers (zeros if not). */
static inline struct lucet_untyped_retval ctest_run_ok(struct lucet_instance *inst,
                                                       const char *name, uintptr_t argc,
                                                       const struct lucet_val *argv)
{
    struct lucet_untyped_retval rv;

    ctest_run(inst, name, argc, argv, lucet_error_ok, &rv);
    return rv;
}

/* Runs export `name`, which must return; gives back rax as an i64 (INT64_MIN if not). */
static inline int64_t ctest_run_gp(struct lucet_instance *inst, const char *name, uintptr_t argc,
                                   const struct lucet_val *argv)
{
    struct lucet_untyped_retval rv;

    if (!ctest_run(inst, name, argc, argv, lucet_error_ok, &rv))
        return INT64_MIN;
    return LUCET_UNTYPED_RETVAL_TO_I64(rv);
}

/*
 * The address of global symbol `label` (a labelled instruction) of guest
 * `guest`, which must already be loaded (RTLD_NOLOAD finds it without
 * loading it again); 0, with a line saying so, if there is none.
 */
static inline uintptr_t ctest_guest_label(const char *guest, const char *label)
{
    void *handle = dlopen(ctest_guest_path(guest), RTLD_NOW | RTLD_NOLOAD);
    void *sym = handle != NULL ? dlsym(handle, label) : NULL;

    if (handle != NULL)
        dlclose(handle);
    if (sym == NULL)
        printf("    no label %s in %s\n", label, guest);
    return (uintptr_t)sym;
}

/* ---- The core_mem guest's initial state ------------------------------------ */

/*
 * Checks that the first wasm page of a core_mem instance's heap holds the
 * image the guest starts with: its data pages 0 and 2 and the start
 * function's mark, zeros elsewhere. Names the first byte that differs.
 */
static inline void ctest_check_core_mem_heap(struct lucet_instance *inst)
{
    static uint8_t want[LUCET_WASM_PAGE_SIZE];
    const uint8_t *heap = lucet_instance_heap(inst);

    CHECK(heap != NULL);
    if (heap == NULL)
        return;
    memset(want, 0, sizeof want);
    memcpy(want, "core_mem page 0", 15);
    want[4095] = 0x5a;
    memcpy(want + 8192, "core_mem page 2", 15);
    want[8192 + 2048] = 0xc3;
    want[8192 + 4095] = 0x3c;
    memcpy(want + 0x8000, "started", 8);
    for (size_t i = 0; i < sizeof want; i++) {
        if (heap[i] != want[i]) {
            printf("    heap byte %#zx is %#x, want %#x\n", i, heap[i], want[i]);
            ctest_case_failed = 1;
            return;
        }
    }
}

/* How many globals core_mem declares. */
#define CTEST_CORE_MEM_GLOBAL_COUNT 5

/*
 * Global i of a core_mem instance as created: an i64, an i64, the bits of
 * the f64 2.5, 100 plus the start function's 1, and the bits of the f32 -1.5.
 */
static inline uint64_t ctest_core_mem_global(size_t i)
{
    static const uint64_t initial[CTEST_CORE_MEM_GLOBAL_COUNT] = {
        7, UINT64_C(0x0123456789abcdef), UINT64_C(0x4004000000000000), 101,
        UINT64_C(0xbfc00000),
    };

    return initial[i];
}

/* Checks that a core_mem instance's globals are as created, naming each that is not. */
static inline void ctest_check_core_mem_globals(struct lucet_instance *inst)
{
    const int64_t *g = lucet_instance_globals(inst);

    CHECK(g != NULL);
    if (g == NULL)
        return;
    for (size_t i = 0; i < CTEST_CORE_MEM_GLOBAL_COUNT; i++)
        if ((uint64_t)g[i] != ctest_core_mem_global(i)) {
            printf("    global %zu is %#llx, want %#llx\n", i, (unsigned long long)g[i],
                   (unsigned long long)ctest_core_mem_global(i));
            ctest_case_failed = 1;
        }
}

/* ---- Float control words --------------------------------------------------- */

/* The SSE control and status register of this thread. */
static inline uint32_t ctest_get_mxcsr(void)
{
    uint32_t csr;

    __asm__ volatile("stmxcsr %0" : "=m"(csr));
    return csr;
}

/* Loads this thread's SSE control and status register. */
static inline void ctest_set_mxcsr(uint32_t csr)
{
    __asm__ volatile("ldmxcsr %0" : : "m"(csr));
}

/* The x87 control word of this thread. */
static inline uint16_t ctest_get_fpucw(void)
{
    uint16_t cw;

    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}

/* Loads this thread's x87 control word. */
static inline void ctest_set_fpucw(uint16_t cw)
{
    __asm__ volatile("fldcw %0" : : "m"(cw));
}

/* ---- The process's memory and time ------------------------------------------ */

/* Resident set size in bytes, from /proc/self/statm; 0 if it cannot be read. */
static inline uint64_t ctest_resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;

    if (f == NULL)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Monotonic time in nanoseconds. */
static inline long long ctest_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * The protection of the page holding addr, from /proc/self/maps: the letters
 * of "rwx" it has ("" for no access at all), or "unmapped" when no mapping
 * holds it. The answer is overwritten by the next call.
 */
static inline const char *ctest_page_protection(const void *addr)
{
    static char prot[16];
    char line[512];
    FILE *f = fopen("/proc/self/maps", "r");

    snprintf(prot, sizeof prot, "unmapped");
    if (f == NULL)
        return prot;
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long start, end;
        char perms[8];

        if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 &&
            (uintptr_t)addr >= start && (uintptr_t)addr < end) {
            snprintf(prot, sizeof prot, "%s%s%s", perms[0] == 'r' ? "r" : "",
                     perms[1] == 'w' ? "w" : "", perms[2] == 'x' ? "x" : "");
            break;
        }
    }
    fclose(f);
    return prot;
}

#ifndef __cplusplus
/* ---- Child processes -------------------------------------------------------- */

/*
 * Anything that may crash or abort the process runs in a fresh child: this
 * program run again as "<program> --child <role>" (a bare fork would go on
 * without the Go runtime's threads). The child's main dispatches on the role.
 */
extern char **environ;

/* How long a child may run before its alarm ends it (it dies of SIGALRM). */
#define CTEST_CHILD_TIMEOUT_SECONDS 20

/* The role this program was started with as "--child <role>", or NULL for the parent. */
static inline const char *ctest_child_role(int argc, char **argv)
{
    return argc == 3 && strcmp(argv[1], "--child") == 0 ? argv[2] : NULL;
}

/*
 * Starts this program as "--child <role>" with the given file actions (NULL:
 * the child shares this one's stdout and stderr); returns posix_spawn's
 * result. Flush stdout first if the child shares it.
 */
static inline int ctest_spawn_child(const char *role, const posix_spawn_file_actions_t *actions,
                                    pid_t *pid)
{
    char *argv[] = { (char *)"/proc/self/exe", (char *)"--child", (char *)role, NULL };

    return posix_spawn(pid, argv[0], actions, NULL, argv, environ);
}

/* How a child ended, and what it wrote. */
struct ctest_child {
    int status; /* from waitpid; -1 if the child never ran */
    char out[16384];
    char err[16384];
};

/* Reads a child's stdout and stderr pipes to the end without letting either fill up. */
static inline void ctest_drain_child(int out_fd, int err_fd, struct ctest_child *r)
{
    struct pollfd fds[2] = { { .fd = out_fd, .events = POLLIN },
                             { .fd = err_fd, .events = POLLIN } };
    char *bufs[2] = { r->out, r->err };
    size_t lens[2] = { 0, 0 }, cap = sizeof r->out;
    int open_fds = 2;

    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            char tmp[4096];
            ssize_t n;

            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(fds[i].fd, tmp, sizeof tmp);
            if (n <= 0) {
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            if ((size_t)n > cap - 1 - lens[i])
                n = (ssize_t)(cap - 1 - lens[i]);
            memcpy(bufs[i] + lens[i], tmp, (size_t)n);
            lens[i] += (size_t)n;
        }
    }
    r->out[lens[0]] = 0;
    r->err[lens[1]] = 0;
}

/*
 * Runs this program as "--child <role>", waits for it and collects its
 * status and output in *r. A pipe or spawn failure fails the case.
 */
static inline void ctest_run_child(const char *role, struct ctest_child *r)
{
    int out[2], err[2];
    posix_spawn_file_actions_t actions;
    pid_t pid;

    memset(r, 0, sizeof *r);
    r->status = -1;
    if (pipe(out) != 0 || pipe(err) != 0) {
        printf("    pipe failed\n");
        ctest_case_failed = 1;
        return;
    }
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, err[0]);
    if (ctest_spawn_child(role, &actions, &pid) != 0) {
        printf("    posix_spawn failed\n");
        ctest_case_failed = 1;
        pid = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    if (pid > 0) {
        ctest_drain_child(out[0], err[0], r);
        waitpid(pid, &r->status, 0);
    }
    close(out[0]);
    close(err[0]);
}

/* True when a child's waitpid status (-1: it never ran) says it exited with `code`. */
static inline bool ctest_exited_with(int status, int code)
{
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

/* True when a child's waitpid status (-1: it never ran) says it died of `signum`. */
static inline bool ctest_died_of(int status, int signum)
{
    return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == signum;
}

/* Prints how a child ended and what it wrote, for a check on it that failed. */
static inline void ctest_show_child(const char *role, const struct ctest_child *r)
{
    printf("    child %s: status %#x\n    stdout: %s\n    stderr: %s\n", role, r->status, r->out,
           r->err);
}
#endif /* __cplusplus */

#endif /* LUCET_CTEST_H */
