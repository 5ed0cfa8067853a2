/*
 * state.c: reading an instance's state and last fault from C, without
 * entering Go.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "signals.h"

/* A heap copy of s, or NULL for NULL. */
static char *copy_string(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

enum lucet_error lucet_core_state(const struct lucet_instance *inst, struct lucet_state *out)
{
    if (!lucet_instance_is_live(inst))
        return lucet_core_fail(lucet_error_invalid_argument, "instance is NULL or released");
    if (out == NULL)
        return lucet_core_fail(lucet_error_invalid_argument, "state_out is NULL");

    /*
     * Only the union member the tag selects is written: clearing all of
     * struct lucet_state (over a kilobyte, for the fault's ucontext) would
     * cost more than a run when the result is read after each one.
     */
    out->tag = (enum lucet_state_tag)inst->f.state;
    switch (inst->f.state) {
    case lucet_state_tag_returned:
        memcpy(out->val.returned.gp, &inst->f.retval.gp, sizeof out->val.returned.gp);
        memcpy(out->val.returned.fp, inst->f.retval.fp, sizeof out->val.returned.fp);
        break;
    case lucet_state_tag_running:
        out->val.running = true;
        break;
    case lucet_state_tag_terminated:
        out->val.terminated.reason = (enum lucet_terminated_reason)inst->f.terminated_reason;
        out->val.terminated.provided = inst->f.terminated_info;
        break;
    case lucet_state_tag_fault: {
        const struct lucet_fault_record *fault = &inst->f.fault;
        struct lucet_runtime_fault *rf = &out->val.fault;
        Dl_info dl;

        memset(rf, 0, sizeof *rf);
        rf->fatal = fault->fatal;
        rf->trapcode.code = (enum lucet_trapcode_type)fault->trapcode;
        rf->trapcode.tag = fault->tag;
        rf->rip_addr = fault->pc;
        rf->rip_addr_details.in_module_code = fault->in_module_code;
        /* dladdr is not async-signal-safe, so symbols are resolved here, not in the handler. */
        if (dladdr((void *)fault->pc, &dl) != 0) {
            rf->rip_addr_details.module_code_resolvable = true;
            rf->rip_addr_details.file_name = copy_string(dl.dli_fname);
            rf->rip_addr_details.sym_name = copy_string(dl.dli_sname);
        }
        memcpy(&rf->signal_info, &fault->siginfo, sizeof rf->signal_info);
        memcpy(&rf->context, &fault->context, sizeof rf->context);
        /* The floating-point state travels inside the copy (see record_fault). */
        if (rf->context.uc_mcontext.fpregs != NULL)
            rf->context.uc_mcontext.fpregs = &rf->context.__fpregs_mem;
        break;
    }
    }
    return lucet_error_ok;
}

void lucet_core_state_release(struct lucet_state *state)
{
    if (state == NULL || state->tag != lucet_state_tag_fault)
        return;
    free((void *)state->val.fault.rip_addr_details.file_name);
    free((void *)state->val.fault.rip_addr_details.sym_name);
    state->val.fault.rip_addr_details.file_name = NULL;
    state->val.fault.rip_addr_details.sym_name = NULL;
}

/* The instance's fault record, or NULL (with the error set) when it has none. */
const struct lucet_fault_record *lucet_core_fault(const struct lucet_instance *inst)
{
    if (!lucet_instance_is_live(inst)) {
        lucet_core_fail(lucet_error_invalid_argument, "instance is NULL or released");
        return NULL;
    }
    if (inst->f.state != lucet_state_tag_fault) {
        lucet_core_fail(lucet_error_invalid_argument, "instance state is %s, not a fault",
                        inst->f.state == lucet_state_tag_returned     ? "returned"
                        : inst->f.state == lucet_state_tag_running    ? "running"
                        : inst->f.state == lucet_state_tag_terminated ? "terminated"
                                                                      : "unknown");
        return NULL;
    }
    return &inst->f.fault;
}
