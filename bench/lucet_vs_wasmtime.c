/*
 * lucet_vs_wasmtime.c: measures liblucet against Wasmtime's C API in one
 * program run on one machine, and prints a table and one ratio line per
 * metric (ratio = liblucet / Wasmtime, so below 1 means liblucet is faster
 * or smaller).
 *
 * Metrics:
 *   run      calling a trivial export (i32 add), ns per call: liblucet by
 *            name (also by table index, reading the result, and on a thread
 *            without an alternate signal stack); Wasmtime's checked call with
 *            the export looked up once or on every call, and its unchecked
 *            call for context
 *   inst     instantiating a module (64 KiB memory, one data page, two
 *            globals) and releasing it again, us per cycle; Wasmtime also
 *            with its pooling allocator
 *   rss      resident memory (and, apart, page tables) added per idle
 *            instance, KiB; each row measured in a fresh child process
 *   fault    a guest load past the end of its heap, run until the error is
 *            back in the host, ns per faulting run; plus the floor: a bare
 *            signal round trip that no runtime sees
 *
 * Each timed metric is a loop of many iterations, scaled so that one
 * repetition lasts about --time seconds (or exactly --iters), repeated
 * --reps times; the table shows the best and the median repetition, the
 * ratio lines use the best.
 *
 * The liblucet guest is bench_guest.c compiled to a native shared object;
 * the Wasmtime guest is the WAT text below, compiled by Wasmtime at start-up.
 * This is a benchmark, not a test: it checks the outcome of every call it
 * times and exits non-zero, saying why, if one is not what it should be.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <time.h>
#include <unistd.h>

#include <wasmtime.h>

#include "lucet.h"

/* The Wasmtime counterpart of bench_guest.c. */
static const char guest_wat[] =
    "(module\n"
    "  (memory 1)\n"
    "  (global $g0 (mut i32) (i32.const 1))\n"
    "  (global $g1 (mut i64) (i64.const 2))\n"
    "  (data (i32.const 0) \"liblucet bench!\\00\")\n"
    "  (func (export \"add\") (param i32 i32) (result i32)\n"
    "    local.get 0 local.get 1 i32.add)\n"
    "  (func (export \"load32\") (param i32) (result i32)\n"
    "    local.get 0 i32.load))\n";

/* "libl", the first word of the data both guests start with, read as a little-endian i32. */
#define DATA_WORD0 0x6c62696c

/* The heap offset both guests load from in the fault benchmark: just past the 64 KiB heap. */
#define FAULT_OFFSET 65536

#define MAX_REPS 64

/* ---- Options --------------------------------------------------------------- */

static struct {
    const char *guest_path;
    bool do_run, do_inst, do_rss, do_fault;
    bool lucet, wasmtime;
    uint64_t iters;    /* 0: scale to opt.time */
    int reps;
    double time;       /* seconds per repetition when scaling */
    int rss_n;
    bool lucet_handler_first;
    const char *rss_child; /* internal: measure one RSS row in this process */
} opt = {
    .guest_path = "build/bench_guest.so",
    .do_run = true, .do_inst = true, .do_rss = true, .do_fault = true,
    .lucet = true, .wasmtime = true,
    .reps = 5,
    .time = 0.2,
    .rss_n = 1000,
};

static void usage(const char *argv0, int status)
{
    fprintf(status == 0 ? stdout : stderr,
            "usage: %s [options] [GUEST.so]\n"
            "  --only=LIST           metrics to run, comma-separated, of run,inst,rss,fault\n"
            "                        (default all)\n"
            "  --runtime=R           lucet, wasmtime or both (default both)\n"
            "  --iters=N             iterations per repetition (default: scaled to --time)\n"
            "  --reps=N              repetitions per measurement, the best and median kept\n"
            "                        (default 5)\n"
            "  --time=S              seconds per repetition when scaling (default 0.2)\n"
            "  --rss-n=N             instances created for the RSS metric (default 1000)\n"
            "  --lucet-handler-first set up liblucet after Wasmtime, so that its fault\n"
            "                        handler sees every fault first (default: Wasmtime's)\n",
            argv0);
    exit(status);
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strncmp(a, "--only=", 7) == 0) {
            char *list = strdup(a + 7);

            opt.do_run = opt.do_inst = opt.do_rss = opt.do_fault = false;
            for (char *tok = strtok(list, ","); tok != NULL; tok = strtok(NULL, ",")) {
                if (strcmp(tok, "run") == 0)
                    opt.do_run = true;
                else if (strcmp(tok, "inst") == 0)
                    opt.do_inst = true;
                else if (strcmp(tok, "rss") == 0)
                    opt.do_rss = true;
                else if (strcmp(tok, "fault") == 0)
                    opt.do_fault = true;
                else
                    usage(argv[0], 2);
            }
            free(list);
        } else if (strncmp(a, "--runtime=", 10) == 0) {
            opt.lucet = strcmp(a + 10, "lucet") == 0 || strcmp(a + 10, "both") == 0;
            opt.wasmtime = strcmp(a + 10, "wasmtime") == 0 || strcmp(a + 10, "both") == 0;
            if (!opt.lucet && !opt.wasmtime)
                usage(argv[0], 2);
        } else if (strncmp(a, "--iters=", 8) == 0) {
            opt.iters = strtoull(a + 8, NULL, 10);
            if (opt.iters == 0)
                usage(argv[0], 2);
        } else if (strncmp(a, "--reps=", 7) == 0) {
            opt.reps = atoi(a + 7);
            if (opt.reps < 1 || opt.reps > MAX_REPS)
                usage(argv[0], 2);
        } else if (strncmp(a, "--time=", 7) == 0) {
            opt.time = atof(a + 7);
            if (!(opt.time > 0))
                usage(argv[0], 2);
        } else if (strncmp(a, "--rss-n=", 8) == 0) {
            opt.rss_n = atoi(a + 8);
            if (opt.rss_n < 1)
                usage(argv[0], 2);
        } else if (strcmp(a, "--lucet-handler-first") == 0) {
            opt.lucet_handler_first = true;
        } else if (strncmp(a, "--rss-child=", 12) == 0) {
            opt.rss_child = a + 12;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(argv[0], 0);
        } else if (a[0] == '-') {
            usage(argv[0], 2);
        } else {
            opt.guest_path = a;
        }
    }
}

