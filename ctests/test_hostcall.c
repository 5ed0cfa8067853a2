/*
 * test_hostcall.c: host functions called by guests.
 *
 *   - Imports resolve to this program's global symbols (it is linked with
 *     -rdynamic). ctest_host_probe, called from the guest, inspects its
 *     instance with every lucet_vmctx_* function and with the lucet_instance_*
 *     functions a hostcall may call, and records what it saw for the checks.
 *   - lucet_vmctx_terminate ends a run with a payload pointer; the instance
 *     then refuses to run until reset.
 *   - A hostcall running its own instance again, running another instance
 *     or releasing its own instance is refused.
 *   - lucet_hostcall_register resolves imports by module and field name ahead
 *     of the global symbols; a later registration replaces an earlier one.
 *   - A start function that terminates makes instantiation (and reset) fail.
 *
 * Guests: core_hostcall.so, core_registered.so, core_start_hook.so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "ctest.h"

#define PAGE LUCET_WASM_PAGE_SIZE

/* The embed ctx of core_hostcall instances: how a hostcall finds its instance. */
struct host_ctx {
    struct lucet_instance *inst;
    struct lucet_instance *other; /* another idle instance, or NULL */
};

/* What ctest_host_probe saw, filled in while the guest runs. */
static struct {
    int calls;
    int32_t offset;
    const char *vmctx;
    char *heap;
    uint8_t byte_at_offset;
    bool check_at_offset, check_whole, check_past_end, check_below;
    struct host_ctx *delegate;
    uint32_t pages_before;
    int32_t grow_result;
    uint32_t pages_after_grow;
    int32_t grow_past_limit;
    enum lucet_error grow_heap_err;
    uint32_t grow_heap_prev;
    uint32_t pages_after_grow_heap;
    bool grown_check;
    int64_t *globals;
    int64_t global0;
    /* The same instance seen through lucet.h. */
    uint8_t *inst_heap;
    uint64_t inst_heap_len;
    int64_t *inst_globals;
    void *inst_embed_ctx;
    enum lucet_error state_err;
    enum lucet_state_tag state_tag;
    bool state_running;
    enum lucet_error fault_err;
} probe;

/* Called by core_hostcall's call_probe after it wrote 0x5a at heap[offset]. */
int32_t ctest_host_probe(struct lucet_vmctx *vmctx, int32_t offset)
{
    struct lucet_state st;
    enum lucet_trapcode_type code;
    char *heap = lucet_vmctx_get_heap(vmctx);

    probe.calls++;
    probe.offset = offset;
    probe.vmctx = (const char *)vmctx;
    probe.heap = heap;
    probe.byte_at_offset = (uint8_t)heap[offset];
    probe.check_at_offset = lucet_vmctx_check_heap(vmctx, heap + offset, 1);
    probe.check_whole = lucet_vmctx_check_heap(vmctx, heap, PAGE);
    probe.check_past_end = lucet_vmctx_check_heap(vmctx, heap + PAGE, 1);
    probe.check_below = lucet_vmctx_check_heap(vmctx, heap - 1, 1);
    probe.delegate = lucet_vmctx_get_delegate(vmctx);

    /* Grow by one page from the hostcall, then by one more through lucet.h. */
    probe.pages_before = lucet_vmctx_current_memory(vmctx);
    probe.grow_result = lucet_vmctx_grow_memory(vmctx, 1);
    probe.pages_after_grow = lucet_vmctx_current_memory(vmctx);
    probe.grow_heap_err = lucet_instance_grow_heap(probe.delegate->inst, 1, &probe.grow_heap_prev);
    probe.pages_after_grow_heap = lucet_vmctx_current_memory(vmctx);
    /* The region allows 4 pages: 3 + 2 is too many. */
    probe.grow_past_limit = lucet_vmctx_grow_memory(vmctx, 2);
    probe.grown_check = lucet_vmctx_check_heap(vmctx, heap + 3 * PAGE - 1, 1);
    heap[2 * PAGE + 1] = 0x77; /* grown memory is writable */

    probe.globals = lucet_vmctx_get_globals(vmctx);
    probe.global0 = probe.globals[0];
    probe.globals[0] = 4242;

    probe.inst_heap = lucet_instance_heap(probe.delegate->inst);
    probe.inst_heap_len = lucet_instance_heap_len64(probe.delegate->inst);
    probe.inst_globals = lucet_instance_globals(probe.delegate->inst);
    probe.inst_embed_ctx = lucet_instance_embed_ctx(probe.delegate->inst);
    probe.state_err = lucet_instance_state(probe.delegate->inst, &st);
    if (probe.state_err == lucet_error_ok) {
        probe.state_tag = st.tag;
        probe.state_running = st.val.running;
        lucet_state_release(&st);
    }
    probe.fault_err = lucet_instance_fault_trapcode(probe.delegate->inst, &code);
    return offset * 3 + 1;
}

