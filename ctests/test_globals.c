/*
 * test_globals.c: globals, the initial heap image and the start function.
 * Globals start from the module's descriptor (an i64, an f64 and an f32
 * stored as bits); guest and host read and write the same slots; the heap
 * starts as the module's data pages (a NULL page reads as zeros); the start
 * function's effects are visible right after creation; and a reset restores
 * all of it, running the start function once more on fresh globals.
 *
 * Guest: core_mem.so; its initial state is restated in ctest.h.
 */
#include "ctest.h"

#define PAGE LUCET_WASM_PAGE_SIZE

static struct lucet_dl_module *mod;
static struct lucet_region *region;

/* Checks that the heap is core_mem's first page as created, and no more. */
static void check_initial_heap(struct lucet_instance *inst)
{
    CHECK_EQ_U64(lucet_instance_heap_len(inst), PAGE);
    ctest_check_core_mem_heap(inst);
}

static int32_t run_i32(struct lucet_instance *inst, const char *name, uintptr_t argc,
                       const struct lucet_val *argv)
{
    struct lucet_untyped_retval rv = ctest_run_ok(inst, name, argc, argv);

    return LUCET_UNTYPED_RETVAL_TO_I32(rv);
}

static int64_t guest_get_global(struct lucet_instance *inst, int32_t index)
{
    struct lucet_untyped_retval rv =
        ctest_run_ok(inst, "get_global", 1, (struct lucet_val[]){ LUCET_VAL_I32(index) });

    return LUCET_UNTYPED_RETVAL_TO_I64(rv);
}

static void guest_set_global(struct lucet_instance *inst, int32_t index, int64_t value)
{
    ctest_run_ok(inst, "set_global", 2,
                 (struct lucet_val[]){ LUCET_VAL_I32(index), LUCET_VAL_I64(value) });
}

static void initial_globals_from_descriptor(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mod);
    const int64_t *g = lucet_instance_globals(inst);
    struct lucet_untyped_retval rv;
    double d;
    float f;
    uint32_t fbits;

    ctest_check_core_mem_globals(inst);
    /* The guest reads the same values through lucet_vmctx_get_globals. */
    for (size_t i = 0; i < CTEST_CORE_MEM_GLOBAL_COUNT; i++)
        CHECK_EQ_U64(guest_get_global(inst, (int32_t)i), ctest_core_mem_global(i));
    /* The f64 global holds the bits of 2.5, the f32 one those of -1.5f. */
    memcpy(&d, &g[2], sizeof d);
    CHECK(d == 2.5);
    rv = ctest_run_ok(inst, "get_global_f64", 1, (struct lucet_val[]){ LUCET_VAL_I32(2) });
    CHECK(LUCET_UNTYPED_RETVAL_TO_F64(rv) == 2.5);
    fbits = (uint32_t)g[4];
    memcpy(&f, &fbits, sizeof f);
    CHECK(f == -1.5f);
    lucet_instance_release(inst);
}

static void globals_shared_by_guest_and_host(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mod);
    int64_t *g = lucet_instance_globals(inst);

    guest_set_global(inst, 1, -42);
    CHECK_EQ_INT(g[1], -42);
    guest_set_global(inst, 4, INT64_MIN);
    CHECK_EQ_INT(g[4], INT64_MIN);

    g[0] = INT64_C(0x7fffffff00000001);
    CHECK_EQ_U64(guest_get_global(inst, 0), INT64_C(0x7fffffff00000001));
    g[2] = 0;
    CHECK_EQ_INT(guest_get_global(inst, 2), 0);
    /* Other globals are untouched. */
    CHECK_EQ_INT(g[3], 101);
    lucet_instance_release(inst);
}

static void initial_heap_from_data_pages(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mod);

    check_initial_heap(inst);
    /* The guest sees the same image. */
    CHECK_EQ_INT(run_i32(inst, "load_u8", 1, (struct lucet_val[]){ LUCET_VAL_I32(8192 + 2048) }),
                 0xc3);
    lucet_instance_release(inst);
}

static void start_function_effects_after_creation(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mod);
    const char *heap = (const char *)lucet_instance_heap(inst);

    CHECK(heap != NULL && strcmp(heap + 0x8000, "started") == 0);
    CHECK_EQ_INT(lucet_instance_globals(inst)[3], 101);
    lucet_instance_release(inst);
}

static void reset_restores_globals_heap_and_start_effects(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mod);
    int64_t *g = lucet_instance_globals(inst);
    uint8_t *heap = lucet_instance_heap(inst);

    /* Change every global, from both sides. */
    for (int32_t i = 0; i < (int32_t)CTEST_CORE_MEM_GLOBAL_COUNT; i++)
        guest_set_global(inst, i, 1000 + i);
    g[2] = -1;
    /* Change data bytes, the NULL page, the start function's mark and beyond. */
    ctest_run_ok(inst, "fill", 3,
                 (struct lucet_val[]){ LUCET_VAL_I32(0), LUCET_VAL_I32(PAGE),
                                       LUCET_VAL_I32(0x77) });
    heap[4095] = 0;
    heap[0x8000] = 'S';
    CHECK_EQ_INT(run_i32(inst, "count_nonzero", 2,
                         (struct lucet_val[]){ LUCET_VAL_I32(0), LUCET_VAL_I32(PAGE) }),
                 PAGE - 1);

    CHECK_OK(lucet_instance_reset(inst));
    /* Global 3 is 101 again, not 102: the start function ran on fresh globals. */
    ctest_check_core_mem_globals(inst);
    check_initial_heap(inst);
    /* The pointers stay valid across a reset. */
    CHECK(lucet_instance_globals(inst) == g);
    CHECK(lucet_instance_heap(inst) == heap);

    /* Clear the start function's effects, reset again: they come back. */
    guest_set_global(inst, 3, 0);
    ctest_run_ok(inst, "store_u8", 2,
                 (struct lucet_val[]){ LUCET_VAL_I32(0x8000), LUCET_VAL_I32(0) });
    CHECK_EQ_INT(heap[0x8000], 0);
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_EQ_INT(g[3], 101);
    CHECK(strcmp((const char *)heap + 0x8000, "started") == 0);
    check_initial_heap(inst);
    lucet_instance_release(inst);
}

/* Resetting after a grown heap restores the image too, grown pages gone. */
static void reset_after_growth_restores_image(void)
{
    struct lucet_instance *inst = ctest_new_instance(region, mod);

    CHECK_OK(lucet_instance_grow_heap(inst, 2, NULL));
    memset(lucet_instance_heap(inst), 0xab, 3 * PAGE);
    CHECK_OK(lucet_instance_reset(inst));
    check_initial_heap(inst);
    ctest_check_core_mem_globals(inst);
    lucet_instance_release(inst);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("core_mem.so"), &mod) != lucet_error_ok ||
        lucet_mmap_region_create(2, NULL, &region) != lucet_error_ok) {
        printf("FAIL setup: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(initial_globals_from_descriptor);
    RUN_CASE(globals_shared_by_guest_and_host);
    RUN_CASE(initial_heap_from_data_pages);
    RUN_CASE(start_function_effects_after_creation);
    RUN_CASE(reset_restores_globals_heap_and_start_effects);
    RUN_CASE(reset_after_growth_restores_image);
    lucet_region_release(region);
    lucet_dl_module_release(mod);
    CTEST_EXIT();
}