/* ---- Errors ---------------------------------------------------------------- */

static void die(const char *fmt, ...)
{
    va_list ap;

    fputs("bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void lucet_check(enum lucet_error err, const char *what)
{
    if (err != lucet_error_ok)
        die("%s: %s: %s", what, lucet_error_name(err), lucet_error_message());
}

/* Exits with the message of a Wasmtime error or trap, if there is one. */
static void wasmtime_check(wasmtime_error_t *err, wasm_trap_t *trap, const char *what)
{
    wasm_byte_vec_t msg;

    if (err != NULL) {
        wasmtime_error_message(err, &msg);
        die("%s: %.*s", what, (int)msg.size, msg.data);
    }
    if (trap != NULL) {
        wasm_trap_message(trap, &msg);
        die("%s: trap: %.*s", what, (int)msg.size, msg.data);
    }
}

/* ---- Results --------------------------------------------------------------- */

enum row_id {
    ROW_RUN_LUCET,
    ROW_RUN_LUCET_INDEX,
    ROW_RUN_LUCET_STATE,
    ROW_RUN_LUCET_NOALT,
    ROW_RUN_WASMTIME,
    ROW_RUN_WASMTIME_LOOKUP,
    ROW_RUN_WASMTIME_UNCHECKED,
    ROW_INST_LUCET,
    ROW_INST_WASMTIME,
    ROW_INST_WASMTIME_POOL,
    ROW_RSS_LUCET,
    ROW_RSS_WASMTIME,
    ROW_RSS_WASMTIME_ONE_STORE,
    ROW_RSS_WASMTIME_POOL,
    ROW_FAULT_LUCET,
    ROW_FAULT_WASMTIME,
    ROW_FAULT_FLOOR,
    ROW_COUNT
};

struct row {
    const char *metric;
    const char *runtime;
    const char *what;
    const char *unit;
    double scale; /* ns are divided by this for display (1000 for us) */
    bool done;
    double best, median; /* in ns, or KiB for rss */
    double page_tables;  /* rss only: KiB of page tables per instance */
    uint64_t iters;
    int reps;
};

/* Indented descriptions are variants of the row above them. */
static struct row rows[ROW_COUNT] = {
#define ROW(id, metric, runtime, what, unit, scale) [id] = { metric, runtime, what, unit, scale }
    ROW(ROW_RUN_LUCET, "run", "liblucet", "lucet_instance_run(\"add\") by name", "ns", 1),
    ROW(ROW_RUN_LUCET_INDEX, "run", "liblucet",
        "  lucet_instance_run_func_idx: by table index", "ns", 1),
    ROW(ROW_RUN_LUCET_STATE, "run", "liblucet",
        "  by name + lucet_instance_state (read the sum)", "ns", 1),
    ROW(ROW_RUN_LUCET_NOALT, "run", "liblucet",
        "  by name, on a thread with no sigaltstack", "ns", 1),
    ROW(ROW_RUN_WASMTIME, "run", "wasmtime", "wasmtime_func_call, export looked up once", "ns", 1),
    ROW(ROW_RUN_WASMTIME_LOOKUP, "run", "wasmtime",
        "wasmtime_instance_export_get + func_call", "ns", 1),
    ROW(ROW_RUN_WASMTIME_UNCHECKED, "run", "wasmtime",
        "  wasmtime_func_call_unchecked, looked up once", "ns", 1),
    ROW(ROW_INST_LUCET, "inst", "liblucet", "region_new_instance + instance_release", "us", 1000),
    ROW(ROW_INST_WASMTIME, "inst", "wasmtime",
        "store_new + instance_new + store_delete", "us", 1000),
    ROW(ROW_INST_WASMTIME_POOL, "inst", "wasmtime",
        "  same with the pooling allocator", "us", 1000),
    ROW(ROW_RSS_LUCET, "rss", "liblucet", "N instances in one region", "KiB", 1),
    ROW(ROW_RSS_WASMTIME, "rss", "wasmtime", "N instances, one store each", "KiB", 1),
    ROW(ROW_RSS_WASMTIME_ONE_STORE, "rss", "wasmtime", "N instances in one store", "KiB", 1),
    ROW(ROW_RSS_WASMTIME_POOL, "rss", "wasmtime", "N instances, one store each, pooling", "KiB", 1),
    ROW(ROW_FAULT_LUCET, "fault", "liblucet",
        "run -> SIGSEGV -> lucet_error_runtime_fault", "ns", 1),
    ROW(ROW_FAULT_WASMTIME, "fault", "wasmtime",
        "func_call -> SIGSEGV -> trap, trap deleted", "ns", 1),
    ROW(ROW_FAULT_FLOOR, "fault", "(none)", "floor: bare C handler skips the load", "ns", 1),
#undef ROW
};

/* ---- Timing ---------------------------------------------------------------- */

/* Runs the measured operation n times; exits on any failure. */
typedef void (*loop_fn)(void *ctx, uint64_t n);

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double time_loop(loop_fn fn, void *ctx, uint64_t n)
{
    double start = now_seconds();

    fn(ctx, n);
    return now_seconds() - start;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/*
 * Times fn into row r: picks an iteration count (the calibration doubles as
 * a warm-up), then keeps the best and the median of opt.reps repetitions.
 */
static void measure(enum row_id r, loop_fn fn, void *ctx)
{
    uint64_t n = opt.iters;
    double per_op[MAX_REPS];

    if (n == 0) {
        for (n = 1;; n *= 4) {
            double t = time_loop(fn, ctx, n);

            if (t >= opt.time / 10) {
                n = (uint64_t)((double)n * opt.time / t);
                break;
            }
        }
        if (n == 0)
            n = 1;
    }
    for (int i = 0; i < opt.reps; i++)
        per_op[i] = time_loop(fn, ctx, n) * 1e9 / (double)n;
    qsort(per_op, (size_t)opt.reps, sizeof per_op[0], compare_double);
    rows[r].best = per_op[0];
    rows[r].median = per_op[opt.reps / 2];
    rows[r].iters = n;
    rows[r].reps = opt.reps;
    rows[r].done = true;
    printf("  %-8s %-48s best %9.2f %s, median %9.2f %s (%" PRIu64 " x %d)\n",
           rows[r].runtime, rows[r].what, rows[r].best / rows[r].scale, rows[r].unit,
           rows[r].median / rows[r].scale, rows[r].unit, n, opt.reps);
    fflush(stdout);
}

/* Resident memory and page tables of this process, in KiB. */
struct mem_usage {
    double rss;
    double page_tables;
};

static struct mem_usage mem_usage(void)
{
    struct mem_usage m = { 0, 0 };
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    char line[256];

    if (f == NULL || fscanf(f, "%ld %ld", &size, &resident) != 2)
        die("cannot read /proc/self/statm");
    fclose(f);
    m.rss = (double)resident * (double)sysconf(_SC_PAGESIZE) / 1024.0;
    /* Page tables are not part of RSS; VmPTE counts them (in kB). */
    f = fopen("/proc/self/status", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmPTE:", 6) == 0)
            m.page_tables = strtod(line + 6, NULL);
    }
    if (f != NULL)
        fclose(f);
    return m;
}

static void record_rss(enum row_id r, struct mem_usage before, struct mem_usage after, int n)
{
    rows[r].best = rows[r].median = (after.rss - before.rss) / n;
    rows[r].page_tables = (after.page_tables - before.page_tables) / n;
    rows[r].iters = (uint64_t)n;
    rows[r].reps = 1;
    rows[r].done = true;
    printf("  %-8s %-48s %6.2f KiB RSS + %5.2f KiB page tables per instance\n",
           rows[r].runtime, rows[r].what, rows[r].best, rows[r].page_tables);
    fflush(stdout);
}

/* ---- The thread's alternate signal stack ---------------------------------- */

static void describe_altstack(char *buf, size_t len)
{
    stack_t ss;

    if (sigaltstack(NULL, &ss) != 0)
        snprintf(buf, len, "unknown (%s)", strerror(errno));
    else if (ss.ss_flags & SS_DISABLE)
        snprintf(buf, len, "none");
    else
        snprintf(buf, len, "%zu bytes at %p", ss.ss_size, ss.ss_sp);
}

/* ---- liblucet -------------------------------------------------------------- */

static struct {
    struct lucet_dl_module *module;
    struct lucet_region *region; /* for the run, fault and instantiate loops */
    struct lucet_instance *inst;
} lu;

static void lucet_setup(void)
{
    struct lucet_state st;

    lucet_check(lucet_dl_module_load(opt.guest_path, &lu.module), "lucet_dl_module_load");
    lucet_check(lucet_mmap_region_create(4, NULL, &lu.region), "lucet_mmap_region_create");
    lucet_check(lucet_region_new_instance(lu.region, lu.module, &lu.inst),
                "lucet_region_new_instance");

    /* Check that the guest is the module described above before timing it. */
    lucet_check(lucet_instance_run(lu.inst, "add", 2,
                                   (struct lucet_val[]){ LUCET_VAL_I32(40), LUCET_VAL_I32(2) }),
                "run add");
    lucet_check(lucet_instance_state(lu.inst, &st), "lucet_instance_state");
    if (st.tag != lucet_state_tag_returned || LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned) != 42)
        die("liblucet add(40, 2) did not return 42");
    lucet_state_release(&st);
    lucet_check(lucet_instance_run_func_idx(
                    lu.inst, 0, 0, 2, (struct lucet_val[]){ LUCET_VAL_I32(40), LUCET_VAL_I32(3) }),
                "run table 0 element 0");
    lucet_check(lucet_instance_state(lu.inst, &st), "lucet_instance_state");
    if (LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned) != 43)
        die("liblucet table 0 element 0 is not add");
    lucet_state_release(&st);
    lucet_check(lucet_instance_run(lu.inst, "load32", 1, (struct lucet_val[]){ LUCET_VAL_I32(0) }),
                "run load32");
    lucet_check(lucet_instance_state(lu.inst, &st), "lucet_instance_state");
    if (LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned) != DATA_WORD0)
        die("liblucet heap does not hold the data page");
    lucet_state_release(&st);
    if (lucet_instance_globals(lu.inst)[0] != 1 || lucet_instance_globals(lu.inst)[1] != 2)
        die("liblucet globals are not 1 and 2");
}