static int terminate_calls;

/* Called by core_hostcall's terminate_with; does not return. */
void ctest_host_terminate(struct lucet_vmctx *vmctx, int64_t payload)
{
    terminate_calls++;
    lucet_vmctx_terminate(vmctx, (void *)(intptr_t)payload);
}

static struct {
    enum lucet_error run_err;
    char run_message[256];
    enum lucet_error run_other_err;
    char release_message[256];
} reenter;

/*
 * Called by core_hostcall's call_reenter. Running its own instance, running
 * any other instance on this thread and releasing its own instance must all
 * be refused (lucet.h), leaving the run to finish normally.
 */
int32_t ctest_host_reenter(struct lucet_vmctx *vmctx)
{
    struct host_ctx *ctx = lucet_vmctx_get_delegate(vmctx);
    struct lucet_val arg = LUCET_VAL_I32(0);

    reenter.run_err = lucet_instance_run(ctx->inst, "load_u8", 1, &arg);
    snprintf(reenter.run_message, sizeof reenter.run_message, "%s", lucet_error_message());
    reenter.run_other_err = lucet_instance_run(ctx->other, "load_u8", 1, &arg);
    lucet_instance_release(ctx->inst);
    snprintf(reenter.release_message, sizeof reenter.release_message, "%s",
             lucet_error_message());
    return 7;
}

/* Resolves env.ctest_shadowed while nothing is registered under that name. */
int32_t ctest_shadowed(struct lucet_vmctx *vmctx)
{
    (void)vmctx;
    return 1;
}

/* Registered hostcalls: static, so no global symbol resolves to them. */
static int32_t registered_triple(struct lucet_vmctx *vmctx, int32_t x)
{
    (void)vmctx;
    return 3 * x + 1;
}

static int32_t registered_times_five(struct lucet_vmctx *vmctx, int32_t x)
{
    (void)vmctx;
    return 5 * x;
}

static int32_t registered_shadow(struct lucet_vmctx *vmctx)
{
    (void)vmctx;
    return 2;
}

static int start_hook_calls;
static bool start_hook_terminates;

/* Called by core_start_hook's start function. */
void ctest_start_hook(struct lucet_vmctx *vmctx)
{
    start_hook_calls++;
    if (start_hook_terminates)
        lucet_vmctx_terminate(vmctx, &start_hook_calls);
}

/* ---- helpers ------------------------------------------------------------ */

static struct lucet_dl_module *hostcall_mod;
static struct lucet_region *region; /* 4-page heaps */

static struct lucet_instance *new_hostcall_instance(struct host_ctx *ctx)
{
    struct lucet_instance *inst = NULL;

    CHECK_OK(lucet_region_new_instance_with_ctx(region, hostcall_mod, ctx, &inst));
    ctx->inst = inst;
    ctx->other = NULL;
    return inst;
}

/* ---- cases ---------------------------------------------------------------- */

