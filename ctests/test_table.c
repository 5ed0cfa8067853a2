/*
 * test_table.c: tables. lucet_instance_run_func_idx runs a table element
 * with checked arguments and refuses an empty element, a table index or an
 * element index out of range with lucet_error_func_not_found; from inside
 * the guest, lucet_vmctx_get_func_from_idx returns each element's code
 * address (compared with the guest's own symbols) or NULL.
 *
 * Guest: core_mem.so, whose tables are
 *   table 0: double_it, (empty), negate     table 1: half     table 2: (none)
 */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "ctest.h"

static struct lucet_dl_module *mod;
static struct lucet_region *region;
static struct lucet_instance *inst;

/* Runs element `index` of table `table`, which must return; gives back its return registers. */
static struct lucet_untyped_retval run_idx_ok(uint32_t table, uint32_t index, uintptr_t argc,
                                              const struct lucet_val *argv)
{
    struct lucet_untyped_retval rv;
    enum lucet_error err = lucet_instance_run_func_idx(inst, table, index, argc, argv);
    char what[64];

    memset(&rv, 0, sizeof rv);
    if (err != lucet_error_ok) {
        printf("    running table %u element %u: %s (%s)\n", table, index, lucet_error_name(err),
               lucet_error_message());
        ctest_case_failed = 1;
        return rv;
    }
    snprintf(what, sizeof what, "table %u element %u", table, index);
    ctest_get_returned(inst, what, &rv);
    return rv;
}

/* Runs export `name` with the first `argc` of a, b, c; gives back rax (INT64_MIN on failure). */
static int64_t run_export(const char *name, int32_t a, int32_t b, int32_t c, uintptr_t argc)
{
    struct lucet_val argv[] = { LUCET_VAL_I32(a), LUCET_VAL_I32(b), LUCET_VAL_I32(c) };

    return ctest_run_gp(inst, name, argc, argv);
}

static void run_each_element(void)
{
    struct lucet_untyped_retval rv;

    rv = run_idx_ok(0, 0, 1, (struct lucet_val[]){ LUCET_VAL_I32(21) });
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(rv), 42);
    rv = run_idx_ok(0, 2, 1, (struct lucet_val[]){ LUCET_VAL_I32(5) });
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(rv), -5);
    rv = run_idx_ok(1, 0, 1, (struct lucet_val[]){ LUCET_VAL_F64(3.0) });
    CHECK(LUCET_UNTYPED_RETVAL_TO_F64(rv) == 1.5);
}

static void empty_element(void)
{
    CHECK_ERR(lucet_instance_run_func_idx(inst, 0, 1, 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }),
              lucet_error_func_not_found);
    CHECK(lucet_error_message()[0] != '\0');
}

static void table_index_out_of_range(void)
{
    struct lucet_val arg = LUCET_VAL_I32(1);

    CHECK_ERR(lucet_instance_run_func_idx(inst, 3, 0, 1, &arg), lucet_error_func_not_found);
    CHECK_ERR(lucet_instance_run_func_idx(inst, UINT32_MAX, 0, 1, &arg),
              lucet_error_func_not_found);
    /* Table 2 exists but has no elements. */
    CHECK_ERR(lucet_instance_run_func_idx(inst, 2, 0, 1, &arg), lucet_error_func_not_found);
}

static void element_index_out_of_range(void)
{
    struct lucet_val arg = LUCET_VAL_I32(1);

    CHECK_ERR(lucet_instance_run_func_idx(inst, 0, 3, 1, &arg), lucet_error_func_not_found);
    CHECK_ERR(lucet_instance_run_func_idx(inst, 0, UINT32_MAX, 1, &arg),
              lucet_error_func_not_found);
    CHECK_ERR(lucet_instance_run_func_idx(inst, 1, 1, 1, &arg), lucet_error_func_not_found);
}

static void element_arguments_are_checked(void)
{
    CHECK_ERR(lucet_instance_run_func_idx(inst, 0, 0, 1, (struct lucet_val[]){ LUCET_VAL_F64(1) }),
              lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_run_func_idx(inst, 0, 0, 0, NULL), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_run_func_idx(inst, 0, 0, 1, NULL), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_run_func_idx(inst, 1, 0, 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }),
              lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_run_func_idx(NULL, 0, 0, 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }),
              lucet_error_invalid_argument);
    /* The instance still runs after the refusals. */
    struct lucet_untyped_retval rv = run_idx_ok(0, 0, 1, (struct lucet_val[]){ LUCET_VAL_I32(-4) });
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(rv), -8);
}

static void guest_calls_through_table(void)
{
    /* call_table returns INT32_MIN where get_func_from_idx gave NULL. */
    CHECK_EQ_INT((int32_t)run_export("call_table", 0, 0, 21, 3), 42);
    CHECK_EQ_INT((int32_t)run_export("call_table", 0, 2, 7, 3), -7);
    CHECK_EQ_INT((int32_t)run_export("call_table", 0, 1, 7, 3), INT32_MIN);
    CHECK_EQ_INT((int32_t)run_export("call_table", 0, 3, 7, 3), INT32_MIN);
    CHECK_EQ_INT((int32_t)run_export("call_table", 2, 0, 7, 3), INT32_MIN);
    CHECK_EQ_INT((int32_t)run_export("call_table", 5, 0, 7, 3), INT32_MIN);
    CHECK_EQ_INT((int32_t)run_export("call_table", -1, -1, 7, 3), INT32_MIN);
}

static void guest_sees_element_addresses(void)
{
    /* The loader keeps the guest loaded; RTLD_NOLOAD finds it without loading it again. */
    void *guest = dlopen(ctest_guest_path("core_mem.so"), RTLD_NOW | RTLD_NOLOAD);

    CHECK(guest != NULL);
    if (guest == NULL)
        return;
    CHECK(dlsym(guest, "double_it") != NULL);
    CHECK_EQ_U64(run_export("table_entry", 0, 0, 0, 2), (uintptr_t)dlsym(guest, "double_it"));
    CHECK_EQ_U64(run_export("table_entry", 0, 2, 0, 2), (uintptr_t)dlsym(guest, "negate"));
    CHECK_EQ_U64(run_export("table_entry", 1, 0, 0, 2), (uintptr_t)dlsym(guest, "half"));
    CHECK_EQ_U64(run_export("table_entry", 0, 1, 0, 2), 0);
    CHECK_EQ_U64(run_export("table_entry", 1, 1, 0, 2), 0);
    CHECK_EQ_U64(run_export("table_entry", 2, 0, 0, 2), 0);
    CHECK_EQ_U64(run_export("table_entry", 3, 0, 0, 2), 0);
    dlclose(guest);
}

int main(void)
{
    if (!ctest_setup_instance("core_mem.so", 1, &mod, &region, &inst))
        return 1;
    RUN_CASE(run_each_element);
    RUN_CASE(empty_element);
    RUN_CASE(table_index_out_of_range);
    RUN_CASE(element_index_out_of_range);
    RUN_CASE(element_arguments_are_checked);
    RUN_CASE(guest_calls_through_table);
    RUN_CASE(guest_sees_element_addresses);
    ctest_teardown_instance(mod, region, inst);
    CTEST_EXIT();
}
