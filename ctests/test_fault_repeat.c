/*
 * test_fault_repeat.c: faulting over and over costs nothing that adds up.
 *
 * 100,000 faults in a loop, with the state read and released after each:
 * the resident memory stays flat (a leak of even a few bytes per fault, in
 * the handler's bookkeeping or in the strings lucet_instance_state
 * allocates, would show as megabytes) and the last faults are not slower
 * than the first (nothing piles up per fault either). The timing check is a
 * sanity bound, not a benchmark.
 */
#include <signal.h>

#include "ctest.h"

#define HEAP_LEN 0x10000u
#define FAULTS 100000
#define BLOCK 10000
#define WARMUP 2000
/* Resident growth allowed over the whole loop: 1 MiB, far below a leak's. */
#define RSS_SLACK_BYTES (1u << 20)
/* The last block may take this many times as long as the first, plus noise. */
#define SLOWDOWN_FACTOR 3
#define TIMING_NOISE_NS 20000000LL

static struct lucet_dl_module *mem_module, *trap_module;

/* One fault of three kinds in turn, checked, with its state read and released. */
static bool one_fault(struct lucet_instance *mem, struct lucet_instance *trap, int i)
{
    enum lucet_error err;
    enum lucet_trapcode_type want, code = lucet_trapcode_type_unknown;
    struct lucet_instance *inst;
    struct lucet_state state;
    bool ok;

    switch (i % 3) {
    case 0:
        inst = mem;
        want = lucet_trapcode_type_heap_out_of_bounds;
        err = lucet_instance_run(inst, "fm_load8", 2,
                                 (struct lucet_val[]){ LUCET_VAL_U32(HEAP_LEN + (uint32_t)i),
                                                       LUCET_VAL_U32(0) });
        break;
    case 1:
        inst = trap;
        want = lucet_trapcode_type_integer_div_by_zero;
        err = lucet_instance_run(inst, "ft_idiv32_reg", 2,
                                 (struct lucet_val[]){ LUCET_VAL_I32(i), LUCET_VAL_I32(0) });
        break;
    default:
        inst = trap;
        want = lucet_trapcode_type_unreachable;
        err = lucet_instance_run(inst, "ft_unreachable", 0, NULL);
        break;
    }
    if (err != lucet_error_runtime_fault || lucet_instance_state(inst, &state) != lucet_error_ok)
        return false;
    code = state.val.fault.trapcode.code;
    ok = state.tag == lucet_state_tag_fault && code == want &&
         state.val.fault.rip_addr_details.file_name != NULL;
    lucet_state_release(&state);
    return ok;
}

static void many_faults_flat_memory_and_time(void)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *mem = NULL, *trap = NULL;
    long rss_before, rss_after;
    long long block_ns[FAULTS / BLOCK];
    long long t0 = 0;
    int wrong = 0, first_wrong = -1;

    CHECK_OK(lucet_mmap_region_create(2, NULL, &region));
    CHECK_OK(lucet_region_new_instance(region, mem_module, &mem));
    CHECK_OK(lucet_region_new_instance(region, trap_module, &trap));
    if (ctest_case_failed)
        return;

    /* Warm up: touch every page the loop will use before measuring. */
    for (int i = 0; i < WARMUP; i++)
        if (!one_fault(mem, trap, i))
            wrong++;
    rss_before = (long)ctest_resident_bytes();

    for (int i = 0; i < FAULTS; i++) {
        if (i % BLOCK == 0)
            t0 = ctest_now_ns();
        if (!one_fault(mem, trap, i) && wrong++ == 0)
            first_wrong = i;
        if (i % BLOCK == BLOCK - 1)
            block_ns[i / BLOCK] = ctest_now_ns() - t0;
    }
    rss_after = (long)ctest_resident_bytes();

    if (wrong > 0) {
        printf("    %d faults were not reported as expected (first at %d)\n", wrong, first_wrong);
        ctest_case_failed = 1;
    }
    CHECK(rss_before > 0 && rss_after > 0);
    if (rss_after - rss_before > (long)RSS_SLACK_BYTES) {
        printf("    resident memory grew by %ld bytes over %d faults\n", rss_after - rss_before,
               FAULTS);
        ctest_case_failed = 1;
    }
    if (block_ns[FAULTS / BLOCK - 1] > SLOWDOWN_FACTOR * block_ns[0] + TIMING_NOISE_NS) {
        printf("    the last %d faults took %lld ns, the first %d took %lld ns\n", BLOCK,
               block_ns[FAULTS / BLOCK - 1], BLOCK, block_ns[0]);
        ctest_case_failed = 1;
    }
    lucet_instance_release(mem);
    lucet_instance_release(trap);
    lucet_region_release(region);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("fault_mem.so"), &mem_module) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("fault_trap.so"), &trap_module) != lucet_error_ok) {
        printf("FAIL setting up: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(many_faults_flat_memory_and_time);
    lucet_dl_module_release(mem_module);
    lucet_dl_module_release(trap_module);
    CTEST_EXIT();
}
