/*
 * test_fault_heap.c: guest accesses outside the accessible heap.
 *
 * A wasm address is a 32-bit index plus a 32-bit offset, so with the
 * default 8 GiB of heap address space every address a guest can form lies in
 * the heap or in the inaccessible guard behind it. An access into the guard
 * must come back as a non-fatal heap_out_of_bounds fault naming the exact
 * address and instruction, must leave every byte outside the heap as it was,
 * and must leave the instance runnable; the same holds for accesses a
 * compiler marked as trap sites, and for a start function (whose fault fails
 * the instance's creation). The guest (guests/fault_mem.c) labels each access
 * instruction, so the fault's PC is compared exactly.
 */
#include <signal.h>

#include "ctest.h"

#define HEAP_LEN 0x10000u /* the guest's initial heap: one wasm page */
#define SENTINEL 0x5e5e1e1f00d0cafeull /* the guest's global's initial value */

static struct lucet_dl_module *mem_module;

/* A fault_mem instance in a one-slot region of its own, with the default limits. */
static struct lucet_instance *new_instance_in_own_region(struct lucet_region **region)
{
    *region = NULL;
    CHECK_OK(lucet_mmap_region_create(1, NULL, region));
    return ctest_new_instance(*region, mem_module);
}

/* Runs fm_load8/fm_load64(idx, off); returns the result of a normal return. */
static uint64_t run_load(struct lucet_instance *inst, const char *fn, uint32_t idx, uint32_t off,
                         enum lucet_error want)
{
    struct lucet_val args[] = { LUCET_VAL_U32(idx), LUCET_VAL_U32(off) };
    struct lucet_untyped_retval rv;

    ctest_run(inst, fn, 2, args, want, &rv);
    return LUCET_UNTYPED_RETVAL_TO_U64(rv);
}

static void run_store(struct lucet_instance *inst, const char *fn, uint32_t idx, uint32_t off,
                      uint64_t value, enum lucet_error want)
{
    struct lucet_val args[3] = { LUCET_VAL_U32(idx), LUCET_VAL_U32(off), LUCET_VAL_U32(0) };

    if (strcmp(fn, "fm_store64") == 0)
        args[2] = LUCET_VAL_U64(value);
    else
        args[2] = LUCET_VAL_U32((uint32_t)value);
    ctest_run(inst, fn, 3, args, want, NULL);
}

/*
 * Runs `fn` (an fm_load* or fm_store* export; a store writes `value`) at
 * (idx, off), which must fault, and checks the fault: a non-fatal
 * heap_out_of_bounds SIGSEGV at heap + offset by the instruction labelled
 * <fn>_access, and a description that says so in words.
 */
static void expect_heap_fault(struct lucet_instance *inst, const char *fn, uint32_t idx,
                              uint32_t off, uint64_t value, uint64_t offset)
{
    bool write = strncmp(fn, "fm_store", 8) == 0;
    enum lucet_trapcode_type code = lucet_trapcode_type_unknown;
    bool fatal = true;
    uintptr_t addr = 0, pc = 0;
    int signum = 0;
    char text[LUCET_FAULT_DESCRIPTION_MAX];
    char label[64], want[64];
    int failed_before = ctest_case_failed;

    if (write)
        run_store(inst, fn, idx, off, value, lucet_error_runtime_fault);
    else
        run_load(inst, fn, idx, off, lucet_error_runtime_fault);
    snprintf(label, sizeof label, "%s_access", fn);

    CHECK_OK(lucet_instance_fault_trapcode(inst, &code));
    CHECK_EQ_INT(code, lucet_trapcode_type_heap_out_of_bounds);
    CHECK_OK(lucet_instance_fault_is_fatal(inst, &fatal));
    CHECK(!fatal);
    CHECK_OK(lucet_instance_fault_address(inst, &addr));
    CHECK_EQ_U64(addr, (uintptr_t)lucet_instance_heap(inst) + offset);
    CHECK_OK(lucet_instance_fault_pc(inst, &pc));
    CHECK_EQ_U64(pc, ctest_guest_label("fault_mem.so", label));
    CHECK_OK(lucet_instance_fault_signal(inst, &signum));
    CHECK_EQ_INT(signum, SIGSEGV);

    CHECK_OK(lucet_instance_fault_describe(inst, text, sizeof text));
    CHECK_STR_CONTAINS(text, "heap out of bounds");
    CHECK_STR_CONTAINS(text, write ? "write" : "read");
    snprintf(want, sizeof want, "heap offset 0x%llx", (unsigned long long)offset);
    CHECK_STR_CONTAINS(text, want);
    snprintf(want, sizeof want, "(heap is 0x%llx bytes)",
             (unsigned long long)lucet_instance_heap_len64(inst));
    CHECK_STR_CONTAINS(text, want);
    CHECK_STR_CONTAINS(text, fn);
    CHECK(strstr(text, "fatal") == NULL);
    if (ctest_case_failed && !failed_before)
        printf("    (fault at heap offset %#llx by %s)\n", (unsigned long long)offset, fn);
}

