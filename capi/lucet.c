/*
 * lucet.c: the public functions of lucet.h. Lifetimes are managed in Go (the
 * lucetgo_* functions); running, state and heap access are answered here in
 * C, so that a run never crosses into the Go runtime.
 */
#include <string.h>

#include "lucet.h"
#include "instance.h"
#include "signals.h"
#include "_cgo_export.h"

/* ---- Errors and names ---------------------------------------------------- */

const char *lucet_error_name(enum lucet_error e)
{
    static const char *const names[] = {
        [lucet_error_ok] = "lucet_error_ok",
        [lucet_error_invalid_argument] = "lucet_error_invalid_argument",
        [lucet_error_region_full] = "lucet_error_region_full",
        [lucet_error_module] = "lucet_error_module",
        [lucet_error_limits_exceeded] = "lucet_error_limits_exceeded",
        [lucet_error_no_linear_memory] = "lucet_error_no_linear_memory",
        [lucet_error_symbol_not_found] = "lucet_error_symbol_not_found",
        [lucet_error_func_not_found] = "lucet_error_func_not_found",
        [lucet_error_runtime_fault] = "lucet_error_runtime_fault",
        [lucet_error_runtime_terminated] = "lucet_error_runtime_terminated",
        [lucet_error_dl] = "lucet_error_dl",
        [lucet_error_internal] = "lucet_error_internal",
        [lucet_error_unsupported] = "lucet_error_unsupported",
    };

    if ((unsigned)e < sizeof names / sizeof names[0])
        return names[e];
    return "lucet_error_unknown";
}

const char *lucet_state_tag_name(enum lucet_state_tag tag)
{
    static const char *const names[] = {
        [lucet_state_tag_returned] = "lucet_state_tag_returned",
        [lucet_state_tag_running] = "lucet_state_tag_running",
        [lucet_state_tag_fault] = "lucet_state_tag_fault",
        [lucet_state_tag_terminated] = "lucet_state_tag_terminated",
    };

    if ((unsigned)tag < sizeof names / sizeof names[0])
        return names[tag];
    return "lucet_state_tag_unknown";
}

const char *lucet_error_message(void)
{
    return lucet_core_error_message();
}

/* ---- Regions, modules, instance lifetimes (Go) --------------------------- */

enum lucet_error lucet_mmap_region_create(uint64_t instance_capacity,
                                          const struct lucet_alloc_limits *limits,
                                          struct lucet_region **region_out)
{
    return (enum lucet_error)lucetgo_region_create(
        instance_capacity, (struct lucet_alloc_limits *)limits, (void **)region_out);
}

void lucet_region_release(const struct lucet_region *region)
{
    if (region != NULL)
        lucetgo_region_release((void *)region);
}

enum lucet_error lucet_region_new_instance(const struct lucet_region *region,
                                           const struct lucet_dl_module *module,
                                           struct lucet_instance **inst_out)
{
    return lucet_region_new_instance_with_ctx(region, module, NULL, inst_out);
}

enum lucet_error lucet_region_new_instance_with_ctx(const struct lucet_region *region,
                                                    const struct lucet_dl_module *module,
                                                    void *embed_ctx,
                                                    struct lucet_instance **inst_out)
{
    return (enum lucet_error)lucetgo_new_instance((void *)region, (void *)module, embed_ctx,
                                                  (void **)inst_out);
}

enum lucet_error lucet_dl_module_load(const char *path, struct lucet_dl_module **mod_out)
{
    return (enum lucet_error)lucetgo_module_load((char *)path, (void **)mod_out);
}

void lucet_dl_module_release(const struct lucet_dl_module *module)
{
    if (module != NULL)
        lucetgo_module_release((void *)module);
}

enum lucet_error lucet_hostcall_register(const char *module, const char *field, void *fn)
{
    return (enum lucet_error)lucetgo_hostcall_register((char *)module, (char *)field, fn);
}

void lucet_instance_release(struct lucet_instance *inst)
{
    if (inst != NULL)
        lucetgo_instance_release(inst);
}

enum lucet_error lucet_instance_reset(struct lucet_instance *inst)
{
    if (inst == NULL)
        return lucet_core_fail(lucet_error_invalid_argument, "instance is NULL");
    return (enum lucet_error)lucetgo_instance_reset(inst);
}

/* ---- Running and state (C only) ------------------------------------------ */

enum lucet_error lucet_instance_run(struct lucet_instance *inst, const char *entrypoint,
                                    uintptr_t argc, const struct lucet_val *argv)
{
    return lucet_core_run_export(inst, entrypoint, argc, argv);
}

enum lucet_error lucet_instance_run_func_idx(struct lucet_instance *inst, uint32_t table_idx,
                                             uint32_t func_idx, uintptr_t argc,
                                             const struct lucet_val *argv)
{
    return lucet_core_run_table(inst, table_idx, func_idx, argc, argv);
}

enum lucet_error lucet_instance_state(const struct lucet_instance *inst,
                                      struct lucet_state *state_out)
{
    return lucet_core_state(inst, state_out);
}

