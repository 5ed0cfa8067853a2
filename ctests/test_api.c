/*
 * test_api.c: the API's conventions, function by function.
 *
 *   - lucet_error_name and lucet_state_tag_name return each enumerator's own
 *     name, and the fixed unknown string (never NULL) out of range.
 *   - lucet_error_message is per thread: "" on a thread where nothing failed
 *     yet, kept across successful calls, untouched by other threads.
 *   - Every NULL handle or out-pointer is refused with invalid_argument,
 *     leaving the out-pointer alone; the accessors answer NULL, 0 or false;
 *     the release functions take NULL as a no-op.
 *   - The handler setters accept a handler and NULL; the fault accessors
 *     refuse an instance that has not faulted.
 *
 * Guest: core_mem.so.
 */
#include <pthread.h>

#include "ctest.h"

static struct lucet_dl_module *mod;
static struct lucet_region *region;
static struct lucet_instance *inst;

static void error_names(void)
{
    static const struct {
        enum lucet_error e;
        const char *name;
    } names[] = {
        { lucet_error_ok, "lucet_error_ok" },
        { lucet_error_invalid_argument, "lucet_error_invalid_argument" },
        { lucet_error_region_full, "lucet_error_region_full" },
        { lucet_error_module, "lucet_error_module" },
        { lucet_error_limits_exceeded, "lucet_error_limits_exceeded" },
        { lucet_error_no_linear_memory, "lucet_error_no_linear_memory" },
        { lucet_error_symbol_not_found, "lucet_error_symbol_not_found" },
        { lucet_error_func_not_found, "lucet_error_func_not_found" },
        { lucet_error_runtime_fault, "lucet_error_runtime_fault" },
        { lucet_error_runtime_terminated, "lucet_error_runtime_terminated" },
        { lucet_error_dl, "lucet_error_dl" },
        { lucet_error_internal, "lucet_error_internal" },
        { lucet_error_unsupported, "lucet_error_unsupported" },
    };

    /* The values are Lucet's, in order from zero. */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        CHECK_EQ_INT(names[i].e, i);
        const char *got = lucet_error_name(names[i].e);
        CHECK(got != NULL && strcmp(got, names[i].name) == 0);
    }
    static const int out_of_range[] = { lucet_error_unsupported + 1, 100, -1, INT32_MIN, INT32_MAX };
    for (size_t i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++) {
        const char *got = lucet_error_name((enum lucet_error)out_of_range[i]);
        CHECK(got != NULL && strcmp(got, "lucet_error_unknown") == 0);
    }
}

static void state_tag_names(void)
{
    static const struct {
        enum lucet_state_tag tag;
        const char *name;
    } names[] = {
        { lucet_state_tag_returned, "lucet_state_tag_returned" },
        { lucet_state_tag_running, "lucet_state_tag_running" },
        { lucet_state_tag_fault, "lucet_state_tag_fault" },
        { lucet_state_tag_terminated, "lucet_state_tag_terminated" },
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        CHECK_EQ_INT(names[i].tag, i);
        const char *got = lucet_state_tag_name(names[i].tag);
        CHECK(got != NULL && strcmp(got, names[i].name) == 0);
    }
    static const int out_of_range[] = { lucet_state_tag_terminated + 1, 1000, -1, INT32_MIN };
    for (size_t i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++) {
        const char *got = lucet_state_tag_name((enum lucet_state_tag)out_of_range[i]);
        CHECK(got != NULL && strcmp(got, "lucet_state_tag_unknown") == 0);
    }
}

/* What a second thread saw of lucet_error_message. */
static struct {
    char before[64];
    enum lucet_error err;
    char after[256];
    char after_success[256];
} other_thread;

static void *fail_on_other_thread(void *arg)
{
    struct lucet_region *r = NULL;

    (void)arg;
    snprintf(other_thread.before, sizeof other_thread.before, "%s", lucet_error_message());
    other_thread.err = lucet_mmap_region_create(0, NULL, &r);
    snprintf(other_thread.after, sizeof other_thread.after, "%s", lucet_error_message());
    /* A successful call does not clear the message. */
    if (lucet_mmap_region_create(1, NULL, &r) == lucet_error_ok)
        lucet_region_release(r);
    snprintf(other_thread.after_success, sizeof other_thread.after_success, "%s",
             lucet_error_message());
    return NULL;
}

