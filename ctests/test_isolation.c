/*
 * test_isolation.c: a slot keeps nothing of its previous tenant. In a
 * one-slot region (so the next instance must reuse the slot), an instance
 * writes its whole heap, its globals and its stack and grows its heap; the
 * next instance, of the same module or another, starts with the initial heap
 * size, the module's data and zeros elsewhere (also in pages it grows into
 * again), fresh globals and a clean stack.
 *
 * Guests: core_mem.so, core_trivial.so.
 */
#include "ctest.h"

#define PAGE LUCET_WASM_PAGE_SIZE

static struct lucet_dl_module *mem_mod, *trivial_mod;
static struct lucet_region *region; /* one slot */

static int64_t run_gp(struct lucet_instance *inst, const char *name, uintptr_t argc,
                      const struct lucet_val *argv)
{
    struct lucet_state st;
    enum lucet_error err = lucet_instance_run(inst, name, argc, argv);
    int64_t v;

    if (err != lucet_error_ok) {
        printf("    running %s: %s (%s)\n", name, lucet_error_name(err), lucet_error_message());
        ctest_case_failed = 1;
        return INT64_MIN;
    }
    CHECK_OK(lucet_instance_state(inst, &st));
    v = LUCET_UNTYPED_RETVAL_TO_I64(st.val.returned);
    lucet_state_release(&st);
    return v;
}

/* True when /proc/self/maps shows the page holding addr mapped with no access. */
static bool page_inaccessible(const void *addr)
{
    char line[512];
    bool found = false, none = false;
    FILE *f = fopen("/proc/self/maps", "r");

    if (f == NULL)
        return false;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        unsigned long start, end;
        char perms[8];

        if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 &&
            (uintptr_t)addr >= start && (uintptr_t)addr < end) {
            found = true;
            none = perms[0] == '-' && perms[1] == '-' && perms[2] == '-';
        }
    }
    fclose(f);
    return none;
}

static int32_t scan_stack(struct lucet_instance *inst)
{
    return (int32_t)run_gp(inst, "scan_stack", 0, NULL);
}

/* Leaves traces everywhere a core_mem instance can: all 16 pages of heap, globals, stack. */
static void soil(struct lucet_instance *inst)
{
    uint8_t *heap = lucet_instance_heap(inst);
    int64_t *g = lucet_instance_globals(inst);

    CHECK_EQ_INT((int32_t)run_gp(inst, "grow", 1, (struct lucet_val[]){ LUCET_VAL_I32(15) }), 1);
    run_gp(inst, "fill", 3,
           (struct lucet_val[]){ LUCET_VAL_I32(0), LUCET_VAL_I32(8 * PAGE), LUCET_VAL_I32(0xa5) });
    memset(heap + 8 * PAGE, 0x5a, 8 * PAGE);
    for (int32_t i = 0; i < 5; i++)
        run_gp(inst, "set_global", 2, (struct lucet_val[]){ LUCET_VAL_I32(i), LUCET_VAL_I64(-1) });
    g[0] = 0x1234;
    CHECK_EQ_INT((int32_t)run_gp(inst, "smear_stack", 1, (struct lucet_val[]){ LUCET_VAL_I32(0xcc) }),
                 0xcc);
}

/* Checks that the heap holds exactly core_mem's initial image. */
static void check_core_mem_initial_heap(struct lucet_instance *inst)
{
    static uint8_t want[PAGE];
    const uint8_t *heap = lucet_instance_heap(inst);

    memset(want, 0, sizeof want);
    memcpy(want, "core_mem page 0", 15);
    want[4095] = 0x5a;
    memcpy(want + 8192, "core_mem page 2", 15);
    want[8192 + 2048] = 0xc3;
    want[8192 + 4095] = 0x3c;
    memcpy(want + 0x8000, "started", 8);
    for (size_t i = 0; i < PAGE; i++)
        if (heap[i] != want[i]) {
            printf("    heap byte %#zx is %#x, want %#x\n", i, heap[i], want[i]);
            ctest_case_failed = 1;
            return;
        }
}

/*
 * Within one run the scan sees what a smear left, so a zero from scan_stack
 * means a clean stack, not a blind scan. A reset clears the stack too.
 */
