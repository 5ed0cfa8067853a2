/*
 * test_heap.c: the heap. Guest and host see the same bytes at the same
 * addresses; lucet_instance_check_heap and lucet_vmctx_check_heap accept
 * exactly the ranges inside the accessible heap; growth (from the host with
 * lucet_instance_grow_heap and from the guest with lucet_vmctx_grow_memory)
 * stops exactly at the region's heap_memory_size or the module's declared
 * maximum, leaves the heap alone when refused, and is undone by a reset.
 *
 * Guests: core_mem.so (one page to start, no maximum) and core_maxheap.so
 * (one page to start, maximum three).
 */
#include "ctest.h"

#define PAGE LUCET_WASM_PAGE_SIZE

static struct lucet_dl_module *mem_mod;
static struct lucet_dl_module *max_mod;

/* Shorthands for the guest's exports (i32 results are the low half of rax). */
static int32_t guest_load_u8(struct lucet_instance *inst, uint32_t offset)
{
    return (int32_t)ctest_run_gp(inst, "load_u8", 1, (struct lucet_val[]){ LUCET_VAL_I32(offset) });
}

static void guest_store_u8(struct lucet_instance *inst, uint32_t offset, int32_t value)
{
    ctest_run_gp(inst, "store_u8", 2,
                 (struct lucet_val[]){ LUCET_VAL_I32(offset), LUCET_VAL_I32(value) });
}

static int32_t guest_grow(struct lucet_instance *inst, uint32_t pages)
{
    return (int32_t)ctest_run_gp(inst, "grow", 1, (struct lucet_val[]){ LUCET_VAL_I32(pages) });
}

static int32_t guest_current_memory(struct lucet_instance *inst)
{
    return (int32_t)ctest_run_gp(inst, "current_memory", 0, NULL);
}

static int32_t guest_check_heap(struct lucet_instance *inst, int64_t offset, int64_t len)
{
    return (int32_t)ctest_run_gp(inst, "check_heap", 2,
                                 (struct lucet_val[]){ LUCET_VAL_I64(offset), LUCET_VAL_I64(len) });
}

/* A region of `capacity` slots whose heaps can grow to `heap_pages` wasm pages. */
static struct lucet_region *region_with_heap(uint64_t capacity, uint64_t heap_pages)
{
    struct lucet_alloc_limits limits = {
        .heap_memory_size = heap_pages * PAGE,
        .heap_address_space_size = 8ull << 30,
        .stack_size = 128 * 1024,
        .globals_size = 4096,
    };
    struct lucet_region *region = NULL;

    CHECK_OK(lucet_mmap_region_create(capacity, &limits, &region));
    return region;
}