/* Checks that the last run returned `want` (read once, outside the timed calls). */
static void lucet_check_sum(struct lucet_instance *inst, int32_t want)
{
    struct lucet_state st;

    lucet_check(lucet_instance_state(inst, &st), "lucet_instance_state");
    if (st.tag != lucet_state_tag_returned || LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned) != want)
        die("liblucet add returned a wrong sum");
    lucet_state_release(&st);
}

static void loop_lucet_run(void *ctx, uint64_t n)
{
    struct lucet_instance *inst = ctx;
    struct lucet_val args[2] = { LUCET_VAL_I32(1), LUCET_VAL_I32(2) };

    for (uint64_t i = 0; i < n; i++) {
        args[0].inner_val.as_i64 = (int32_t)i;
        if (lucet_instance_run(inst, "add", 2, args) != lucet_error_ok)
            die("lucet_instance_run(add) failed: %s", lucet_error_message());
    }
    lucet_check_sum(inst, (int32_t)((uint32_t)(n - 1) + 2));
}

static void loop_lucet_run_index(void *ctx, uint64_t n)
{
    struct lucet_instance *inst = ctx;
    struct lucet_val args[2] = { LUCET_VAL_I32(1), LUCET_VAL_I32(2) };

    for (uint64_t i = 0; i < n; i++) {
        args[0].inner_val.as_i64 = (int32_t)i;
        if (lucet_instance_run_func_idx(inst, 0, 0, 2, args) != lucet_error_ok)
            die("lucet_instance_run_func_idx(0, 0) failed: %s", lucet_error_message());
    }
    lucet_check_sum(inst, (int32_t)((uint32_t)(n - 1) + 2));
}