static void stack_scan_detects_leftovers(void)
{
    struct lucet_instance *inst = NULL;

    CHECK_OK(lucet_region_new_instance(region, mem_mod, &inst));
    CHECK_EQ_INT(scan_stack(inst), 0);
    CHECK((int32_t)run_gp(inst, "smear_and_scan", 1, (struct lucet_val[]){ LUCET_VAL_I32(0xcc) }) >
          8192);
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_EQ_INT(scan_stack(inst), 0);
    lucet_instance_release(inst);
}

static void same_module_in_reused_slot(void)
{
    struct lucet_instance *first = NULL, *second = NULL;
    const uint8_t *first_heap;
    const int64_t *g;

    CHECK_OK(lucet_region_new_instance(region, mem_mod, &first));
    first_heap = lucet_instance_heap(first);
    soil(first);
    lucet_instance_release(first);

    CHECK_OK(lucet_region_new_instance(region, mem_mod, &second));
    /* Same slot, so the same heap address. */
    CHECK(lucet_instance_heap(second) == first_heap);
    CHECK_EQ_U64(lucet_instance_heap_len(second), PAGE);
    CHECK_EQ_INT((int32_t)run_gp(second, "current_memory", 0, NULL), 1);
    check_core_mem_initial_heap(second);
    g = lucet_instance_globals(second);
    CHECK_EQ_INT(g[0], 7);
    CHECK_EQ_U64(g[1], UINT64_C(0x0123456789abcdef));
    CHECK_EQ_U64(g[2], UINT64_C(0x4004000000000000));
    CHECK_EQ_INT(g[3], 101);
    CHECK_EQ_U64(g[4], UINT64_C(0xbfc00000));
    CHECK_EQ_INT(scan_stack(second), 0);
    /* The pages the first tenant grew into are closed to the second. */
    CHECK(!lucet_instance_check_heap(second, first_heap + PAGE, 1));
    CHECK(page_inaccessible(first_heap + PAGE));
    CHECK(page_inaccessible(first_heap + 15 * PAGE));
    /* Pages grown into again are zero, from the guest's view and the host's. */
    CHECK_EQ_INT((int32_t)run_gp(second, "grow", 1, (struct lucet_val[]){ LUCET_VAL_I32(15) }), 1);
    CHECK_EQ_INT((int32_t)run_gp(second, "count_nonzero", 2,
                                 (struct lucet_val[]){ LUCET_VAL_I32(PAGE), LUCET_VAL_I32(15 * PAGE) }),
                 0);
    lucet_instance_release(second);
}

static void other_module_in_reused_slot(void)
{
    struct lucet_instance *first = NULL, *second = NULL;
    const uint8_t *heap;
    size_t nonzero = 0;

    CHECK_OK(lucet_region_new_instance(region, mem_mod, &first));
    soil(first);
    heap = lucet_instance_heap(first);
    lucet_instance_release(first);

    CHECK_OK(lucet_region_new_instance(region, trivial_mod, &second));
    CHECK(lucet_instance_heap(second) == heap);
    CHECK_EQ_U64(lucet_instance_heap_len(second), PAGE);
    for (size_t i = 0; i < PAGE; i++)
        nonzero += heap[i] != 0;
    CHECK_EQ_INT(nonzero, 0);
    CHECK_EQ_INT((int32_t)run_gp(second, "bump", 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }), 1);
    CHECK_OK(lucet_instance_grow_heap(second, 15, NULL));
    nonzero = 0;
    for (size_t i = PAGE; i < 16 * PAGE; i++)
        nonzero += heap[i] != 0;
    CHECK_EQ_INT(nonzero, 0);
    lucet_instance_release(second);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("core_mem.so"), &mem_mod) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("core_trivial.so"), &trivial_mod) != lucet_error_ok ||
        lucet_mmap_region_create(1, NULL, &region) != lucet_error_ok) {
        printf("FAIL setup: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(stack_scan_detects_leftovers);
    RUN_CASE(same_module_in_reused_slot);
    RUN_CASE(other_module_in_reused_slot);
    lucet_region_release(region);
    lucet_dl_module_release(mem_mod);
    lucet_dl_module_release(trivial_mod);
    CTEST_EXIT();
}
