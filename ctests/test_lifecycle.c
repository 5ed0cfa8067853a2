/*
 * test_lifecycle.c: lifetimes of regions, modules and instances, and the
 * embedder's context pointer.
 *
 *   - embed_ctx given at creation is what lucet_instance_embed_ctx and the
 *     guest's lucet_vmctx_get_delegate return, kept across reset; NULL for
 *     lucet_region_new_instance.
 *   - A new or reset instance reports state tag returned.
 *   - A module released before its instances stays loaded (they keep working)
 *     and is unloaded with the last of them; likewise a region stays mapped
 *     until its last instance is released.
 *   - Released region, module and instance handles are refused, not crashed on.
 *
 * Guests: core_mem.so, core_trivial.so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctest.h"

static struct lucet_dl_module *mem_mod;

static int32_t bump(struct lucet_instance *inst, int32_t x)
{
    return (int32_t)ctest_run_gp(inst, "bump", 1, (struct lucet_val[]){ LUCET_VAL_I32(x) });
}

static void check_state_tag(struct lucet_instance *inst, enum lucet_state_tag want)
{
    struct lucet_state st;

    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(st.tag, want);
    lucet_state_release(&st);
}

/* True while the shared object at path is loaded in this process. */
static bool object_loaded(const char *path)
{
    void *h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);

    if (h == NULL)
        return false;
    dlclose(h);
    return true;
}

/* True while the page holding addr is mapped (accessible or not). */
static bool page_mapped(const void *addr)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char vec;
    void *start = (void *)((uintptr_t)addr & ~(uintptr_t)(page - 1));

    return mincore(start, (size_t)page, &vec) == 0 || errno != ENOMEM;
}

static void embed_ctx_reaches_host_and_guest(void)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *with = NULL, *without = NULL;
    int embedder_object = 0;

    CHECK_OK(lucet_mmap_region_create(2, NULL, &region));
    CHECK_OK(lucet_region_new_instance_with_ctx(region, mem_mod, &embedder_object, &with));
    CHECK_OK(lucet_region_new_instance(region, mem_mod, &without));

    CHECK(lucet_instance_embed_ctx(with) == &embedder_object);
    CHECK_EQ_U64(ctest_run_gp(with, "get_delegate", 0, NULL), (uintptr_t)&embedder_object);
    CHECK(lucet_instance_embed_ctx(without) == NULL);
    CHECK_EQ_U64(ctest_run_gp(without, "get_delegate", 0, NULL), 0);

    /* A reset keeps the embed ctx. */
    CHECK_OK(lucet_instance_reset(with));
    CHECK(lucet_instance_embed_ctx(with) == &embedder_object);
    CHECK_EQ_U64(ctest_run_gp(with, "get_delegate", 0, NULL), (uintptr_t)&embedder_object);

    /* An explicit NULL is the same as none. */
    lucet_instance_release(without);
    CHECK_OK(lucet_region_new_instance_with_ctx(region, mem_mod, NULL, &without));
    CHECK(lucet_instance_embed_ctx(without) == NULL);
    CHECK_EQ_U64(ctest_run_gp(without, "get_delegate", 0, NULL), 0);

    lucet_instance_release(with);
    lucet_instance_release(without);
    lucet_region_release(region);
}

static void new_and_reset_instances_report_returned(void)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *inst = NULL;
    struct lucet_state st;

    CHECK_OK(lucet_mmap_region_create(1, NULL, &region));
    CHECK_OK(lucet_region_new_instance(region, mem_mod, &inst));
    check_state_tag(inst, lucet_state_tag_returned);
    ctest_run_gp(inst, "double_it", 1, (struct lucet_val[]){ LUCET_VAL_I32(4) });
    CHECK_OK(lucet_instance_reset(inst));
    check_state_tag(inst, lucet_state_tag_returned);
    /* A reset twice in a row is fine. */
    CHECK_OK(lucet_instance_reset(inst));
    check_state_tag(inst, lucet_state_tag_returned);
    /* Releasing a returned state twice is harmless. */
    CHECK_OK(lucet_instance_state(inst, &st));
    lucet_state_release(&st);
    lucet_state_release(&st);
    lucet_instance_release(inst);
    lucet_region_release(region);
}