static void loop_lucet_run_state(void *ctx, uint64_t n)
{
    struct lucet_instance *inst = ctx;
    struct lucet_val args[2] = { LUCET_VAL_I32(1), LUCET_VAL_I32(2) };
    struct lucet_state st;

    for (uint64_t i = 0; i < n; i++) {
        args[0].inner_val.as_i64 = (int32_t)i;
        if (lucet_instance_run(inst, "add", 2, args) != lucet_error_ok ||
            lucet_instance_state(inst, &st) != lucet_error_ok)
            die("lucet_instance_run(add) failed: %s", lucet_error_message());
        if (LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned) != (int32_t)((uint32_t)i + 2))
            die("liblucet add returned a wrong sum");
        lucet_state_release(&st);
    }
}

static void *thread_lucet_run_noalt(void *arg)
{
    char alt[96];

    (void)arg;
    describe_altstack(alt, sizeof alt);
    printf("  (new thread's sigaltstack before its first run: %s)\n", alt);
    measure(ROW_RUN_LUCET_NOALT, loop_lucet_run, lu.inst);
    return NULL;
}

static void loop_lucet_instantiate(void *ctx, uint64_t n)
{
    struct lucet_instance *inst;

    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        lucet_check(lucet_region_new_instance(lu.region, lu.module, &inst),
                    "lucet_region_new_instance");
        lucet_instance_release(inst);
    }
}

static void loop_lucet_fault(void *ctx, uint64_t n)
{
    struct lucet_instance *inst = ctx;
    struct lucet_val arg = LUCET_VAL_I32(FAULT_OFFSET);

    for (uint64_t i = 0; i < n; i++) {
        if (lucet_instance_run(inst, "load32", 1, &arg) != lucet_error_runtime_fault)
            die("lucet_instance_run(load32) did not fault: %s", lucet_error_message());
    }
}

static void lucet_rss(struct mem_usage *before, struct mem_usage *after)
{
    struct lucet_region *region;
    struct lucet_instance **insts = calloc((size_t)opt.rss_n, sizeof *insts);

    if (insts == NULL)
        die("out of memory");
    lucet_check(lucet_mmap_region_create((uint64_t)opt.rss_n, NULL, &region),
                "lucet_mmap_region_create");
    *before = mem_usage();
    for (int i = 0; i < opt.rss_n; i++)
        lucet_check(lucet_region_new_instance(region, lu.module, &insts[i]),
                    "lucet_region_new_instance");
    *after = mem_usage();
    for (int i = 0; i < opt.rss_n; i++)
        lucet_instance_release(insts[i]);
    lucet_region_release(region);
    free(insts);
}

static void lucet_check_fault(void)
{
    enum lucet_trapcode_type code;
    bool fatal;

    if (lucet_instance_run(lu.inst, "load32", 1,
                           (struct lucet_val[]){ LUCET_VAL_I32(FAULT_OFFSET) }) !=
        lucet_error_runtime_fault)
        die("liblucet load32(%d) did not fault", FAULT_OFFSET);
    lucet_check(lucet_instance_fault_trapcode(lu.inst, &code), "lucet_instance_fault_trapcode");
    lucet_check(lucet_instance_fault_is_fatal(lu.inst, &fatal), "lucet_instance_fault_is_fatal");
    if (code != lucet_trapcode_type_heap_out_of_bounds || fatal)
        die("liblucet fault is not a non-fatal heap_out_of_bounds");
}

/* ---- Wasmtime -------------------------------------------------------------- */

struct wt_engine {
    wasm_engine_t *engine;
    wasmtime_module_t *module;
};

static struct {
    struct wt_engine plain, pooling;
    wasmtime_store_t *store; /* for the run and fault loops */
    wasmtime_context_t *ctx;
    wasmtime_instance_t inst;
    wasmtime_func_t add, load32;
} wt;

static void wt_engine_init(struct wt_engine *e, bool pooling)
{
    wasm_config_t *config = wasm_config_new();
    wasm_byte_vec_t wasm;

    if (config == NULL)
        die("wasm_config_new failed");
    if (pooling) {
        wasmtime_pooling_allocation_config_t *pool = wasmtime_pooling_allocation_config_new();
        /* Room for the RSS metric's instances plus the few the other loops hold. */
        uint32_t total = (uint32_t)opt.rss_n + 16;

        wasmtime_pooling_allocation_config_total_core_instances_set(pool, total);
        wasmtime_pooling_allocation_config_total_memories_set(pool, total);
        wasmtime_pooling_allocation_config_total_tables_set(pool, total);
        wasmtime_pooling_allocation_config_total_gc_heaps_set(pool, total);
        wasmtime_pooling_allocation_strategy_set(config, pool);
        wasmtime_pooling_allocation_config_delete(pool);
    }
    e->engine = wasm_engine_new_with_config(config);
    if (e->engine == NULL)
        die("wasm_engine_new_with_config failed%s", pooling ? " (pooling allocator)" : "");
    wasmtime_check(wasmtime_wat2wasm(guest_wat, sizeof guest_wat - 1, &wasm), NULL,
                   "wasmtime_wat2wasm");
    wasmtime_check(
        wasmtime_module_new(e->engine, (const uint8_t *)wasm.data, wasm.size, &e->module), NULL,
        "wasmtime_module_new");
    wasm_byte_vec_delete(&wasm);
}

