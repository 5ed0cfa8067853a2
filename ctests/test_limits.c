/*
 * test_limits.c: region limits and capacity.
 *
 *   - lucet_mmap_region_create refuses a zero capacity, a limit that is not a
 *     multiple of 4096 (each of the four), a zero stack and heap memory larger
 *     than the heap address space, naming the limit in the message; and a
 *     region too large for the address space (limits_exceeded).
 *   - A full region refuses a new instance (region_full) until one is released.
 *   - Instantiation checks the module against the limits, exactly at the
 *     boundary: initial heap against heap_memory_size, reserved plus guard
 *     against heap_address_space_size, globals against globals_size.
 *
 * Guests: core_mem.so (1 page heap, 4 GiB reserved + 4 GiB guard, 5 globals),
 * core_many_globals.so (513 globals), core_trivial.so.
 */
#include "ctest.h"

#define PAGE LUCET_WASM_PAGE_SIZE

static struct lucet_dl_module *mem_mod, *globals_mod, *trivial_mod;

static const struct lucet_alloc_limits defaults = {
    .heap_memory_size = 1u << 20,
    .heap_address_space_size = 8ull << 30,
    .stack_size = 128u << 10,
    .globals_size = 4096,
};

/* Expects region creation with `limits` to fail with `want`, naming `detail`. */
static void check_region_refused(uint64_t capacity, const struct lucet_alloc_limits *limits,
                                 enum lucet_error want, const char *detail)
{
    struct lucet_region *sentinel = (struct lucet_region *)&sentinel;
    struct lucet_region *region = sentinel;

    CHECK_ERR(lucet_mmap_region_create(capacity, limits, &region), want);
    CHECK(region == sentinel);
    if (detail != NULL)
        CHECK_STR_CONTAINS(lucet_error_message(), detail);
    if (region != sentinel && region != NULL)
        lucet_region_release(region);
}

static void capacity_zero(void)
{
    check_region_refused(0, NULL, lucet_error_invalid_argument, "capacity");
    check_region_refused(0, &defaults, lucet_error_invalid_argument, "capacity");
}

static void limits_not_page_multiples(void)
{
    struct lucet_alloc_limits l;

    l = defaults;
    l.heap_memory_size += 1;
    check_region_refused(1, &l, lucet_error_invalid_argument, "heap_memory_size");
    l = defaults;
    l.heap_memory_size = 4095;
    check_region_refused(1, &l, lucet_error_invalid_argument, "heap_memory_size");
    l = defaults;
    l.heap_address_space_size -= 2048;
    check_region_refused(1, &l, lucet_error_invalid_argument, "heap_address_space_size");
    l = defaults;
    l.stack_size = 4096 + 8;
    check_region_refused(1, &l, lucet_error_invalid_argument, "stack_size");
    l = defaults;
    l.globals_size = 100;
    check_region_refused(1, &l, lucet_error_invalid_argument, "globals_size");
}

static void zero_stack(void)
{
    struct lucet_alloc_limits l = defaults;

    l.stack_size = 0;
    check_region_refused(1, &l, lucet_error_invalid_argument, "stack_size");
}

static void heap_memory_larger_than_address_space(void)
{
    struct lucet_alloc_limits l = defaults;

    l.heap_memory_size = l.heap_address_space_size + 4096;
    check_region_refused(1, &l, lucet_error_invalid_argument, "heap_memory_size");
}

static void region_larger_than_address_space(void)
{
    /* 2^20 slots of more than 8 GiB each need more than 2^53 bytes. */
    check_region_refused(1u << 20, NULL, lucet_error_limits_exceeded, NULL);
    CHECK(lucet_error_message()[0] != '\0');
    check_region_refused(UINT64_MAX, &defaults, lucet_error_limits_exceeded, NULL);
}

/*
 * A single limit of 2^47 bytes is a valid size (a multiple of 4096) but
 * cannot fit the 47-bit address space: lucet.h lists that case under
 * limits_exceeded ("the total does not fit the address space"), not under
 * invalid_argument.
 */
static void one_limit_larger_than_address_space(void)
{
    struct lucet_alloc_limits l = defaults;

    l.heap_address_space_size = 1ull << 47;
    check_region_refused(1, &l, lucet_error_limits_exceeded, NULL);
    l = defaults;
    l.stack_size = 1ull << 47;
    check_region_refused(1, &l, lucet_error_limits_exceeded, NULL);
    l = defaults;
    l.globals_size = 1ull << 50;
    check_region_refused(1, &l, lucet_error_limits_exceeded, NULL);
}

/* Sizes at the edge of what is allowed are accepted. */
static void small_valid_limits(void)
{
    struct lucet_alloc_limits l = {
        .heap_memory_size = PAGE,
        .heap_address_space_size = 8ull << 30,
        .stack_size = 4096,
        .globals_size = 0,
    };
    struct lucet_region *region = NULL;
    struct lucet_instance *inst = NULL;
    struct lucet_state st;

    CHECK_OK(lucet_mmap_region_create(1, &l, &region));
    /* core_trivial has no globals and needs one page: it fits, and runs on a 4 KiB stack. */
    CHECK_OK(lucet_region_new_instance(region, trivial_mod, &inst));
    CHECK_OK(lucet_instance_run(inst, "bump", 1, (struct lucet_val[]){ LUCET_VAL_I32(3) }));
    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned), 3);
    lucet_state_release(&st);
    CHECK_ERR(lucet_instance_grow_heap(inst, 1, NULL), lucet_error_limits_exceeded);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

