/*
 * test_stress.c: many instance lifetimes in one region leak neither slots
 * nor memory. 10,000 create/run/release cycles in a 4-slot region, each
 * checking its result (a fresh heap makes bump(x) answer x), leave room for
 * a full region's worth of instances, and the process's resident memory
 * grows by less than 2 MiB over them. Instances that grow and fill a 1 MiB
 * heap give their memory back on release.
 *
 * Guests: core_trivial.so, core_mem.so.
 */
#include "ctest.h"

#define CAPACITY 4
#define CYCLES 10000
#define WARMUP_CYCLES 20000
#define RSS_SLACK (2u << 20)

static struct lucet_dl_module *trivial_mod, *mem_mod;

/* One create/run/release cycle; returns false (having reported it) on any failure. */
static bool cycle(struct lucet_region *region, int i)
{
    struct lucet_instance *inst = NULL;
    struct lucet_state st;
    enum lucet_error err;
    int32_t x = i % 1000 + 1;

    err = lucet_region_new_instance(region, trivial_mod, &inst);
    if (err != lucet_error_ok) {
        printf("    cycle %d: new instance: %s (%s)\n", i, lucet_error_name(err),
               lucet_error_message());
        return false;
    }
    err = lucet_instance_run(inst, "bump", 1, (struct lucet_val[]){ LUCET_VAL_I32(x) });
    if (err != lucet_error_ok || lucet_instance_state(inst, &st) != lucet_error_ok) {
        printf("    cycle %d: run: %s (%s)\n", i, lucet_error_name(err), lucet_error_message());
        lucet_instance_release(inst);
        return false;
    }
    if (LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned) != x) {
        printf("    cycle %d: bump(%d) returned %d\n", i, x,
               LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned));
        lucet_instance_release(inst);
        return false;
    }
    lucet_state_release(&st);
    lucet_instance_release(inst);
    return true;
}

static void ten_thousand_cycles(void)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *insts[CAPACITY + 1];
    uint64_t before, after;
    long long start;
    int i;

    CHECK_OK(lucet_mmap_region_create(CAPACITY, NULL, &region));
    /*
     * Warm up. Each cycle leaves a few hundred bytes of garbage in the Go
     * runtime's heap, which grows to its first collection target (about
     * 4 MiB) before the collector keeps it steady, some 15,000 cycles in.
     * Growth up to there is not a leak; only growth after it is.
     */
    for (i = 0; i < WARMUP_CYCLES && cycle(region, i); i++)
        ;
    CHECK_EQ_INT(i, WARMUP_CYCLES);
    before = ctest_resident_bytes();
    CHECK(before > 0);

    start = ctest_now_ns();
    for (i = 0; i < CYCLES && cycle(region, i); i++)
        ;
    CHECK_EQ_INT(i, CYCLES);
    after = ctest_resident_bytes();
    printf("    %d cycles in %.2f s; resident %llu KiB before, %llu KiB after\n", CYCLES,
           (double)(ctest_now_ns() - start) / 1e9, (unsigned long long)(before >> 10),
           (unsigned long long)(after >> 10));
    CHECK(after < before + RSS_SLACK);

    /* Every slot came back. */
    for (i = 0; i < CAPACITY; i++)
        CHECK_OK(lucet_region_new_instance(region, trivial_mod, &insts[i]));
    CHECK_ERR(lucet_region_new_instance(region, trivial_mod, &insts[CAPACITY]),
              lucet_error_region_full);
    for (i = 0; i < CAPACITY; i++)
        lucet_instance_release(insts[i]);
    lucet_region_release(region);
}

/* Each instance commits 1 MiB of heap; release must give it back. */
static void released_heap_memory_is_returned(void)
{
    struct lucet_region *region = NULL;
    uint64_t before, after;

    CHECK_OK(lucet_mmap_region_create(CAPACITY, NULL, &region));
    before = ctest_resident_bytes();
    for (int round = 0; round < 50; round++) {
        struct lucet_instance *insts[CAPACITY];

        for (int i = 0; i < CAPACITY; i++) {
            insts[i] = NULL;
            CHECK_OK(lucet_region_new_instance(region, mem_mod, &insts[i]));
            if (insts[i] == NULL)
                continue;
            CHECK_OK(lucet_instance_grow_heap(insts[i], 15, NULL));
            memset(lucet_instance_heap(insts[i]), 0x77, 16 * LUCET_WASM_PAGE_SIZE);
        }
        for (int i = 0; i < CAPACITY; i++)
            lucet_instance_release(insts[i]);
    }
    after = ctest_resident_bytes();
    printf("    resident %llu KiB before, %llu KiB after\n", (unsigned long long)(before >> 10),
           (unsigned long long)(after >> 10));
    /* Kept pages would amount to CAPACITY MiB. */
    CHECK(after < before + RSS_SLACK);
    lucet_region_release(region);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("core_trivial.so"), &trivial_mod) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("core_mem.so"), &mem_mod) != lucet_error_ok) {
        printf("FAIL setup: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(ten_thousand_cycles);
    RUN_CASE(released_heap_memory_is_returned);
    lucet_dl_module_release(trivial_mod);
    lucet_dl_module_release(mem_mod);
    CTEST_EXIT();
}