static wasmtime_func_t wt_export_func(wasmtime_context_t *ctx, const wasmtime_instance_t *inst,
                                      const char *name)
{
    wasmtime_extern_t ext;

    if (!wasmtime_instance_export_get(ctx, inst, name, strlen(name), &ext) ||
        ext.kind != WASMTIME_EXTERN_FUNC)
        die("wasmtime instance has no function export %s", name);
    return ext.of.func;
}

static void wasmtime_setup(void)
{
    wasm_trap_t *trap = NULL;
    wasmtime_val_t args[2] = { { .kind = WASMTIME_I32, .of.i32 = 40 },
                               { .kind = WASMTIME_I32, .of.i32 = 2 } };
    wasmtime_val_t result;

    wt_engine_init(&wt.plain, false);
    wt_engine_init(&wt.pooling, true);

    wt.store = wasmtime_store_new(wt.plain.engine, NULL, NULL);
    wt.ctx = wasmtime_store_context(wt.store);
    wasmtime_check(wasmtime_instance_new(wt.ctx, wt.plain.module, NULL, 0, &wt.inst, &trap), trap,
                   "wasmtime_instance_new");
    wt.add = wt_export_func(wt.ctx, &wt.inst, "add");
    wt.load32 = wt_export_func(wt.ctx, &wt.inst, "load32");

    /* Check that the module is what it claims before timing it. */
    wasmtime_check(wasmtime_func_call(wt.ctx, &wt.add, args, 2, &result, 1, &trap), trap,
                   "wasmtime_func_call(add)");
    if (result.kind != WASMTIME_I32 || result.of.i32 != 42)
        die("wasmtime add(40, 2) did not return 42");
    args[0].of.i32 = 0;
    wasmtime_check(wasmtime_func_call(wt.ctx, &wt.load32, args, 1, &result, 1, &trap), trap,
                   "wasmtime_func_call(load32)");
    if (result.kind != WASMTIME_I32 || result.of.i32 != DATA_WORD0)
        die("wasmtime memory does not hold the data segment");
}

static void loop_wasmtime_call(void *ctx, uint64_t n)
{
    wasmtime_val_t args[2] = { { .kind = WASMTIME_I32, .of.i32 = 1 },
                               { .kind = WASMTIME_I32, .of.i32 = 2 } };
    wasmtime_val_t result;
    wasm_trap_t *trap = NULL;

    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        args[0].of.i32 = (int32_t)i;
        if (wasmtime_func_call(wt.ctx, &wt.add, args, 2, &result, 1, &trap) != NULL ||
            trap != NULL)
            die("wasmtime_func_call(add) failed");
    }
    if (result.of.i32 != (int32_t)((uint32_t)(n - 1) + 2))
        die("wasmtime add returned a wrong sum");
}

static void loop_wasmtime_lookup_call(void *ctx, uint64_t n)
{
    wasmtime_val_t args[2] = { { .kind = WASMTIME_I32, .of.i32 = 1 },
                               { .kind = WASMTIME_I32, .of.i32 = 2 } };
    wasmtime_val_t result;
    wasm_trap_t *trap = NULL;
    wasmtime_extern_t ext;

    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        args[0].of.i32 = (int32_t)i;
        if (!wasmtime_instance_export_get(wt.ctx, &wt.inst, "add", 3, &ext) ||
            ext.kind != WASMTIME_EXTERN_FUNC)
            die("wasmtime_instance_export_get(add) failed");
        if (wasmtime_func_call(wt.ctx, &ext.of.func, args, 2, &result, 1, &trap) != NULL ||
            trap != NULL)
            die("wasmtime_func_call(add) failed");
        wasmtime_extern_delete(&ext);
    }
    if (result.of.i32 != (int32_t)((uint32_t)(n - 1) + 2))
        die("wasmtime add returned a wrong sum");
}

/* Raw values, no type check: the cheapest call the C API offers, for context. */
static void loop_wasmtime_call_unchecked(void *ctx, uint64_t n)
{
    wasmtime_val_raw_t vals[2];
    wasm_trap_t *trap = NULL;

    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        vals[0].i32 = (int32_t)i;
        vals[1].i32 = 2;
        if (wasmtime_func_call_unchecked(wt.ctx, &wt.add, vals, 2, &trap) != NULL || trap != NULL)
            die("wasmtime_func_call_unchecked(add) failed");
        if (vals[0].i32 != (int32_t)((uint32_t)i + 2))
            die("wasmtime add returned a wrong sum");
    }
}

static void loop_wasmtime_instantiate(void *ctx, uint64_t n)
{
    struct wt_engine *e = ctx;
    wasmtime_instance_t inst;
    wasm_trap_t *trap = NULL;

    for (uint64_t i = 0; i < n; i++) {
        wasmtime_store_t *store = wasmtime_store_new(e->engine, NULL, NULL);

        wasmtime_check(wasmtime_instance_new(wasmtime_store_context(store), e->module, NULL, 0,
                                             &inst, &trap),
                       trap, "wasmtime_instance_new");
        wasmtime_store_delete(store);
    }
}