static void module_released_before_its_instances(void)
{
    const char *path = ctest_guest_path("core_trivial.so");
    struct lucet_dl_module *mod = NULL;
    struct lucet_region *region = NULL;
    struct lucet_instance *a = NULL, *b = NULL, *c = (struct lucet_instance *)&region;

    CHECK(!object_loaded(path));
    CHECK_OK(lucet_dl_module_load(path, &mod));
    CHECK(object_loaded(path));
    CHECK_OK(lucet_mmap_region_create(3, NULL, &region));
    CHECK_OK(lucet_region_new_instance(region, mod, &a));
    CHECK_OK(lucet_region_new_instance(region, mod, &b));
    lucet_dl_module_release(mod);

    /* The instances keep the module: they run and reset. */
    CHECK(object_loaded(path));
    CHECK_EQ_INT(bump(a, 5), 5);
    CHECK_EQ_INT(bump(a, 5), 10);
    CHECK_EQ_INT(bump(b, 1), 1);
    CHECK_OK(lucet_instance_reset(a));
    CHECK_EQ_INT(bump(a, 2), 2);

    /* But the released handle makes no new instance. */
    CHECK_ERR(lucet_region_new_instance(region, mod, &c), lucet_error_invalid_argument);
    CHECK(c == (struct lucet_instance *)&region);

    lucet_instance_release(a);
    CHECK(object_loaded(path));
    CHECK_EQ_INT(bump(b, 1), 2);
    lucet_instance_release(b);
    /* The last instance gone, the object is unloaded. */
    CHECK(!object_loaded(path));
    lucet_region_release(region);
}

static void region_released_before_its_instances(void)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *a = NULL, *b = NULL, *c = (struct lucet_instance *)&region;
    const uint8_t *heap_a;

    CHECK_OK(lucet_mmap_region_create(3, NULL, &region));
    CHECK_OK(lucet_region_new_instance(region, mem_mod, &a));
    CHECK_OK(lucet_region_new_instance(region, mem_mod, &b));
    heap_a = lucet_instance_heap(a);
    lucet_region_release(region);

    /* The instances keep the region's memory: they run, grow and reset. */
    CHECK_EQ_INT((int32_t)ctest_run_gp(a, "double_it", 1, (struct lucet_val[]){ LUCET_VAL_I32(8) }),
                 16);
    CHECK_OK(lucet_instance_grow_heap(b, 1, NULL));
    ctest_run_gp(b, "store_u8", 2,
                 (struct lucet_val[]){ LUCET_VAL_I32(LUCET_WASM_PAGE_SIZE + 1), LUCET_VAL_I32(9) });
    CHECK_EQ_INT(lucet_instance_heap(b)[LUCET_WASM_PAGE_SIZE + 1], 9);
    CHECK_OK(lucet_instance_reset(b));

    /* The released handle makes no new instance. */
    CHECK_ERR(lucet_region_new_instance(region, mem_mod, &c), lucet_error_invalid_argument);
    CHECK(c == (struct lucet_instance *)&region);

    lucet_instance_release(b);
    CHECK(page_mapped(heap_a));
    CHECK_EQ_INT((int32_t)ctest_run_gp(a, "negate", 1, (struct lucet_val[]){ LUCET_VAL_I32(8) }),
                 -8);
    lucet_instance_release(a);
    /* The last instance gone, the reservation is unmapped. */
    CHECK(!page_mapped(heap_a));
}

static void released_module_handle_is_refused(void)
{
    struct lucet_dl_module *mod = NULL;
    struct lucet_region *region = NULL;
    struct lucet_instance *inst = (struct lucet_instance *)&region;

    CHECK_OK(lucet_mmap_region_create(1, NULL, &region));
    CHECK_OK(lucet_dl_module_load(ctest_guest_path("core_trivial.so"), &mod));
    lucet_dl_module_release(mod);
    CHECK_ERR(lucet_region_new_instance(region, mod, &inst), lucet_error_invalid_argument);
    CHECK(lucet_error_message()[0] != '\0');
    CHECK(inst == (struct lucet_instance *)&region);
    lucet_region_release(region);
}

static void released_region_handle_is_refused(void)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *inst = (struct lucet_instance *)&region;

    CHECK_OK(lucet_mmap_region_create(1, NULL, &region));
    lucet_region_release(region);
    CHECK_ERR(lucet_region_new_instance(region, mem_mod, &inst), lucet_error_invalid_argument);
    CHECK(lucet_error_message()[0] != '\0');
    CHECK_ERR(lucet_region_new_instance_with_ctx(region, mem_mod, NULL, &inst),
              lucet_error_invalid_argument);
    CHECK(inst == (struct lucet_instance *)&region);
}