static void guest_writes_host_reads(void)
{
    struct lucet_region *region = region_with_heap(1, 16);
    struct lucet_instance *inst = ctest_new_instance(region, mem_mod);
    uint8_t *heap = lucet_instance_heap(inst);
    int64_t v;

    CHECK(heap != NULL);
    ctest_run_gp(inst, "store_i64", 2,
                 (struct lucet_val[]){ LUCET_VAL_I32(0x100),
                                       LUCET_VAL_I64(INT64_C(0x1122334455667788)) });
    memcpy(&v, heap + 0x100, sizeof v);
    CHECK_EQ_U64(v, INT64_C(0x1122334455667788));
    /* The last byte of the heap too. */
    guest_store_u8(inst, PAGE - 1, 0xa7);
    CHECK_EQ_INT(heap[PAGE - 1], 0xa7);
    ctest_run_gp(inst, "fill", 3,
                 (struct lucet_val[]){ LUCET_VAL_I32(0x1800), LUCET_VAL_I32(300),
                                       LUCET_VAL_I32(0xee) });
    for (int i = 0; i < 300; i++)
        if (heap[0x1800 + i] != 0xee) {
            CHECK_EQ_INT(heap[0x1800 + i], 0xee);
            break;
        }
    CHECK_EQ_INT(heap[0x1800 - 1], 0);
    CHECK_EQ_INT(heap[0x1800 + 300], 0);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

static void host_writes_guest_reads(void)
{
    struct lucet_region *region = region_with_heap(1, 16);
    struct lucet_instance *inst = ctest_new_instance(region, mem_mod);
    uint8_t *heap = lucet_instance_heap(inst);
    int64_t v = INT64_C(-0x0102030405060708);

    heap[0x200] = 0xab;
    heap[PAGE - 1] = 0x19;
    memcpy(heap + 0x300, &v, sizeof v);
    CHECK_EQ_INT(guest_load_u8(inst, 0x200), 0xab);
    CHECK_EQ_INT(guest_load_u8(inst, PAGE - 1), 0x19);
    CHECK_EQ_U64(ctest_run_gp(inst, "load_i64", 1, (struct lucet_val[]){ LUCET_VAL_I32(0x300) }),
                 v);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

static void heap_address_and_length(void)
{
    struct lucet_region *region = region_with_heap(1, 16);
    struct lucet_instance *inst = ctest_new_instance(region, mem_mod);
    uintptr_t heap = (uintptr_t)lucet_instance_heap(inst);

    /* The vmctx the guest receives is the heap base. */
    CHECK_EQ_U64(ctest_run_gp(inst, "vmctx_addr", 0, NULL), heap);
    CHECK_EQ_U64(ctest_run_gp(inst, "heap_base", 0, NULL), heap);
    CHECK_EQ_U64(ctest_run_gp(inst, "globals_addr", 0, NULL),
                 (uintptr_t)lucet_instance_globals(inst));
    CHECK_EQ_U64(lucet_instance_heap_len(inst), PAGE);
    CHECK_EQ_U64(lucet_instance_heap_len64(inst), PAGE);
    CHECK_EQ_INT(guest_current_memory(inst), 1);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

static void instance_check_heap_edges(void)
{
    struct lucet_region *region = region_with_heap(1, 16);
    struct lucet_instance *inst = ctest_new_instance(region, mem_mod);
    uint8_t *heap = lucet_instance_heap(inst);
    uintptr_t len = lucet_instance_heap_len(inst);

    CHECK(lucet_instance_check_heap(inst, heap, len));           /* all of it */
    CHECK(lucet_instance_check_heap(inst, heap, 0));             /* empty, at the start */
    CHECK(lucet_instance_check_heap(inst, heap + len, 0));       /* empty, exactly at the end */
    CHECK(lucet_instance_check_heap(inst, heap + len - 1, 1));   /* the last byte */
    CHECK(!lucet_instance_check_heap(inst, heap + len, 1));      /* one past the end */
    CHECK(!lucet_instance_check_heap(inst, heap + len + 1, 0));  /* beyond the end */
    CHECK(!lucet_instance_check_heap(inst, heap + 1, len));      /* ends one past */
    CHECK(!lucet_instance_check_heap(inst, heap, len + 1));      /* ends one past */
    CHECK(!lucet_instance_check_heap(inst, heap - 1, 1));        /* below the heap */
    CHECK(!lucet_instance_check_heap(inst, heap - 1, 0));
    CHECK(!lucet_instance_check_heap(inst, heap - 1, len));
    CHECK(!lucet_instance_check_heap(inst, NULL, 0));
    CHECK(!lucet_instance_check_heap(inst, NULL, 1));
    /* Lengths whose end wraps around the address space. */
    CHECK(!lucet_instance_check_heap(inst, heap + 8, UINTPTR_MAX));
    CHECK(!lucet_instance_check_heap(inst, heap + 8, (uintptr_t)0 - (uintptr_t)(heap + 8)));
    CHECK(!lucet_instance_check_heap(inst, heap + 8, (uintptr_t)0 - (uintptr_t)(heap + 8) + 16));
    CHECK(!lucet_instance_check_heap(NULL, heap, 1));

    /* After growth the new page is inside. */
    CHECK_OK(lucet_instance_grow_heap(inst, 1, NULL));
    CHECK(lucet_instance_check_heap(inst, heap + len, 1));
    CHECK(lucet_instance_check_heap(inst, heap, 2 * len));
    CHECK(!lucet_instance_check_heap(inst, heap, 2 * len + 1));
    lucet_instance_release(inst);
    lucet_region_release(region);
}

static void vmctx_check_heap_edges(void)
{
    struct lucet_region *region = region_with_heap(1, 16);
    struct lucet_instance *inst = ctest_new_instance(region, mem_mod);
    uintptr_t heap = (uintptr_t)lucet_instance_heap(inst);
    int64_t len = PAGE;

    CHECK_EQ_INT(guest_check_heap(inst, 0, len), 1);
    CHECK_EQ_INT(guest_check_heap(inst, 0, 0), 1);
    CHECK_EQ_INT(guest_check_heap(inst, len, 0), 1);
    CHECK_EQ_INT(guest_check_heap(inst, len - 1, 1), 1);
    CHECK_EQ_INT(guest_check_heap(inst, 100, 200), 1);
    CHECK_EQ_INT(guest_check_heap(inst, len, 1), 0);
    CHECK_EQ_INT(guest_check_heap(inst, len + 1, 0), 0);
    CHECK_EQ_INT(guest_check_heap(inst, 1, len), 0);
    CHECK_EQ_INT(guest_check_heap(inst, 0, len + 1), 0);
    CHECK_EQ_INT(guest_check_heap(inst, -1, 1), 0);
    CHECK_EQ_INT(guest_check_heap(inst, -1, 0), 0);
    CHECK_EQ_INT(guest_check_heap(inst, -4096, 8192), 0);
    CHECK_EQ_INT(guest_check_heap(inst, 8, -1), 0); /* SIZE_MAX */
    CHECK_EQ_INT(guest_check_heap(inst, 8, (int64_t)((uintptr_t)0 - (heap + 8))), 0);
    CHECK_EQ_INT(guest_check_heap(inst, 8, (int64_t)((uintptr_t)0 - (heap + 8) + 16)), 0);

    CHECK_EQ_INT(guest_grow(inst, 1), 1);
    CHECK_EQ_INT(guest_check_heap(inst, len, 1), 1);
    CHECK_EQ_INT(guest_check_heap(inst, 2 * len, 0), 1);
    CHECK_EQ_INT(guest_check_heap(inst, 2 * len, 1), 0);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

/* Host growth to exactly heap_memory_size (4 pages), then one page too many. */
static void host_grow_to_region_limit(void)
{
    struct lucet_region *region = region_with_heap(1, 4);
    struct lucet_instance *inst = ctest_new_instance(region, mem_mod);
    uint32_t prev = 12345;
    uint8_t *heap;

    CHECK_OK(lucet_instance_grow_heap(inst, 3, &prev));
    CHECK_EQ_INT(prev, 1);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), 4 * PAGE);
    CHECK_EQ_U64(lucet_instance_heap_len64(inst), 4 * PAGE);
    CHECK_EQ_INT(guest_current_memory(inst), 4);

    prev = 12345;
    CHECK_ERR(lucet_instance_grow_heap(inst, 1, &prev), lucet_error_limits_exceeded);
    CHECK(lucet_error_message()[0] != '\0');
    CHECK_EQ_INT(prev, 12345); /* written only on success */
    CHECK_EQ_U64(lucet_instance_heap_len(inst), 4 * PAGE);
    CHECK_EQ_INT(guest_current_memory(inst), 4);

    /* Growing by nothing succeeds and reports the size. */
    CHECK_OK(lucet_instance_grow_heap(inst, 0, &prev));
    CHECK_EQ_INT(prev, 4);
    CHECK_ERR(lucet_instance_grow_heap(inst, UINT32_MAX, &prev), lucet_error_limits_exceeded);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), 4 * PAGE);

    /* The grown memory is writable from both sides. */
    heap = lucet_instance_heap(inst);
    heap[4 * PAGE - 1] = 0x42;
    heap[PAGE] = 0x43;
    CHECK_EQ_INT(guest_load_u8(inst, 4 * PAGE - 1), 0x42);
    CHECK_EQ_INT(guest_load_u8(inst, PAGE), 0x43);
    guest_store_u8(inst, 3 * PAGE + 5, 0x99);
    CHECK_EQ_INT(heap[3 * PAGE + 5], 0x99);

    /* A reset shrinks the heap back to the module's initial size. */
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_EQ_U64(lucet_instance_heap_len(inst), PAGE);
    CHECK_EQ_INT(guest_current_memory(inst), 1);
    CHECK(!lucet_instance_check_heap(inst, heap + PAGE, 1));
    lucet_instance_release(inst);
    lucet_region_release(region);
}