static void loop_wasmtime_fault(void *ctx, uint64_t n)
{
    wasmtime_val_t arg = { .kind = WASMTIME_I32, .of.i32 = FAULT_OFFSET };
    wasmtime_val_t result;

    (void)ctx;
    for (uint64_t i = 0; i < n; i++) {
        wasm_trap_t *trap = NULL;

        if (wasmtime_func_call(wt.ctx, &wt.load32, &arg, 1, &result, 1, &trap) != NULL ||
            trap == NULL)
            die("wasmtime load32 did not trap");
        wasm_trap_delete(trap);
    }
}

static void wasmtime_check_fault(void)
{
    wasmtime_val_t arg = { .kind = WASMTIME_I32, .of.i32 = FAULT_OFFSET };
    wasmtime_val_t result;
    wasm_trap_t *trap = NULL;
    wasmtime_trap_code_t code;

    if (wasmtime_func_call(wt.ctx, &wt.load32, &arg, 1, &result, 1, &trap) != NULL || trap == NULL)
        die("wasmtime load32(%d) did not trap", FAULT_OFFSET);
    if (!wasmtime_trap_code(trap, &code) || code != WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS)
        die("wasmtime trap is not memory out of bounds");
    wasm_trap_delete(trap);
}

/* Instantiates once so that lazily built per-module and per-engine state is not counted. */
static void wasmtime_warm(struct wt_engine *e)
{
    loop_wasmtime_instantiate(e, 1);
}

static void wasmtime_rss(struct wt_engine *e, bool one_store, struct mem_usage *before,
                         struct mem_usage *after)
{
    wasmtime_store_t **stores = calloc((size_t)opt.rss_n, sizeof *stores);
    wasmtime_instance_t inst;
    wasm_trap_t *trap = NULL;
    int nstores = one_store ? 1 : opt.rss_n;

    if (stores == NULL)
        die("out of memory");
    wasmtime_warm(e);
    *before = mem_usage();
    for (int i = 0; i < opt.rss_n; i++) {
        wasmtime_store_t *store;

        if (one_store && i > 0) {
            store = stores[0];
        } else {
            store = wasmtime_store_new(e->engine, NULL, NULL);
            stores[i] = store;
        }
        wasmtime_check(wasmtime_instance_new(wasmtime_store_context(store), e->module, NULL, 0,
                                             &inst, &trap),
                       trap, "wasmtime_instance_new");
    }
    *after = mem_usage();
    for (int i = 0; i < nstores; i++)
        wasmtime_store_delete(stores[i]);
    free(stores);
}

/* ---- RSS, each row in a fresh process ----------------------------------- */

/*
 * Memory freed by one measurement stays in the allocator's free lists and
 * would make the next one look smaller, so each RSS row is measured by a
 * fresh copy of this program (--rss-child=KIND) that sets up only what the
 * row needs and writes its before and after figures to a pipe.
 */
static const struct {
    const char *kind;
    enum row_id row;
} rss_kinds[] = {
    { "lucet", ROW_RSS_LUCET },
    { "wasmtime", ROW_RSS_WASMTIME },
    { "wasmtime-one-store", ROW_RSS_WASMTIME_ONE_STORE },
    { "wasmtime-pooling", ROW_RSS_WASMTIME_POOL },
};

static int rss_child_main(void)
{
    struct mem_usage before, after;

    if (strcmp(opt.rss_child, "lucet") == 0) {
        lucet_setup();
        lucet_rss(&before, &after);
    } else if (strcmp(opt.rss_child, "wasmtime") == 0 ||
               strcmp(opt.rss_child, "wasmtime-one-store") == 0) {
        wt_engine_init(&wt.plain, false);
        wasmtime_rss(&wt.plain, strcmp(opt.rss_child, "wasmtime-one-store") == 0, &before, &after);
    } else if (strcmp(opt.rss_child, "wasmtime-pooling") == 0) {
        wt_engine_init(&wt.pooling, true);
        wasmtime_rss(&wt.pooling, false, &before, &after);
    } else {
        die("unknown --rss-child=%s", opt.rss_child);
    }
    printf("%.1f %.1f %.1f %.1f\n", before.rss, before.page_tables, after.rss, after.page_tables);
    return 0;
}

extern char **environ;

static void rss_in_child(const char *kind, enum row_id r)
{
    char kind_arg[64], n_arg[32];
    char *args[] = { "lucet_vs_wasmtime", kind_arg, n_arg, (char *)opt.guest_path, NULL };
    struct mem_usage before, after;
    posix_spawn_file_actions_t actions;
    int fds[2], status, err;
    pid_t pid;
    FILE *in;

    snprintf(kind_arg, sizeof kind_arg, "--rss-child=%s", kind);
    snprintf(n_arg, sizeof n_arg, "--rss-n=%d", opt.rss_n);
    if (pipe(fds) != 0)
        die("pipe: %s", strerror(errno));
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    err = posix_spawn(&pid, "/proc/self/exe", &actions, NULL, args, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0)
        die("cannot start the RSS measurement for %s: %s", kind, strerror(err));
    close(fds[1]);
    in = fdopen(fds[0], "r");
    if (in == NULL || fscanf(in, "%lf %lf %lf %lf", &before.rss, &before.page_tables, &after.rss,
                             &after.page_tables) != 4)
        die("the RSS measurement for %s printed no result", kind);
    fclose(in);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("the RSS measurement for %s failed", kind);
    record_rss(r, before, after, opt.rss_n);
}

/* ---- The floor of a fault round trip ----------------------------------- */

/*
 * A fault that no runtime sees: bench_floor_load reads through its pointer,
 * and floor_handler, installed only while this row runs, resumes it at the
 * following `ret`. It shows what the kernel's signal delivery and sigreturn
 * cost on this machine, which both runtimes pay on every fault.
 */
