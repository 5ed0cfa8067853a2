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

static int32_t scan_stack(struct lucet_instance *inst)
{
    return (int32_t)ctest_run_gp(inst, "scan_stack", 0, NULL);
}

/* Leaves traces everywhere a core_mem instance can: all 16 pages of heap, globals, stack. */
static void soil(struct lucet_instance *inst)
{
    uint8_t *heap = lucet_instance_heap(inst);
    int64_t *g = lucet_instance_globals(inst);

    CHECK_EQ_INT((int32_t)ctest_run_gp(inst, "grow", 1,
                                       (struct lucet_val[]){ LUCET_VAL_I32(15) }),
                 1);
    ctest_run_gp(inst, "fill", 3,
                 (struct lucet_val[]){ LUCET_VAL_I32(0), LUCET_VAL_I32(8 * PAGE),
                                       LUCET_VAL_I32(0xa5) });
    memset(heap + 8 * PAGE, 0x5a, 8 * PAGE);
    for (int32_t i = 0; i < 5; i++)
        ctest_run_gp(inst, "set_global", 2,
                     (struct lucet_val[]){ LUCET_VAL_I32(i), LUCET_VAL_I64(-1) });
    g[0] = 0x1234;
    CHECK_EQ_INT((int32_t)ctest_run_gp(inst, "smear_stack", 1,
                                       (struct lucet_val[]){ LUCET_VAL_I32(0xcc) }),
                 0xcc);
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
    CHECK((int32_t)ctest_run_gp(inst, "smear_and_scan", 1,
                                (struct lucet_val[]){ LUCET_VAL_I32(0xcc) }) > 8192);
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_EQ_INT(scan_stack(inst), 0);
    lucet_instance_release(inst);
}

static void same_module_in_reused_slot(void)
{
    struct lucet_instance *first = NULL, *second = NULL;
    const uint8_t *first_heap;

    CHECK_OK(lucet_region_new_instance(region, mem_mod, &first));
    first_heap = lucet_instance_heap(first);
    soil(first);
    lucet_instance_release(first);

    CHECK_OK(lucet_region_new_instance(region, mem_mod, &second));
    /* Same slot, so the same heap address. */
    CHECK(lucet_instance_heap(second) == first_heap);
    CHECK_EQ_U64(lucet_instance_heap_len(second), PAGE);
    CHECK_EQ_INT((int32_t)ctest_run_gp(second, "current_memory", 0, NULL), 1);
    ctest_check_core_mem_heap(second);
    ctest_check_core_mem_globals(second);
    CHECK_EQ_INT(scan_stack(second), 0);
    /* The pages the first tenant grew into are closed to the second. */
    CHECK(!lucet_instance_check_heap(second, first_heap + PAGE, 1));
    CHECK(strcmp(ctest_page_protection(first_heap + PAGE), "") == 0);
    CHECK(strcmp(ctest_page_protection(first_heap + 15 * PAGE), "") == 0);
    /* Pages grown into again are zero, from the guest's view and the host's. */
    CHECK_EQ_INT((int32_t)ctest_run_gp(second, "grow", 1,
                                       (struct lucet_val[]){ LUCET_VAL_I32(15) }),
                 1);
    CHECK_EQ_INT((int32_t)ctest_run_gp(second, "count_nonzero", 2,
                                       (struct lucet_val[]){ LUCET_VAL_I32(PAGE),
                                                             LUCET_VAL_I32(15 * PAGE) }),
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
    CHECK_EQ_INT((int32_t)ctest_run_gp(second, "bump", 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }),
                 1);
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