static void error_message_per_thread(void)
{
    struct lucet_instance *out = NULL;
    char mine[256];
    pthread_t t;

    /* A failure here names the entry point it could not find. */
    CHECK_ERR(lucet_instance_run(inst, "only_on_the_main_thread", 0, NULL),
              lucet_error_symbol_not_found);
    snprintf(mine, sizeof mine, "%s", lucet_error_message());
    CHECK_STR_CONTAINS(mine, "only_on_the_main_thread");

    memset(&other_thread, 0x55, sizeof other_thread);
    CHECK_EQ_INT(pthread_create(&t, NULL, fail_on_other_thread, NULL), 0);
    CHECK_EQ_INT(pthread_join(t, NULL), 0);
    CHECK_EQ_INT(strlen(other_thread.before), 0);
    CHECK_ERR(other_thread.err, lucet_error_invalid_argument);
    CHECK_STR_CONTAINS(other_thread.after, "capacity");
    CHECK(strcmp(other_thread.after_success, other_thread.after) == 0);

    /* This thread's message is its own, and successful calls keep it. */
    CHECK(strcmp(lucet_error_message(), mine) == 0);
    CHECK_OK(lucet_instance_run(inst, "double_it", 1, (struct lucet_val[]){ LUCET_VAL_I32(1) }));
    CHECK_OK(lucet_region_new_instance(region, mod, &out));
    lucet_instance_release(out);
    CHECK(strcmp(lucet_error_message(), mine) == 0);
}

static void null_handles_and_out_pointers(void)
{
    struct lucet_region *r = (struct lucet_region *)&r;
    struct lucet_dl_module *m = (struct lucet_dl_module *)&m;
    struct lucet_instance *i = (struct lucet_instance *)&i;
    struct lucet_state st = { .tag = (enum lucet_state_tag)77 };
    uint32_t prev = 99;
    struct lucet_val arg = LUCET_VAL_I32(1);

    CHECK_ERR(lucet_mmap_region_create(1, NULL, NULL), lucet_error_invalid_argument);

    CHECK_ERR(lucet_region_new_instance(NULL, mod, &i), lucet_error_invalid_argument);
    CHECK_ERR(lucet_region_new_instance(region, NULL, &i), lucet_error_invalid_argument);
    CHECK_ERR(lucet_region_new_instance(region, mod, NULL), lucet_error_invalid_argument);
    CHECK_ERR(lucet_region_new_instance_with_ctx(NULL, mod, &r, &i), lucet_error_invalid_argument);
    CHECK_ERR(lucet_region_new_instance_with_ctx(region, NULL, &r, &i),
              lucet_error_invalid_argument);
    CHECK_ERR(lucet_region_new_instance_with_ctx(region, mod, &r, NULL),
              lucet_error_invalid_argument);
    CHECK(i == (struct lucet_instance *)&i);

    CHECK_ERR(lucet_dl_module_load(NULL, &m), lucet_error_invalid_argument);
    CHECK(m == (struct lucet_dl_module *)&m);
    CHECK_ERR(lucet_dl_module_load(ctest_guest_path("core_mem.so"), NULL),
              lucet_error_invalid_argument);

    CHECK_ERR(lucet_hostcall_register(NULL, "f", (void *)&arg), lucet_error_invalid_argument);
    CHECK_ERR(lucet_hostcall_register("m", NULL, (void *)&arg), lucet_error_invalid_argument);
    CHECK_ERR(lucet_hostcall_register("m", "f", NULL), lucet_error_invalid_argument);

    CHECK_ERR(lucet_instance_run(NULL, "double_it", 1, &arg), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_run(inst, NULL, 1, &arg), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_run_func_idx(NULL, 0, 0, 1, &arg), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_reset(NULL), lucet_error_invalid_argument);

    CHECK_ERR(lucet_instance_state(NULL, &st), lucet_error_invalid_argument);
    CHECK_EQ_INT(st.tag, 77);
    CHECK_ERR(lucet_instance_state(inst, NULL), lucet_error_invalid_argument);

    CHECK_ERR(lucet_instance_grow_heap(NULL, 1, &prev), lucet_error_invalid_argument);
    CHECK_EQ_INT(prev, 99);
    CHECK_ERR(lucet_instance_set_fatal_handler(NULL, NULL), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_set_signal_handler(NULL, NULL), lucet_error_invalid_argument);

    /* Accessors without an error code answer NULL, 0 or false. */
    CHECK(lucet_instance_heap(NULL) == NULL);
    CHECK_EQ_INT(lucet_instance_heap_len(NULL), 0);
    CHECK_EQ_INT(lucet_instance_heap_len64(NULL), 0);
    CHECK(!lucet_instance_check_heap(NULL, lucet_instance_heap(inst), 1));
    CHECK(lucet_instance_globals(NULL) == NULL);
    CHECK(lucet_instance_embed_ctx(NULL) == NULL);

    /* Release functions take NULL as a no-op. */
    lucet_region_release(NULL);
    lucet_dl_module_release(NULL);
    lucet_instance_release(NULL);
    lucet_state_release(NULL);
    /* ... and the instance used above is unharmed. */
    CHECK_OK(lucet_instance_run(inst, "double_it", 1, &arg));
}