static void hostcall_resolved_from_global_symbol(void)
{
    struct host_ctx ctx;
    struct lucet_instance *inst = new_hostcall_instance(&ctx);
    uint8_t *heap = lucet_instance_heap(inst);

    lucet_instance_globals(inst)[0] = -17;
    memset(&probe, 0, sizeof probe);
    CHECK_EQ_INT((int32_t)ctest_run_gp(inst, "call_probe", 1,
                                       (struct lucet_val[]){ LUCET_VAL_I32(300) }),
                 901);
    CHECK_EQ_INT(probe.calls, 1);
    CHECK_EQ_INT(probe.offset, 300);

    /* The vmctx the hostcall receives is the heap base. */
    CHECK(probe.vmctx == (const char *)heap);
    CHECK(probe.heap == (char *)heap);
    CHECK_EQ_INT(probe.byte_at_offset, 0x5a);
    CHECK(probe.check_at_offset);
    CHECK(probe.check_whole);
    CHECK(!probe.check_past_end);
    CHECK(!probe.check_below);
    CHECK(probe.delegate == &ctx);

    CHECK_EQ_INT(probe.pages_before, 1);
    CHECK_EQ_INT(probe.grow_result, 1);
    CHECK_EQ_INT(probe.pages_after_grow, 2);
    CHECK_ERR(probe.grow_heap_err, lucet_error_ok);
    CHECK_EQ_INT(probe.grow_heap_prev, 2);
    CHECK_EQ_INT(probe.pages_after_grow_heap, 3);
    CHECK_EQ_INT(probe.grow_past_limit, -1);
    CHECK(probe.grown_check);
    CHECK_EQ_U64(lucet_instance_heap_len(inst), 3 * PAGE);
    CHECK_EQ_INT(heap[2 * PAGE + 1], 0x77);

    /* Globals: the host's write was seen, the hostcall's is seen by host and guest. */
    CHECK(probe.globals == lucet_instance_globals(inst));
    CHECK_EQ_INT(probe.global0, -17);
    CHECK_EQ_INT(lucet_instance_globals(inst)[0], 4242);
    CHECK_EQ_INT(ctest_run_gp(inst, "get_global0", 0, NULL), 4242);

    /* lucet.h functions allowed in a hostcall saw the same instance, running. */
    CHECK(probe.inst_heap == heap);
    CHECK_EQ_U64(probe.inst_heap_len, 3 * PAGE);
    CHECK(probe.inst_globals == lucet_instance_globals(inst));
    CHECK(probe.inst_embed_ctx == &ctx);
    CHECK_ERR(probe.state_err, lucet_error_ok);
    CHECK_EQ_INT(probe.state_tag, lucet_state_tag_running);
    CHECK(probe.state_running);
    CHECK_ERR(probe.fault_err, lucet_error_invalid_argument);
    lucet_instance_release(inst);
}

static void terminate_with_payload(void)
{
    struct host_ctx ctx;
    struct lucet_instance *inst = new_hostcall_instance(&ctx);
    const uint8_t *heap = lucet_instance_heap(inst);
    static int payload_object;
    struct lucet_state st;

    terminate_calls = 0;
    CHECK_ERR(lucet_instance_run(inst, "terminate_with", 1,
                                 (struct lucet_val[]){ LUCET_VAL_C_PTR(&payload_object) }),
              lucet_error_runtime_terminated);
    CHECK(lucet_error_message()[0] != '\0');
    CHECK_EQ_INT(terminate_calls, 1);
    /* The guest got as far as the hostcall and no further. */
    CHECK_EQ_INT(heap[16], 1);
    CHECK_EQ_INT(heap[17], 0);

    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(st.tag, lucet_state_tag_terminated);
    CHECK_EQ_INT(st.val.terminated.reason, lucet_terminated_reason_provided);
    CHECK(st.val.terminated.provided == &payload_object);
    lucet_state_release(&st);
    /* The fault accessors have nothing to report. */
    bool fatal;
    CHECK_ERR(lucet_instance_fault_is_fatal(inst, &fatal), lucet_error_invalid_argument);

    /* A terminated instance refuses to run until it is reset. */
    CHECK_ERR(lucet_instance_run(inst, "load_u8", 1, (struct lucet_val[]){ LUCET_VAL_I32(16) }),
              lucet_error_invalid_argument);
    CHECK_ERR(lucet_instance_run(inst, "get_global0", 0, NULL), lucet_error_invalid_argument);
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(st.tag, lucet_state_tag_returned);
    lucet_state_release(&st);
    /* The reset cleared the guest's mark, and the instance runs again. */
    CHECK_EQ_INT(ctest_run_gp(inst, "load_u8", 1, (struct lucet_val[]){ LUCET_VAL_I32(16) }), 0);
    CHECK_EQ_INT(ctest_run_gp(inst, "get_global0", 0, NULL), 5);

    /* A NULL payload is reported as NULL. */
    CHECK_ERR(lucet_instance_run(inst, "terminate_with", 1,
                                 (struct lucet_val[]){ LUCET_VAL_C_PTR(NULL) }),
              lucet_error_runtime_terminated);
    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(st.tag, lucet_state_tag_terminated);
    CHECK(st.val.terminated.provided == NULL);
    lucet_state_release(&st);
    CHECK_OK(lucet_instance_reset(inst));
    lucet_instance_release(inst);
}

