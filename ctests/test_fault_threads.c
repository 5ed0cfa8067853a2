/*
 * test_fault_threads.c: faults on many threads at once.
 *
 * The handler finds the faulting instance through a thread-local, so
 * threads faulting at the same moment must each see only their own fault:
 * its own kind, its own instance's addresses. Several threads fault in a
 * loop, each in its own way (two of them the same way in different
 * instances), while another thread runs guests that return normally and
 * checks every result.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>

#include "ctest.h"

#define HEAP_LEN 0x10000u
#define HEAP_ADDRESS_SPACE (8ull << 30)
#define ITERATIONS 5000

static struct lucet_dl_module *mem_module, *trap_module, *stack_module;
static struct lucet_region *region;
static pthread_barrier_t start;

/* One thread's work and findings; only the thread writes it until joined. */
struct worker {
    const char *name;
    void (*step)(struct worker *w, int i);
    struct lucet_dl_module **module;
    struct lucet_instance *inst;
    uintptr_t label; /* the faulting instruction, for the faulting kinds */
    int failures;
    char first_failure[256];
};

static void fail(struct worker *w, int i, const char *what, uint64_t got, uint64_t want)
{
    if (w->failures++ == 0)
        snprintf(w->first_failure, sizeof w->first_failure,
                 "iteration %d: %s is %#llx, want %#llx", i, what, (unsigned long long)got,
                 (unsigned long long)want);
}

#define EXPECT(w, i, what, got, want)                                                      \
    do {                                                                                   \
        uint64_t got_ = (uint64_t)(got), want_ = (uint64_t)(want);                         \
        if (got_ != want_)                                                                 \
            fail(w, i, what, got_, want_);                                                 \
    } while (0)

/* Checks the worker's last run faulted non-fatally with code, at pc and addr. */
static void expect_fault(struct worker *w, int i, enum lucet_error err,
                         enum lucet_trapcode_type want_code, uintptr_t want_pc,
                         uintptr_t want_addr)
{
    enum lucet_trapcode_type code = lucet_trapcode_type_unknown;
    bool fatal = true;
    uintptr_t pc = 0, addr = 0;

    EXPECT(w, i, "run error", err, lucet_error_runtime_fault);
    lucet_instance_fault_trapcode(w->inst, &code);
    lucet_instance_fault_is_fatal(w->inst, &fatal);
    lucet_instance_fault_pc(w->inst, &pc);
    lucet_instance_fault_address(w->inst, &addr);
    EXPECT(w, i, "trap code", code, want_code);
    EXPECT(w, i, "fatal", fatal, false);
    if (want_pc != 0)
        EXPECT(w, i, "pc", pc, want_pc);
    EXPECT(w, i, "address", addr, want_addr);
}

static uint64_t returned(struct lucet_instance *inst)
{
    struct lucet_state state;
    uint64_t v = UINT64_MAX;

    if (lucet_instance_state(inst, &state) == lucet_error_ok) {
        if (state.tag == lucet_state_tag_returned)
            v = LUCET_UNTYPED_RETVAL_TO_U64(state.val.returned);
        lucet_state_release(&state);
    }
    return v;
}

/* Reads past the heap, at an offset that changes every time. */
static void heap_step(struct worker *w, int i)
{
    uint32_t offset = HEAP_LEN + (uint32_t)i * 4096u + 17u;
    struct lucet_val args[] = { LUCET_VAL_U32(offset), LUCET_VAL_U32(0) };
    enum lucet_error err = lucet_instance_run(w->inst, "fm_load8", 2, args);

    expect_fault(w, i, err, lucet_trapcode_type_heap_out_of_bounds, w->label,
                 (uintptr_t)lucet_instance_heap(w->inst) + offset);
}

/* Divides by zero, or INT64_MIN by -1, in turn. */
static void divide_step(struct worker *w, int i)
{
    bool zero = i % 2 == 0;
    struct lucet_val args[] = { LUCET_VAL_I64(zero ? 1 : INT64_MIN), LUCET_VAL_I64(zero ? 0 : -1) };
    enum lucet_error err = lucet_instance_run(w->inst, "ft_idiv64_reg", 2, args);

    expect_fault(w, i, err,
                 zero ? lucet_trapcode_type_integer_div_by_zero
                      : lucet_trapcode_type_integer_overflow,
                 w->label, 0);
}

/* Hits each trap site of ft_trap_select in turn. */
static void trap_step(struct worker *w, int i)
{
    static const enum lucet_trapcode_type codes[] = {
        lucet_trapcode_type_bad_signature, lucet_trapcode_type_table_out_of_bounds,
        lucet_trapcode_type_unreachable,   lucet_trapcode_type_user,
        lucet_trapcode_type_indirect_call_to_null,
    };
    int which = i % 5;
    enum lucet_error err = lucet_instance_run(w->inst, "ft_trap_select", 1,
                                              (struct lucet_val[]){ LUCET_VAL_I32(which) });

    expect_fault(w, i, err, codes[which], 0, 0);
}