__attribute__((visibility("hidden"))) int32_t bench_floor_load(const void *p);
__attribute__((visibility("hidden"))) extern const char bench_floor_resume[];
__asm__(".text\n"
        ".globl bench_floor_load\n"
        ".hidden bench_floor_load\n"
        ".globl bench_floor_resume\n"
        ".hidden bench_floor_resume\n"
        ".type bench_floor_load, @function\n"
        ".p2align 4\n"
        "bench_floor_load:\n"
        "    movl (%rdi), %eax\n"
        "bench_floor_resume:\n"
        "    ret\n"
        ".size bench_floor_load, .-bench_floor_load\n");

static void floor_handler(int signum, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;

    (void)signum;
    (void)info;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)bench_floor_resume;
}

static void loop_fault_floor(void *ctx, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        bench_floor_load(ctx);
}

static void measure_fault_floor(void)
{
    struct sigaction action, previous;
    void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (page == MAP_FAILED)
        die("mmap: %s", strerror(errno));
    /* The same flags and mask as the runtimes' handlers. */
    memset(&action, 0, sizeof action);
    action.sa_sigaction = floor_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGBUS);
    sigaddset(&action.sa_mask, SIGFPE);
    sigaddset(&action.sa_mask, SIGILL);
    if (sigaction(SIGSEGV, &action, &previous) != 0)
        die("sigaction: %s", strerror(errno));
    measure(ROW_FAULT_FLOOR, loop_fault_floor, page);
    if (sigaction(SIGSEGV, &previous, NULL) != 0)
        die("sigaction: %s", strerror(errno));
    munmap(page, 4096);
}

/* ---- Report ---------------------------------------------------------------- */

static void print_table(void)
{
    static const char rule[] = "--------------------------------------------------------------"
                               "--------------------------------------------------";
    const char *last_metric = "";

    printf("\n%-6s %-8s %-48s %11s %11s %4s %14s\n", "metric", "runtime", "what", "best",
           "median", "unit", "iters x reps");
    for (int i = 0; i < ROW_COUNT; i++) {
        const struct row *r = &rows[i];
        char count[32];

        if (!r->done)
            continue;
        if (strcmp(r->metric, last_metric) != 0)
            printf("%s\n", rule);
        last_metric = r->metric;
        if (strcmp(r->metric, "rss") == 0) {
            /* One measurement: RSS in the first column, page tables in the second. */
            snprintf(count, sizeof count, "N = %" PRIu64, r->iters);
            printf("%-6s %-8s %-48s %11.2f %11s %4s %14s\n", r->metric, r->runtime, r->what,
                   r->best, "", r->unit, count);
            continue;
        }
        snprintf(count, sizeof count, "%" PRIu64 " x %d", r->iters, r->reps);
        printf("%-6s %-8s %-48s %11.2f %11.2f %4s %14s\n", r->metric, r->runtime, r->what,
               r->best / r->scale, r->median / r->scale, r->unit, count);
    }
    for (int i = ROW_RSS_LUCET; i <= ROW_RSS_WASMTIME_POOL; i++) {
        if (rows[i].done)
            printf("%s%s %s: page tables %.2f KiB per instance (not part of RSS)\n",
                   i == ROW_RSS_LUCET || !rows[ROW_RSS_LUCET].done ? "\n" : "", rows[i].runtime,
                   rows[i].what, rows[i].page_tables);
    }
    printf("\n");
}

static void print_ratio(const char *name, enum row_id lucet, enum row_id wasmtime, const char *note)
{
    const struct row *a = &rows[lucet], *b = &rows[wasmtime];

    if (!a->done || !b->done)
        return;
    printf("%s: liblucet %.2f %s, wasmtime %.2f %s, ratio %.2f%s\n", name, a->best / a->scale,
           a->unit, b->best / b->scale, b->unit, a->best / b->best, note);
}

static void print_ratios(void)
{
    const struct row *fl = &rows[ROW_FAULT_LUCET], *fw = &rows[ROW_FAULT_WASMTIME];
    const struct row *floor = &rows[ROW_FAULT_FLOOR];
    char fault_note[96] = "";

    if (fl->done && fw->done)
        snprintf(fault_note, sizeof fault_note, " (target <= 0.20: %s)",
                 fl->best <= 0.2 * fw->best ? "met" : "NOT met");
    printf("ratio = liblucet / wasmtime, from the best repetition; below 1 favours liblucet\n");
    print_ratio("run_trivial_export", ROW_RUN_LUCET, ROW_RUN_WASMTIME,
                " (wasmtime looks the export up once, outside the loop)");
    print_ratio("run_trivial_export_lookup_in_loop", ROW_RUN_LUCET, ROW_RUN_WASMTIME_LOOKUP,
                " (wasmtime looks the export up by name on every call)");
    print_ratio("run_trivial_export_vs_unchecked", ROW_RUN_LUCET, ROW_RUN_WASMTIME_UNCHECKED,
                " (wasmtime's unchecked call: raw values, no type check, looked up once)");
    print_ratio("run_by_index_vs_unchecked", ROW_RUN_LUCET_INDEX, ROW_RUN_WASMTIME_UNCHECKED,
                " (liblucet by table index, wasmtime unchecked: neither looks up a name)");
    print_ratio("instantiate_release", ROW_INST_LUCET, ROW_INST_WASMTIME, "");
    print_ratio("instantiate_release_pooling", ROW_INST_LUCET, ROW_INST_WASMTIME_POOL,
                " (wasmtime with its pooling allocator)");
    print_ratio("rss_per_idle_instance", ROW_RSS_LUCET, ROW_RSS_WASMTIME,
                " (wasmtime: one store per instance)");
    print_ratio("rss_per_idle_instance_one_store", ROW_RSS_LUCET, ROW_RSS_WASMTIME_ONE_STORE,
                " (wasmtime: all instances in one store)");
    print_ratio("rss_per_idle_instance_pooling", ROW_RSS_LUCET, ROW_RSS_WASMTIME_POOL,
                " (wasmtime: pooling allocator, one store per instance)");
    print_ratio("fault_round_trip", ROW_FAULT_LUCET, ROW_FAULT_WASMTIME, fault_note);
    if (floor->done && fl->done && fw->done)
        printf("fault_round_trip_above_floor: liblucet %.2f ns, wasmtime %.2f ns, ratio %.2f "
               "(each minus the %.2f ns of a bare signal round trip)\n",
               fl->best - floor->best, fw->best - floor->best,
               (fl->best - floor->best) / (fw->best - floor->best), floor->best);
}