/* While its region lives, a released instance is refused where lucet.h says so. */
static void released_instance_is_refused(void)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *inst = NULL;
    struct lucet_state st;

    CHECK_OK(lucet_mmap_region_create(1, NULL, &region));
    CHECK_OK(lucet_region_new_instance(region, mem_mod, &inst));
    lucet_instance_release(inst);
    CHECK_ERR(lucet_instance_reset(inst), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_state(inst, &st), lucet_error_invalid_argument);
    lucet_region_release(region);
}

/*
 * lucet.h: releasing an instance "makes the slot inaccessible" before the
 * slot returns to the region, so a stale pointer into the old heap or
 * globals faults rather than reads or writes whatever comes next.
 */
static void released_slot_is_inaccessible(void)
{
    struct lucet_region *region = NULL;
    struct lucet_instance *inst = NULL;
    uint8_t *heap;
    int64_t *globals;
    char heap_prot[16], grown_prot[16], globals_prot[16];

    CHECK_OK(lucet_mmap_region_create(1, NULL, &region));
    CHECK_OK(lucet_region_new_instance(region, mem_mod, &inst));
    CHECK_OK(lucet_instance_grow_heap(inst, 1, NULL));
    heap = lucet_instance_heap(inst);
    globals = lucet_instance_globals(inst);
    heap[0] = 1;
    heap[LUCET_WASM_PAGE_SIZE] = 1;
    CHECK(strcmp(ctest_page_protection(heap), "rw") == 0);
    CHECK(strcmp(ctest_page_protection(globals), "rw") == 0);
    lucet_instance_release(inst);

    /* Copies: each answer of ctest_page_protection overwrites the last. */
    snprintf(heap_prot, sizeof heap_prot, "%s", ctest_page_protection(heap));
    snprintf(grown_prot, sizeof grown_prot, "%s",
             ctest_page_protection(heap + LUCET_WASM_PAGE_SIZE));
    snprintf(globals_prot, sizeof globals_prot, "%s", ctest_page_protection(globals));
    if (strcmp(heap_prot, "") != 0 || strcmp(grown_prot, "") != 0 ||
        strcmp(globals_prot, "") != 0) {
        printf("    after release: heap page \"%s\", grown page \"%s\", globals \"%s\"; want "
               "\"\" (no access) for each\n",
               heap_prot, grown_prot, globals_prot);
        ctest_case_failed = 1;
    }
    lucet_region_release(region);
}

/* Two modules' instances share a region without disturbing each other. */
static void two_modules_in_one_region(void)
{
    struct lucet_dl_module *trivial = NULL;
    struct lucet_region *region = NULL;
    struct lucet_instance *m = NULL, *t = NULL;

    CHECK_OK(lucet_dl_module_load(ctest_guest_path("core_trivial.so"), &trivial));
    CHECK_OK(lucet_mmap_region_create(2, NULL, &region));
    CHECK_OK(lucet_region_new_instance(region, mem_mod, &m));
    CHECK_OK(lucet_region_new_instance(region, trivial, &t));
    CHECK(lucet_instance_heap(m) != lucet_instance_heap(t));
    CHECK_EQ_INT(bump(t, 40), 40);
    CHECK_EQ_INT((int32_t)ctest_run_gp(m, "load_u8", 1, (struct lucet_val[]){ LUCET_VAL_I32(0) }),
                 'c');
    CHECK_EQ_INT(bump(t, 2), 42);
    CHECK_EQ_INT(lucet_instance_globals(m)[0], 7);
    lucet_instance_release(m);
    lucet_instance_release(t);
    lucet_region_release(region);
    lucet_dl_module_release(trivial);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("core_mem.so"), &mem_mod) != lucet_error_ok) {
        printf("FAIL setup: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(embed_ctx_reaches_host_and_guest);
    RUN_CASE(new_and_reset_instances_report_returned);
    RUN_CASE(module_released_before_its_instances);
    RUN_CASE(region_released_before_its_instances);
    RUN_CASE(released_module_handle_is_refused);
    RUN_CASE(released_region_handle_is_refused);
    RUN_CASE(released_instance_is_refused);
    RUN_CASE(released_slot_is_inaccessible);
    RUN_CASE(two_modules_in_one_region);
    lucet_dl_module_release(mem_mod);
    CTEST_EXIT();
}