void lucet_state_release(struct lucet_state *state)
{
    lucet_core_state_release(state);
}

enum lucet_error lucet_instance_grow_heap(struct lucet_instance *inst, uint32_t additional_pages,
                                          uint32_t *previous_pages_out)
{
    return lucet_core_grow_heap(inst, additional_pages, previous_pages_out);
}

uint8_t *lucet_instance_heap(struct lucet_instance *inst)
{
    return lucet_instance_is_live(inst) ? inst->f.heap : NULL;
}

uint64_t lucet_instance_heap_len64(const struct lucet_instance *inst)
{
    return lucet_instance_is_live(inst) ? inst->f.heap_len : 0;
}

uint32_t lucet_instance_heap_len(const struct lucet_instance *inst)
{
    uint64_t len = lucet_instance_heap_len64(inst);

    return len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
}

bool lucet_instance_check_heap(const struct lucet_instance *inst, const void *ptr, uintptr_t len)
{
    if (!lucet_instance_is_live(inst))
        return false;
    return lucet_vmctx_check_heap((const struct lucet_vmctx *)inst->f.heap, (void *)ptr, len);
}

int64_t *lucet_instance_globals(struct lucet_instance *inst)
{
    return lucet_instance_is_live(inst) ? inst->globals : NULL;
}

void *lucet_instance_embed_ctx(struct lucet_instance *inst)
{
    return lucet_instance_is_live(inst) ? inst->f.embed_ctx : NULL;
}

enum lucet_error lucet_instance_set_fatal_handler(struct lucet_instance *inst,
                                                  lucet_fatal_handler fatal_handler)
{
    if (!lucet_instance_is_live(inst))
        return lucet_core_fail(lucet_error_invalid_argument, "instance is NULL or released");
    inst->f.fatal_handler = fatal_handler;
    return lucet_error_ok;
}

enum lucet_error lucet_instance_set_signal_handler(struct lucet_instance *inst,
                                                   lucet_signal_handler signal_handler)
{
    if (!lucet_instance_is_live(inst))
        return lucet_core_fail(lucet_error_invalid_argument, "instance is NULL or released");
    inst->f.signal_handler = signal_handler;
    return lucet_error_ok;
}

union lucet_retval_gp lucet_retval_gp(const struct lucet_untyped_retval *retval)
{
    union lucet_retval_gp gp;

    memset(&gp, 0, sizeof gp);
    if (retval != NULL)
        memcpy(gp.as_untyped, retval->gp, sizeof gp.as_untyped);
    return gp;
}

float lucet_retval_f32(const struct lucet_untyped_retval *retval)
{
    float f = 0;

    if (retval != NULL)
        memcpy(&f, retval->fp, sizeof f);
    return f;
}

double lucet_retval_f64(const struct lucet_untyped_retval *retval)
{
    double d = 0;

    if (retval != NULL)
        memcpy(&d, retval->fp, sizeof d);
    return d;
}

/* ---- Faults -------------------------------------------------------------- */

/* Checks the out-pointer and fetches the fault record, or fails. */
#define FAULT_OR_FAIL(inst, out, fault)                                                  \
    const struct lucet_fault_record *fault;                                             \
    if ((out) == NULL)                                                                  \
        return lucet_core_fail(lucet_error_invalid_argument, "%s is NULL", #out);       \
    if ((fault = lucet_core_fault(inst)) == NULL)                                       \
        return lucet_error_invalid_argument

enum lucet_error lucet_instance_fault_trapcode(const struct lucet_instance *inst,
                                               enum lucet_trapcode_type *code_out)
{
    FAULT_OR_FAIL(inst, code_out, fault);
    *code_out = (enum lucet_trapcode_type)fault->trapcode;
    return lucet_error_ok;
}

enum lucet_error lucet_instance_fault_is_fatal(const struct lucet_instance *inst, bool *fatal_out)
{
    FAULT_OR_FAIL(inst, fatal_out, fault);
    *fatal_out = fault->fatal;
    return lucet_error_ok;
}

enum lucet_error lucet_instance_fault_pc(const struct lucet_instance *inst, uintptr_t *pc_out)
{
    FAULT_OR_FAIL(inst, pc_out, fault);
    *pc_out = fault->pc;
    return lucet_error_ok;
}

enum lucet_error lucet_instance_fault_address(const struct lucet_instance *inst,
                                              uintptr_t *addr_out)
{
    FAULT_OR_FAIL(inst, addr_out, fault);
    *addr_out = fault->addr;
    return lucet_error_ok;
}

enum lucet_error lucet_instance_fault_signal(const struct lucet_instance *inst, int *signum_out)
{
    FAULT_OR_FAIL(inst, signum_out, fault);
    *signum_out = fault->signum;
    return lucet_error_ok;
}

enum lucet_error lucet_instance_fault_describe(const struct lucet_instance *inst, char *buf,
                                               size_t len)
{
    FAULT_OR_FAIL(inst, buf, fault);
    (void)fault;
    lucet_fault_describe(inst, buf, len);
    return lucet_error_ok;
}