static void host_grow_in_steps_without_previous_pages(void)
{
    struct lucet_region *region = region_with_heap(1, 4);
    struct lucet_instance *inst = ctest_new_instance(region, mem_mod);

    for (uint64_t pages = 2; pages <= 4; pages++) {
        CHECK_OK(lucet_instance_grow_heap(inst, 1, NULL));
        CHECK_EQ_U64(lucet_instance_heap_len(inst), pages * PAGE);
    }
    CHECK_ERR(lucet_instance_grow_heap(inst, 1, NULL), lucet_error_limits_exceeded);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), 4 * PAGE);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

static void guest_grow_to_region_limit(void)
{
    struct lucet_region *region = region_with_heap(1, 4);
    struct lucet_instance *inst = ctest_new_instance(region, mem_mod);
    uint8_t *heap = lucet_instance_heap(inst);

    CHECK_EQ_INT(guest_grow(inst, 1), 1);
    CHECK_EQ_INT(guest_current_memory(inst), 2);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), 2 * PAGE);
    CHECK_EQ_INT(guest_grow(inst, 2), 2);
    CHECK_EQ_INT(guest_current_memory(inst), 4);
    CHECK_EQ_INT(guest_grow(inst, 1), -1);
    CHECK_EQ_INT(guest_grow(inst, -1), -1); /* 2^32 - 1 pages */
    CHECK_EQ_INT(guest_current_memory(inst), 4);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), 4 * PAGE);
    CHECK_EQ_INT(guest_grow(inst, 0), 4);

    guest_store_u8(inst, 4 * PAGE - 1, 0x5c);
    CHECK_EQ_INT(heap[4 * PAGE - 1], 0x5c);
    heap[2 * PAGE] = 0x6d;
    CHECK_EQ_INT(guest_load_u8(inst, 2 * PAGE), 0x6d);

    CHECK_OK(lucet_instance_reset(inst));
    CHECK_EQ_INT(guest_current_memory(inst), 1);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), PAGE);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