static void hostcall_cannot_run_or_release(void)
{
    struct host_ctx ctx, other_ctx;
    struct lucet_instance *inst = new_hostcall_instance(&ctx);

    ctx.other = new_hostcall_instance(&other_ctx);
    memset(&reenter, 0, sizeof reenter);
    CHECK_EQ_INT((int32_t)ctest_run_gp(inst, "call_reenter", 0, NULL), 1007);
    CHECK_ERR(reenter.run_err, lucet_error_invalid_argument);
    CHECK(reenter.run_message[0] != '\0');
    CHECK_ERR(reenter.run_other_err, lucet_error_invalid_argument);
    CHECK_STR_CONTAINS(reenter.release_message, "release");
    /* The outer run finished normally; both instances still run. */
    CHECK_EQ_INT(ctest_run_gp(inst, "get_global0", 0, NULL), 5);
    CHECK_EQ_INT(ctest_run_gp(ctx.other, "get_global0", 0, NULL), 5);
    lucet_instance_release(ctx.other);
    lucet_instance_release(inst);
}

/*
 * The registration cases run in this order: registrations are process-wide
 * and each builds on the one before.
 */
static void unregistered_import_is_not_found(void)
{
    struct lucet_dl_module *mod = NULL;

    /* Nothing but a registration can resolve this import. */
    CHECK(dlsym(RTLD_DEFAULT, "ctest_registered_only") == NULL);
    /* The same field under another module name does not count. */
    CHECK_OK(lucet_hostcall_register("not_ctest_private", "ctest_registered_only",
                                     (void *)registered_triple));
    CHECK_ERR(lucet_dl_module_load(ctest_guest_path("core_registered.so"), &mod),
              lucet_error_symbol_not_found);
    CHECK(mod == NULL);
    CHECK_STR_CONTAINS(lucet_error_message(), "ctest_private.ctest_registered_only");
}

static int32_t run_registered_guest(const char *name, uintptr_t argc, const struct lucet_val *argv)
{
    struct lucet_dl_module *mod = NULL;
    struct lucet_instance *inst = NULL;
    int32_t result = INT32_MIN;

    CHECK_OK(lucet_dl_module_load(ctest_guest_path("core_registered.so"), &mod));
    CHECK_OK(lucet_region_new_instance(region, mod, &inst));
    if (inst != NULL)
        result = (int32_t)ctest_run_gp(inst, name, argc, argv);
    lucet_instance_release(inst);
    lucet_dl_module_release(mod);
    return result;
}

static void registered_hostcall_resolves_import(void)
{
    CHECK_OK(lucet_hostcall_register("ctest_private", "ctest_registered_only",
                                     (void *)registered_triple));
    CHECK_EQ_INT(run_registered_guest("call_registered", 1, (struct lucet_val[]){ LUCET_VAL_I32(4) }),
                 13);
    /* Without a registration, env.ctest_shadowed is this program's global symbol. */
    CHECK_EQ_INT(run_registered_guest("call_shadowed", 0, NULL), 1);
}

static void registration_comes_before_global_symbols(void)
{
    CHECK_OK(lucet_hostcall_register("env", "ctest_shadowed", (void *)registered_shadow));
    CHECK_EQ_INT(run_registered_guest("call_shadowed", 0, NULL), 2);
}

static void registering_again_replaces(void)
{
    CHECK_OK(lucet_hostcall_register("ctest_private", "ctest_registered_only",
                                     (void *)registered_times_five));
    CHECK_EQ_INT(run_registered_guest("call_registered", 1, (struct lucet_val[]){ LUCET_VAL_I32(4) }),
                 20);
}

/*
 * A registration applies to modules loaded after it, but imports are
 * resolved once per shared object: loading the same file again while it is
 * loaded shares the first load's imports (neither module is rewired), and
 * only a load after every module of that file was released sees the new
 * registration.
 */