/* The main thread's sigaltstack: at start, after liblucet's set-up, after Wasmtime's. */
static char altstacks[3][96] = { "", "(not set up)", "(not set up)" };

static void print_environment(void)
{
    struct utsname u;
    char cpu[128] = "unknown", line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");

    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) == 0) {
            char *colon = strchr(line, ':');

            if (colon != NULL) {
                snprintf(cpu, sizeof cpu, "%s", colon + 2);
                cpu[strcspn(cpu, "\n")] = 0;
            }
            break;
        }
    }
    if (f != NULL)
        fclose(f);
    uname(&u);
    printf("liblucet vs Wasmtime %s (C API, default config unless noted)\n", WASMTIME_VERSION);
    printf("machine: %s, %ld online CPUs, Linux %s\n", cpu, sysconf(_SC_NPROCESSORS_ONLN),
           u.release);
    printf("liblucet guest: %s\n", opt.guest_path);
    if (opt.lucet && opt.wasmtime)
        printf("fault handler that sees a fault first: %s (the other chains behind it)\n",
               opt.lucet_handler_first ? "liblucet's" : "Wasmtime's");
    printf("main thread sigaltstack: at start %s; after liblucet set-up %s; after Wasmtime "
           "set-up %s\n", altstacks[0], altstacks[1], altstacks[2]);
}

int main(int argc, char **argv)
{
    pthread_t thread;

    parse_args(argc, argv);
    if (opt.rss_child != NULL)
        return rss_child_main();
    setvbuf(stdout, NULL, _IOLBF, 0);

    /*
     * Each runtime installs its fault handler when first set up (liblucet at
     * region creation, Wasmtime at engine creation) and chains faults that
     * are not its own to the handler it replaced, so the one set up last sees
     * every fault first. Only the runtimes asked for are set up.
     */
    describe_altstack(altstacks[0], sizeof altstacks[0]);
    for (int step = 0; step < 2; step++) {
        bool lucet_now = (step == 0) != opt.lucet_handler_first;

        if (lucet_now && opt.lucet) {
            lucet_setup();
            describe_altstack(altstacks[1], sizeof altstacks[1]);
        } else if (!lucet_now && opt.wasmtime) {
            wasmtime_setup();
            describe_altstack(altstacks[2], sizeof altstacks[2]);
        }
    }
    print_environment();

    if (opt.do_rss) {
        printf("\nMemory per idle instance, N = %d, each row in a fresh process:\n", opt.rss_n);
        for (size_t i = 0; i < sizeof rss_kinds / sizeof rss_kinds[0]; i++) {
            bool is_lucet = rss_kinds[i].row == ROW_RSS_LUCET;

            if (is_lucet ? opt.lucet : opt.wasmtime)
                rss_in_child(rss_kinds[i].kind, rss_kinds[i].row);
        }
    }

    if (opt.do_run) {
        printf("\nRunning a trivial export (i32 add):\n");
        if (opt.lucet) {
            measure(ROW_RUN_LUCET, loop_lucet_run, lu.inst);
            measure(ROW_RUN_LUCET_INDEX, loop_lucet_run_index, lu.inst);
            measure(ROW_RUN_LUCET_STATE, loop_lucet_run_state, lu.inst);
            if (pthread_create(&thread, NULL, thread_lucet_run_noalt, NULL) != 0 ||
                pthread_join(thread, NULL) != 0)
                die("cannot run the thread without a sigaltstack");
        }
        if (opt.wasmtime) {
            measure(ROW_RUN_WASMTIME, loop_wasmtime_call, NULL);
            measure(ROW_RUN_WASMTIME_LOOKUP, loop_wasmtime_lookup_call, NULL);
            measure(ROW_RUN_WASMTIME_UNCHECKED, loop_wasmtime_call_unchecked, NULL);
        }
    }

    if (opt.do_inst) {
        printf("\nInstantiate + release:\n");
        if (opt.lucet)
            measure(ROW_INST_LUCET, loop_lucet_instantiate, NULL);
        if (opt.wasmtime) {
            measure(ROW_INST_WASMTIME, loop_wasmtime_instantiate, &wt.plain);
            measure(ROW_INST_WASMTIME_POOL, loop_wasmtime_instantiate, &wt.pooling);
        }
    }

    if (opt.do_fault) {
        printf("\nFault round trip (i32 load at heap offset %d, just past a 64 KiB heap):\n",
               FAULT_OFFSET);
        if (opt.lucet) {
            lucet_check_fault();
            measure(ROW_FAULT_LUCET, loop_lucet_fault, lu.inst);
        }
        if (opt.wasmtime) {
            wasmtime_check_fault();
            measure(ROW_FAULT_WASMTIME, loop_wasmtime_fault, NULL);
        }
        measure_fault_floor();
    }

    print_table();
    print_ratios();

    if (opt.lucet) {
        lucet_instance_release(lu.inst);
        lucet_region_release(lu.region);
        lucet_dl_module_release(lu.module);
    }
    if (opt.wasmtime) {
        wasmtime_store_delete(wt.store);
        wasmtime_module_delete(wt.plain.module);
        wasmtime_module_delete(wt.pooling.module);
        wasm_engine_delete(wt.plain.engine);
        wasm_engine_delete(wt.pooling.engine);
    }
    return 0;
}