/* Every fault accessor refuses NULL and an instance that has not faulted. */
static void fault_accessors_without_a_fault(void)
{
    enum lucet_trapcode_type code = (enum lucet_trapcode_type)99;
    bool fatal = true;
    uintptr_t pc = 1, addr = 2;
    int signum = 3;
    char buf[LUCET_FAULT_DESCRIPTION_MAX] = "untouched";

    CHECK_ERR(lucet_instance_fault_trapcode(NULL, &code), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_fault_is_fatal(NULL, &fatal), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_fault_pc(NULL, &pc), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_fault_address(NULL, &addr), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_fault_signal(NULL, &signum), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_fault_describe(NULL, buf, sizeof buf), lucet_error_invalid_argument);

    CHECK_ERR(lucet_instance_fault_trapcode(inst, NULL), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_fault_is_fatal(inst, NULL), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_fault_pc(inst, NULL), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_fault_address(inst, NULL), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_fault_signal(inst, NULL), lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_fault_describe(inst, NULL, 16), lucet_error_invalid_argument);

    /* A fresh instance and one that has just returned have no fault to report. */
    for (int round = 0; round < 2; round++) {
        CHECK_ERR(lucet_instance_fault_trapcode(inst, &code), lucet_error_invalid_argument);
        CHECK_ERR(lucet_instance_fault_is_fatal(inst, &fatal), lucet_error_invalid_argument);
        CHECK_ERR(lucet_instance_fault_pc(inst, &pc), lucet_error_invalid_argument);
        CHECK_ERR(lucet_instance_fault_address(inst, &addr), lucet_error_invalid_argument);
        CHECK_ERR(lucet_instance_fault_signal(inst, &signum), lucet_error_invalid_argument);
        CHECK_ERR(lucet_instance_fault_describe(inst, buf, sizeof buf),
                  lucet_error_invalid_argument);
        CHECK(lucet_error_message()[0] != '\0');
        CHECK_OK(lucet_instance_run(inst, "double_it", 1,
                                    (struct lucet_val[]){ LUCET_VAL_I32(2) }));
    }
    /* Nothing was written. */
    CHECK_EQ_INT(code, 99);
    CHECK(fatal);
    CHECK_EQ_U64(pc, 1);
    CHECK_EQ_U64(addr, 2);
    CHECK_EQ_INT(signum, 3);
    CHECK(strcmp(buf, "untouched") == 0);
}

static int fatal_calls, signal_calls;

static void count_fatal(struct lucet_instance *i)
{
    (void)i;
    fatal_calls++;
}

static enum lucet_signal_behavior count_signal(struct lucet_instance *i,
                                               const struct lucet_trapcode *trap, int signum,
                                               const siginfo_t *siginfo, const void *context)
{
    (void)i, (void)trap, (void)signum, (void)siginfo, (void)context;
    signal_calls++;
    return lucet_signal_behavior_default;
}

/* The setters accept a handler and NULL; neither handler runs without a fault. */
static void handler_setters(void)
{
    struct lucet_state st;

    CHECK_OK(lucet_instance_set_fatal_handler(inst, count_fatal));
    CHECK_OK(lucet_instance_set_signal_handler(inst, count_signal));
    CHECK_OK(lucet_instance_run(inst, "double_it", 1, (struct lucet_val[]){ LUCET_VAL_I32(21) }));
    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned), 42);
    lucet_state_release(&st);
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_EQ_INT(fatal_calls, 0);
    CHECK_EQ_INT(signal_calls, 0);
    CHECK_OK(lucet_instance_set_fatal_handler(inst, NULL));
    CHECK_OK(lucet_instance_set_signal_handler(inst, NULL));
}

/* lucet_state_release on a returned state leaves the result alone. */
static void state_release_of_returned_state(void)
{
    struct lucet_state st;

    CHECK_OK(lucet_instance_run(inst, "negate", 1, (struct lucet_val[]){ LUCET_VAL_I32(5) }));
    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(st.tag, lucet_state_tag_returned);
    lucet_state_release(&st);
    CHECK_EQ_INT(st.tag, lucet_state_tag_returned);
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned), -5);
    /* A state can be read again: the second copy agrees. */
    struct lucet_state again;
    CHECK_OK(lucet_instance_state(inst, &again));
    CHECK(memcmp(&again.val.returned, &st.val.returned, sizeof st.val.returned) == 0);
    lucet_state_release(&again);
}

int main(void)
{
    if (!ctest_setup_instance("core_mem.so", 2, &mod, &region, &inst))
        return 1;
    RUN_CASE(error_names);
    RUN_CASE(state_tag_names);
    RUN_CASE(error_message_per_thread);
    RUN_CASE(null_handles_and_out_pointers);
    RUN_CASE(fault_accessors_without_a_fault);
    RUN_CASE(handler_setters);
    RUN_CASE(state_release_of_returned_state);
    ctest_teardown_instance(mod, region, inst);
    CTEST_EXIT();
}