static void region_full_until_a_slot_is_released(void)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *a = NULL, *b = NULL, *c = NULL;
    struct lucet_instance *sentinel = (struct lucet_instance *)&region;
    struct lucet_instance *full = sentinel;

    CHECK_OK(lucet_mmap_region_create(2, NULL, &region));
    CHECK_OK(lucet_region_new_instance(region, mem_mod, &a));
    CHECK_OK(lucet_region_new_instance(region, trivial_mod, &b));
    CHECK_ERR(lucet_region_new_instance(region, mem_mod, &full), lucet_error_region_full);
    CHECK(full == sentinel);
    CHECK_STR_CONTAINS(lucet_error_message(), "2 of 2");
    CHECK_ERR(lucet_region_new_instance_with_ctx(region, trivial_mod, NULL, &full),
              lucet_error_region_full);

    lucet_instance_release(a);
    CHECK_OK(lucet_region_new_instance(region, trivial_mod, &c));
    CHECK_ERR(lucet_region_new_instance(region, mem_mod, &full), lucet_error_region_full);
    lucet_instance_release(b);
    lucet_instance_release(c);

    /* Empty again: a full region's worth fits once more. */
    CHECK_OK(lucet_region_new_instance(region, mem_mod, &a));
    CHECK_OK(lucet_region_new_instance(region, mem_mod, &b));
    CHECK_ERR(lucet_region_new_instance(region, mem_mod, &full), lucet_error_region_full);
    lucet_instance_release(a);
    lucet_instance_release(b);
    lucet_region_release(region);
}

/* Creates a one-slot region with `l` and instantiates `mod` in it. */
static enum lucet_error try_instance(const struct lucet_alloc_limits *l, struct lucet_dl_module *mod)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *sentinel = (struct lucet_instance *)&region;
    struct lucet_instance *inst = sentinel;
    enum lucet_error err;

    CHECK_OK(lucet_mmap_region_create(1, l, &region));
    err = lucet_region_new_instance(region, mod, &inst);
    if (err == lucet_error_ok)
        lucet_instance_release(inst);
    else
        CHECK(inst == sentinel);
    lucet_region_release(region);
    return err;
}

static void initial_heap_larger_than_heap_memory(void)
{
    struct lucet_alloc_limits l = defaults;

    l.heap_memory_size = PAGE - 4096;
    CHECK_ERR(try_instance(&l, mem_mod), lucet_error_limits_exceeded);
    CHECK_STR_CONTAINS(lucet_error_message(), "heap_memory_size");
    l.heap_memory_size = 0;
    CHECK_ERR(try_instance(&l, mem_mod), lucet_error_limits_exceeded);
    l.heap_memory_size = PAGE;
    CHECK_OK(try_instance(&l, mem_mod));
}

static void heap_reservation_larger_than_address_space(void)
{
    struct lucet_alloc_limits l = defaults;

    /* core_mem relies on 4 GiB reserved plus 4 GiB of guard. */
    l.heap_address_space_size = (8ull << 30) - 4096;
    CHECK_ERR(try_instance(&l, mem_mod), lucet_error_limits_exceeded);
    CHECK_STR_CONTAINS(lucet_error_message(), "heap_address_space_size");
    l.heap_address_space_size = 4ull << 30;
    CHECK_ERR(try_instance(&l, mem_mod), lucet_error_limits_exceeded);
    l.heap_address_space_size = 8ull << 30;
    CHECK_OK(try_instance(&l, mem_mod));
}

static void more_globals_than_globals_size(void)
{
    struct lucet_alloc_limits l = defaults;
    struct lucet_region *region = NULL;
    struct lucet_instance *inst = NULL;
    struct lucet_state st;

    /* 513 globals need 4104 bytes. */
    CHECK_ERR(try_instance(&l, globals_mod), lucet_error_limits_exceeded);
    CHECK_STR_CONTAINS(lucet_error_message(), "globals_size");
    CHECK_ERR(try_instance(NULL, globals_mod), lucet_error_limits_exceeded);
    l.globals_size = 0;
    CHECK_ERR(try_instance(&l, mem_mod), lucet_error_limits_exceeded);

    l.globals_size = 8192;
    CHECK_OK(lucet_mmap_region_create(1, &l, &region));
    CHECK_OK(lucet_region_new_instance(region, globals_mod, &inst));
    CHECK_EQ_INT(lucet_instance_globals(inst)[512], 512 * 3);
    CHECK_OK(lucet_instance_run(inst, "get_global", 1, (struct lucet_val[]){ LUCET_VAL_I32(512) }));
    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I64(st.val.returned), 512 * 3);
    lucet_state_release(&st);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("core_mem.so"), &mem_mod) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("core_many_globals.so"), &globals_mod) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("core_trivial.so"), &trivial_mod) != lucet_error_ok) {
        printf("FAIL setup: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(capacity_zero);
    RUN_CASE(limits_not_page_multiples);
    RUN_CASE(zero_stack);
    RUN_CASE(heap_memory_larger_than_address_space);
    RUN_CASE(region_larger_than_address_space);
    RUN_CASE(one_limit_larger_than_address_space);
    RUN_CASE(small_valid_limits);
    RUN_CASE(region_full_until_a_slot_is_released);
    RUN_CASE(initial_heap_larger_than_heap_memory);
    RUN_CASE(heap_reservation_larger_than_address_space);
    RUN_CASE(more_globals_than_globals_size);
    lucet_dl_module_release(mem_mod);
    lucet_dl_module_release(globals_mod);
    lucet_dl_module_release(trivial_mod);
    CTEST_EXIT();
}