/* Offsets a guest can form that all land in the guard of the default region. */
static const struct guard_address {
    uint32_t idx, off;
} guard_addresses[] = {
    { HEAP_LEN, 0 },              /* the first byte past the heap */
    { HEAP_LEN - 1, 1 },          /* the same, reached through the offset */
    { HEAP_LEN + 4095, 0 },       /* the last byte of the first guard page */
    { 1u << 30, 0 },              /* 1 GiB into the guard */
    { 0x80000000u, 0x80000000u }, /* exactly 4 GiB: past the 32-bit range */
    { 0xffffffffu, 0x10 },        /* an index at the top plus an offset */
    { 0xffffffffu, 0xffffffffu }, /* the farthest address a guest can form */
};
#define GUARD_ADDRESS_COUNT (sizeof guard_addresses / sizeof guard_addresses[0])

/* Loads of one and eight bytes anywhere in the guard fault at their address. */
static void loads_in_guard(void)
{
    struct lucet_region *region;
    struct lucet_instance *inst = new_instance_in_own_region(&region);

    for (size_t i = 0; i < GUARD_ADDRESS_COUNT; i++) {
        const struct guard_address *g = &guard_addresses[i];

        expect_heap_fault(inst, "fm_load8", g->idx, g->off, 0, (uint64_t)g->idx + g->off);
        expect_heap_fault(inst, "fm_load64", g->idx, g->off, 0, (uint64_t)g->idx + g->off);
    }

    /* The instance is still runnable, and reads what the module put there. */
    CHECK_EQ_U64(run_load(inst, "fm_load8", 0, 2, lucet_error_ok), 3);
    CHECK_EQ_U64(run_load(inst, "fm_load64", 0, 0, lucet_error_ok), 0x0807060504030201ull);
    CHECK_EQ_U64(run_load(inst, "fm_load8", HEAP_LEN - 1, 0, lucet_error_ok), 0);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

/*
 * Compiled code marks its heap accesses as heap_out_of_bounds trap sites:
 * the same faults, with the site's code, still not fatal in the guard.
 */
static void loads_at_trap_sites(void)
{
    struct lucet_region *region;
    struct lucet_instance *inst = new_instance_in_own_region(&region);

    for (size_t i = 0; i < GUARD_ADDRESS_COUNT; i++) {
        const struct guard_address *g = &guard_addresses[i];

        expect_heap_fault(inst, "fm_load8_site", g->idx, g->off, 0, (uint64_t)g->idx + g->off);
    }
    CHECK_EQ_U64(run_load(inst, "fm_load8_site", 4, 3, lucet_error_ok), 8);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

/* Stores anywhere in the guard fault at their address, as writes. */
static void stores_in_guard(void)
{
    struct lucet_region *region;
    struct lucet_instance *inst = new_instance_in_own_region(&region);

    for (size_t i = 0; i < GUARD_ADDRESS_COUNT; i++) {
        const struct guard_address *g = &guard_addresses[i];

        expect_heap_fault(inst, "fm_store8", g->idx, g->off, 0xaa, (uint64_t)g->idx + g->off);
        expect_heap_fault(inst, "fm_store64", g->idx, g->off, 0xaaaaaaaaaaaaaaaaull,
                          (uint64_t)g->idx + g->off);
    }

    /* A store inside the heap still works after the faults. */
    run_store(inst, "fm_store8", HEAP_LEN - 1, 0, 0x77, lucet_error_ok);
    CHECK_EQ_INT(lucet_instance_heap(inst)[HEAP_LEN - 1], 0x77);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

/*
 * An eight-byte access that starts inside the heap and ends in the guard
 * faults as a whole, at the first byte of the guard.
 */
static void access_straddling_the_end(void)
{
    struct lucet_region *region;
    struct lucet_instance *inst = new_instance_in_own_region(&region);

    for (uint32_t back = 1; back < 8; back++) {
        expect_heap_fault(inst, "fm_load64", HEAP_LEN - back, 0, 0, HEAP_LEN);
        expect_heap_fault(inst, "fm_store64", HEAP_LEN - back, 0, 0x1111111111111111ull,
                          HEAP_LEN);
    }
    /* The last eight bytes are readable as one access. */
    CHECK_EQ_U64(run_load(inst, "fm_load64", HEAP_LEN - 8, 0, lucet_error_ok), 0);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

/* Byte i of the pattern seeded with `seed`. */
static uint8_t pattern(uint8_t seed, size_t i)
{
    return (uint8_t)(seed + i * 7);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = pattern(seed, i);
}

static int unchanged(const uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern(seed, i))
            return 0;
    return 1;
}

/*
 * A faulting store changes nothing: not the end of the faulting instance's
 * heap (even for a store that starts there), not its globals, and not the
 * heap or globals of the instance in the next slot.
 */
static void faulting_stores_change_nothing(void)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *a, *b;
    uint8_t *heap_a, *heap_b;
    static const struct {
        const char *fn;
        uint32_t idx, off;
    } stores[] = {
        { "fm_store8", HEAP_LEN, 0 },          { "fm_store64", HEAP_LEN, 0 },
        { "fm_store64", HEAP_LEN - 4, 0 },     { "fm_store64", HEAP_LEN - 1, 0 },
        { "fm_store8", HEAP_LEN - 1, 4096 },   { "fm_store64", 0xffffffffu, 0xffffffffu },
        { "fm_store64", 0xfffffff0u, 0x18u },
    };

    CHECK_OK(lucet_mmap_region_create(2, NULL, &region));
    a = ctest_new_instance(region, mem_module);
    b = ctest_new_instance(region, mem_module);
    heap_a = lucet_instance_heap(a);
    heap_b = lucet_instance_heap(b);
    fill(heap_a + HEAP_LEN - 64, 64, 0xa0);
    fill(heap_b, 64, 0xb0);
    fill(heap_b + HEAP_LEN - 64, 64, 0xc0);

    for (size_t i = 0; i < sizeof stores / sizeof stores[0]; i++) {
        run_store(a, stores[i].fn, stores[i].idx, stores[i].off, 0xeeeeeeeeeeeeeeeeull,
                  lucet_error_runtime_fault);
        if (!unchanged(heap_a + HEAP_LEN - 64, 64, 0xa0) || !unchanged(heap_b, 64, 0xb0) ||
            !unchanged(heap_b + HEAP_LEN - 64, 64, 0xc0) ||
            lucet_instance_globals(a)[0] != (int64_t)SENTINEL ||
            lucet_instance_globals(b)[0] != (int64_t)SENTINEL) {
            printf("    %s(%#x, %#x) changed memory outside the heap\n", stores[i].fn,
                   stores[i].idx, stores[i].off);
            ctest_case_failed = 1;
        }
        CHECK_EQ_U64(lucet_instance_heap_len64(a), HEAP_LEN);
    }

    /* The guest reads its own last bytes as they were. */
    CHECK_EQ_U64(run_load(a, "fm_load64", HEAP_LEN - 8, 0, lucet_error_ok),
                 (uint64_t)pattern(0xa0, 56) | (uint64_t)pattern(0xa0, 57) << 8 |
                     (uint64_t)pattern(0xa0, 58) << 16 | (uint64_t)pattern(0xa0, 59) << 24 |
                     (uint64_t)pattern(0xa0, 60) << 32 | (uint64_t)pattern(0xa0, 61) << 40 |
                     (uint64_t)pattern(0xa0, 62) << 48 | (uint64_t)pattern(0xa0, 63) << 56);
    lucet_instance_release(a);
    lucet_instance_release(b);
    lucet_region_release(region);
}

/*
 * The guard starts where the heap ends now: growing the heap makes the old
 * first guard byte accessible and moves the fault; a reset moves it back.
 */
static void guard_follows_heap_growth(void)
{
    struct lucet_region *region;
    struct lucet_instance *inst = new_instance_in_own_region(&region);
    uint32_t previous = 0;

    CHECK_OK(lucet_instance_grow_heap(inst, 1, &previous));
    CHECK_EQ_INT(previous, 1);
    CHECK_EQ_U64(run_load(inst, "fm_load8", HEAP_LEN, 0, lucet_error_ok), 0);
    expect_heap_fault(inst, "fm_load8", 2 * HEAP_LEN, 0, 0, 2 * HEAP_LEN);

    CHECK_OK(lucet_instance_reset(inst));
    CHECK_EQ_U64(lucet_instance_heap_len64(inst), HEAP_LEN);
    expect_heap_fault(inst, "fm_load8", HEAP_LEN, 0, 0, HEAP_LEN);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

/*
 * The fault accessors answer only while the state is a fault: a successful
 * run after the fault clears it.
 */
static void fault_accessors_need_a_fault(void)
{
    struct lucet_region *region;
    struct lucet_instance *inst = new_instance_in_own_region(&region);
    enum lucet_trapcode_type code;
    uintptr_t addr;
    char text[LUCET_FAULT_DESCRIPTION_MAX];

    CHECK_ERR(lucet_instance_fault_trapcode(inst, &code), lucet_error_invalid_argument);
    run_load(inst, "fm_load8", HEAP_LEN, 0, lucet_error_runtime_fault);
    CHECK_OK(lucet_instance_fault_address(inst, &addr));
    CHECK_ERR(lucet_instance_fault_address(inst, NULL), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_fault_describe(inst, NULL, 16), lucet_error_invalid_argument);

    /* A short buffer gets a cut, terminated description. */
    memset(text, 'x', sizeof text);
    CHECK_OK(lucet_instance_fault_describe(inst, text, 8));
    CHECK_EQ_INT(strlen(text), 7);

    CHECK_EQ_U64(run_load(inst, "fm_load8", 0, 0, lucet_error_ok), 1);
    CHECK_ERR(lucet_instance_fault_address(inst, &addr), lucet_error_invalid_argument);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

/*
 * A fault in the start function fails the creation of the instance with
 * the fault's description, and leaves the slot free for the next one.
 */
static void fault_in_start_function(void)
{
    struct lucet_dl_module *start_module = NULL;
    struct lucet_region *region = NULL;
    struct lucet_instance *inst = NULL;

    CHECK_OK(lucet_dl_module_load(ctest_guest_path("fault_start.so"), &start_module));
    CHECK_OK(lucet_mmap_region_create(1, NULL, &region));
    for (int i = 0; i < 3; i++) {
        CHECK_ERR(lucet_region_new_instance(region, start_module, &inst),
                  lucet_error_runtime_fault);
        CHECK(inst == NULL);
        CHECK_STR_CONTAINS(lucet_error_message(), "heap out of bounds");
        CHECK_STR_CONTAINS(lucet_error_message(), "heap offset 0x10000");
        CHECK_STR_CONTAINS(lucet_error_message(), "fst_start");
    }
    inst = ctest_new_instance(region, mem_module);
    CHECK(inst != NULL);
    lucet_instance_release(inst);
    lucet_region_release(region);
    lucet_dl_module_release(start_module);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("fault_mem.so"), &mem_module) != lucet_error_ok) {
        printf("FAIL loading fault_mem.so: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(loads_in_guard);
    RUN_CASE(loads_at_trap_sites);
    RUN_CASE(stores_in_guard);
    RUN_CASE(access_straddling_the_end);
    RUN_CASE(faulting_stores_change_nothing);
    RUN_CASE(guard_follows_heap_growth);
    RUN_CASE(fault_accessors_need_a_fault);
    RUN_CASE(fault_in_start_function);
    lucet_dl_module_release(mem_module);
    CTEST_EXIT();
}