/* core_maxheap declares a maximum of 3 pages, well below the region's 16. */
static void module_maximum_below_region_limit(void)
{
    struct lucet_region *region = region_with_heap(1, 16);
    struct lucet_instance *inst = ctest_new_instance(region, max_mod);
    uint32_t prev = 0;

    CHECK_OK(lucet_instance_grow_heap(inst, 2, &prev));
    CHECK_EQ_INT(prev, 1);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), 3 * PAGE);
    CHECK_ERR(lucet_instance_grow_heap(inst, 1, &prev), lucet_error_limits_exceeded);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), 3 * PAGE);
    CHECK_EQ_INT(guest_grow(inst, 1), -1);
    CHECK_EQ_INT(guest_current_memory(inst), 3);

    CHECK_OK(lucet_instance_reset(inst));
    CHECK_EQ_INT(guest_current_memory(inst), 1);
    CHECK_EQ_INT(guest_grow(inst, 3), -1); /* 1 + 3 > 3 */
    CHECK_EQ_INT(guest_current_memory(inst), 1);
    CHECK_EQ_INT(guest_grow(inst, 2), 1);
    CHECK_EQ_INT(guest_current_memory(inst), 3);
    guest_store_u8(inst, 3 * PAGE - 1, 0x31);
    CHECK_EQ_INT(lucet_instance_heap(inst)[3 * PAGE - 1], 0x31);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