/* Overflows the stack, into its own guard page. */
static void stack_step(struct worker *w, int i)
{
    enum lucet_error err = lucet_instance_run(w->inst, "fs_recurse", 1,
                                              (struct lucet_val[]){ LUCET_VAL_I32(1 << 30) });
    uintptr_t guard = (uintptr_t)lucet_instance_heap(w->inst) + HEAP_ADDRESS_SPACE;
    uintptr_t addr = 0;
    enum lucet_trapcode_type code = lucet_trapcode_type_unknown;

    EXPECT(w, i, "run error", err, lucet_error_runtime_fault);
    lucet_instance_fault_trapcode(w->inst, &code);
    lucet_instance_fault_address(w->inst, &addr);
    EXPECT(w, i, "trap code", code, lucet_trapcode_type_stack_overflow);
    EXPECT(w, i, "address in own guard page", addr >= guard && addr < guard + 4096, true);
}

/* No faults: recursion within the stack and divisions, results checked. */
static void normal_step(struct worker *w, int i)
{
    int32_t depth = 100 + i % 50;
    int64_t sum = 0;

    for (int32_t k = 1; k <= depth; k++)
        sum += k & 0xff;
    EXPECT(w, i, "recursion error",
           lucet_instance_run(w->inst, "fs_recurse", 1,
                              (struct lucet_val[]){ LUCET_VAL_I32(depth) }),
           lucet_error_ok);
    EXPECT(w, i, "recursion result", returned(w->inst), sum);
}

/* The second instance of the normal thread divides; kept apart for clarity. */
static struct lucet_instance *normal_divider;

static void normal_divide_step(struct worker *w, int i)
{
    struct lucet_val args[] = { LUCET_VAL_I32(i * 7 + 3), LUCET_VAL_I32(7) };

    normal_step(w, i);
    EXPECT(w, i, "division error", lucet_instance_run(normal_divider, "ft_idiv32_reg", 2, args),
           lucet_error_ok);
    EXPECT(w, i, "division result", returned(normal_divider), i);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    pthread_barrier_wait(&start);
    for (int i = 0; i < ITERATIONS; i++)
        w->step(w, i);
    return NULL;
}

static void concurrent_faults(void)
{
    struct worker workers[] = {
        { .name = "heap A", .step = heap_step, .module = &mem_module },
        { .name = "heap B", .step = heap_step, .module = &mem_module },
        { .name = "divide", .step = divide_step, .module = &trap_module },
        { .name = "traps", .step = trap_step, .module = &trap_module },
        { .name = "stack", .step = stack_step, .module = &stack_module },
        { .name = "normal", .step = normal_divide_step, .module = &stack_module },
    };
    enum { COUNT = sizeof workers / sizeof workers[0] };
    pthread_t threads[COUNT];
    uintptr_t load_label = ctest_guest_label("fault_mem.so", "fm_load8_access");
    uintptr_t div_label = ctest_guest_label("fault_trap.so", "ft_idiv64_reg_div");

    CHECK(load_label != 0 && div_label != 0);
    CHECK_OK(lucet_region_new_instance(region, trap_module, &normal_divider));
    for (int t = 0; t < COUNT; t++) {
        CHECK_OK(lucet_region_new_instance(region, *workers[t].module, &workers[t].inst));
        workers[t].label = workers[t].step == heap_step     ? load_label
                           : workers[t].step == divide_step ? div_label
                                                            : 0;
    }
    if (ctest_case_failed)
        return;

    pthread_barrier_init(&start, NULL, COUNT);
    for (int t = 0; t < COUNT; t++)
        CHECK_EQ_INT(pthread_create(&threads[t], NULL, worker_main, &workers[t]), 0);
    for (int t = 0; t < COUNT; t++)
        pthread_join(threads[t], NULL);
    pthread_barrier_destroy(&start);

    for (int t = 0; t < COUNT; t++) {
        if (workers[t].failures > 0) {
            printf("    thread %s: %d failures; first: %s\n", workers[t].name, workers[t].failures,
                   workers[t].first_failure);
            ctest_case_failed = 1;
        }
        lucet_instance_release(workers[t].inst);
    }
    lucet_instance_release(normal_divider);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("fault_mem.so"), &mem_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_trap.so"), &trap_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_stack.so"), &stack_module) != lucet_error_ok ||
        lucet_mmap_region_create(8, NULL, &region) != lucet_error_ok) {
        printf("FAIL setting up: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(concurrent_faults);
    lucet_region_release(region);
    lucet_dl_module_release(mem_module);
    lucet_dl_module_release(trap_module);
    lucet_dl_module_release(stack_module);
    CTEST_EXIT();
}