static void registration_leaves_loaded_modules_alone(void)
{
    struct lucet_dl_module *before = NULL, *again = NULL, *after = NULL;
    struct lucet_instance *old_inst = NULL, *again_inst = NULL, *new_inst = NULL;
    struct lucet_val four = LUCET_VAL_I32(4);

    /* registered_times_five is the registration in force from the case before. */
    CHECK_OK(lucet_dl_module_load(ctest_guest_path("core_registered.so"), &before));
    CHECK_OK(lucet_region_new_instance(region, before, &old_inst));
    CHECK_EQ_INT((int32_t)ctest_run_gp(old_inst, "call_registered", 1, &four), 20);

    CHECK_OK(lucet_hostcall_register("ctest_private", "ctest_registered_only",
                                     (void *)registered_triple));
    CHECK_OK(lucet_dl_module_load(ctest_guest_path("core_registered.so"), &again));
    CHECK_OK(lucet_region_new_instance(region, again, &again_inst));
    CHECK_EQ_INT((int32_t)ctest_run_gp(again_inst, "call_registered", 1, &four), 20);
    CHECK_EQ_INT((int32_t)ctest_run_gp(old_inst, "call_registered", 1, &four), 20);

    lucet_instance_release(old_inst);
    lucet_instance_release(again_inst);
    lucet_dl_module_release(before);
    lucet_dl_module_release(again);

    CHECK_OK(lucet_dl_module_load(ctest_guest_path("core_registered.so"), &after));
    CHECK_OK(lucet_region_new_instance(region, after, &new_inst));
    CHECK_EQ_INT((int32_t)ctest_run_gp(new_inst, "call_registered", 1, &four), 13);
    lucet_instance_release(new_inst);
    lucet_dl_module_release(after);
}

static void terminating_start_function(void)
{
    struct lucet_dl_module *mod = NULL;
    struct lucet_region *one = NULL;
    struct lucet_instance *inst = (struct lucet_instance *)&one; /* a sentinel */
    struct lucet_state st;

    CHECK_OK(lucet_dl_module_load(ctest_guest_path("core_start_hook.so"), &mod));
    CHECK_OK(lucet_mmap_region_create(1, NULL, &one));
    start_hook_calls = 0;

    /* The start function terminates: no instance, *inst_out untouched. */
    start_hook_terminates = true;
    CHECK_ERR(lucet_region_new_instance(one, mod, &inst), lucet_error_runtime_terminated);
    CHECK(inst == (struct lucet_instance *)&one);
    CHECK_EQ_INT(start_hook_calls, 1);

    /* The slot went back: the one-slot region has room for the next try. */
    start_hook_terminates = false;
    CHECK_OK(lucet_region_new_instance(one, mod, &inst));
    CHECK_EQ_INT(start_hook_calls, 2);
    CHECK_EQ_INT(ctest_run_gp(inst, "ping", 0, NULL), 77);

    /* A reset whose start function terminates fails the same way. */
    start_hook_terminates = true;
    CHECK_ERR(lucet_instance_reset(inst), lucet_error_runtime_terminated);
    CHECK_EQ_INT(start_hook_calls, 3);
    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(st.tag, lucet_state_tag_terminated);
    CHECK(st.val.terminated.provided == &start_hook_calls);
    lucet_state_release(&st);
    CHECK_ERR(lucet_instance_run(inst, "ping", 0, NULL), lucet_error_invalid_argument);
    start_hook_terminates = false;
    CHECK_OK(lucet_instance_reset(inst));
    CHECK_EQ_INT(ctest_run_gp(inst, "ping", 0, NULL), 77);

    lucet_instance_release(inst);
    lucet_region_release(one);
    lucet_dl_module_release(mod);
}

int main(void)
{
    struct lucet_alloc_limits limits = {
        .heap_memory_size = 4 * PAGE,
        .heap_address_space_size = 8ull << 30,
        .stack_size = 128 * 1024,
        .globals_size = 4096,
    };

    if (lucet_dl_module_load(ctest_guest_path("core_hostcall.so"), &hostcall_mod) != lucet_error_ok ||
        lucet_mmap_region_create(2, &limits, &region) != lucet_error_ok) {
        printf("FAIL setup: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(hostcall_resolved_from_global_symbol);
    RUN_CASE(terminate_with_payload);
    RUN_CASE(hostcall_cannot_run_or_release);
    RUN_CASE(unregistered_import_is_not_found);
    RUN_CASE(registered_hostcall_resolves_import);
    RUN_CASE(registration_comes_before_global_symbols);
    RUN_CASE(registering_again_replaces);
    RUN_CASE(registration_leaves_loaded_modules_alone);
    RUN_CASE(terminating_start_function);
    lucet_region_release(region);
    lucet_dl_module_release(hostcall_mod);
    CTEST_EXIT();
}