/* With limits NULL the heap may grow to the default 1 MiB: 16 pages. */
static void default_limit_is_sixteen_pages(void)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *inst;
    uint32_t prev = 0;

    CHECK_OK(lucet_mmap_region_create(1, NULL, &region));
    inst = ctest_new_instance(region, mem_mod);
    CHECK_OK(lucet_instance_grow_heap(inst, 15, &prev));
    CHECK_EQ_INT(prev, 1);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), 1u << 20);
    CHECK_ERR(lucet_instance_grow_heap(inst, 1, NULL), lucet_error_limits_exceeded);
    CHECK_EQ_INT(guest_grow(inst, 1), -1);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

/*
 * A 4 GiB heap (the most a 32-bit index reaches) has a length that does not
 * fit lucet_instance_heap_len's uint32_t: it reports UINT32_MAX, and
 * lucet_instance_heap_len64 the real length. Growth stops there even when
 * heap_memory_size would allow more. (The pages are never touched, so this
 * commits no memory.)
 */
static void four_gib_heap(void)
{
    struct lucet_alloc_limits limits = {
        .heap_memory_size = (4ull << 30) + PAGE,
        .heap_address_space_size = 8ull << 30,
        .stack_size = 128 * 1024,
        .globals_size = 4096,
    };
    struct lucet_region *region = NULL;
    struct lucet_instance *inst = NULL;
    uint32_t prev = 0;

    CHECK_OK(lucet_mmap_region_create(1, &limits, &region));
    inst = ctest_new_instance(region, mem_mod);
    CHECK_OK(lucet_instance_grow_heap(inst, 65534, &prev));
    CHECK_EQ_INT(prev, 1);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), (4ull << 30) - PAGE);
    CHECK_EQ_U64(lucet_instance_heap_len64(inst), (4ull << 30) - PAGE);
    CHECK_EQ_INT(guest_grow(inst, 1), 65535);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), UINT32_MAX);
    CHECK_EQ_U64(lucet_instance_heap_len64(inst), 4ull << 30);
    CHECK_EQ_U64(guest_current_memory(inst), 65536);
    CHECK_ERR(lucet_instance_grow_heap(inst, 1, NULL), lucet_error_limits_exceeded);
    CHECK_EQ_INT(guest_grow(inst, 1), -1);
    CHECK(lucet_instance_check_heap(inst, lucet_instance_heap(inst) + (4ull << 30) - 1, 1));
    CHECK(!lucet_instance_check_heap(inst, lucet_instance_heap(inst) + (4ull << 30), 1));
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_EQ_U64(lucet_instance_heap_len64(inst), PAGE);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

/* Memory given up by a reset comes back zeroed when grown again. */
static void regrown_memory_is_zero(void)
{
    struct lucet_region *region = region_with_heap(1, 4);
    struct lucet_instance *inst = ctest_new_instance(region, mem_mod);
    uint8_t *heap = lucet_instance_heap(inst);

    CHECK_OK(lucet_instance_grow_heap(inst, 3, NULL));
    memset(heap + PAGE, 0xff, 3 * PAGE);
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_EQ_INT(guest_grow(inst, 3), 1);
    CHECK_EQ_INT(ctest_run_gp(inst, "count_nonzero", 2,
                              (struct lucet_val[]){ LUCET_VAL_I32(PAGE), LUCET_VAL_I32(3 * PAGE) }),
                 0);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("core_mem.so"), &mem_mod) != lucet_error_ok ||
        lucet_dl_module_load(ctest_guest_path("core_maxheap.so"), &max_mod) != lucet_error_ok) {
        printf("FAIL setup: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(guest_writes_host_reads);
    RUN_CASE(host_writes_guest_reads);
    RUN_CASE(heap_address_and_length);
    RUN_CASE(instance_check_heap_edges);
    RUN_CASE(vmctx_check_heap_edges);
    RUN_CASE(host_grow_to_region_limit);
    RUN_CASE(host_grow_in_steps_without_previous_pages);
    RUN_CASE(guest_grow_to_region_limit);
    RUN_CASE(module_maximum_below_region_limit);
    RUN_CASE(default_limit_is_sixteen_pages);
    RUN_CASE(regrown_memory_is_zero);
    RUN_CASE(four_gib_heap);
    lucet_dl_module_release(mem_mod);
    lucet_dl_module_release(max_mod);
    CTEST_EXIT();
}
