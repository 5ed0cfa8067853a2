/*
 * run.c: running guest functions, in C so that the path from the host's call
 * to the guest and back never enters the Go runtime.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "instance.h"
#include "signals.h"

/* Explains the calling thread's most recent failure; see lucet_error_message. */
static __thread char error_message[LUCET_ERROR_MESSAGE_SIZE];

/*
 * A guest fault's message is formatted only when asked for: formatting is a
 * fifth of a fault's cost above the kernel's, and most hosts that expect
 * faults never read the message. Until then the facts wait here.
 */
static __thread bool fault_message_pending;
static __thread struct lucet_fault_summary pending_fault;

enum lucet_error lucet_core_fail_fault(const struct lucet_instance *inst)
{
    lucet_fault_summarize(inst, &pending_fault);
    fault_message_pending = true;
    return lucet_error_runtime_fault;
}

static void format_pending_fault(void)
{
    static const char prefix[] = "guest faulted: ";

    if (!fault_message_pending)
        return;
    fault_message_pending = false;
    memcpy(error_message, prefix, sizeof prefix);
    lucet_fault_format(&pending_fault, error_message + sizeof prefix - 1,
                       sizeof error_message - (sizeof prefix - 1));
}

enum lucet_error lucet_core_fail(enum lucet_error err, const char *fmt, ...)
{
    va_list ap;

    fault_message_pending = false;
    va_start(ap, fmt);
    vsnprintf(error_message, sizeof error_message, fmt, ap);
    va_end(ap);
    return err;
}

void lucet_core_set_error_message(const char *msg)
{
    fault_message_pending = false;
    snprintf(error_message, sizeof error_message, "%s", msg);
}

const char *lucet_core_error_message(void)
{
    format_pending_fault();
    return error_message;
}

void lucet_core_copy_error(char *buf, size_t len)
{
    if (len == 0)
        return;
    format_pending_fault();
    snprintf(buf, len, "%s", error_message);
}

/* The wasm value type each lucet_val_type stands for; see lucet_types.h. */
static uint32_t val_wasm_type(enum lucet_val_type ty)
{
    switch (ty) {
    case lucet_val_type_guest_ptr:
    case lucet_val_type_u8:
    case lucet_val_type_u16:
    case lucet_val_type_u32:
    case lucet_val_type_i8:
    case lucet_val_type_i16:
    case lucet_val_type_i32:
    case lucet_val_type_usize:
    case lucet_val_type_isize:
    case lucet_val_type_bool:
        return lucet_module_valtype_i32;
    case lucet_val_type_c_ptr:
    case lucet_val_type_u64:
    case lucet_val_type_i64:
        return lucet_module_valtype_i64;
    case lucet_val_type_f32:
        return lucet_module_valtype_f32;
    case lucet_val_type_f64:
        return lucet_module_valtype_f64;
    }
    return 0;
}

static const char *valtype_name(uint32_t t)
{
    switch (t) {
    case lucet_module_valtype_i32:
        return "i32";
    case lucet_module_valtype_i64:
        return "i64";
    case lucet_module_valtype_f32:
        return "f32";
    case lucet_module_valtype_f64:
        return "f64";
    }
    return "an unknown type";
}

/* The 64 bits an argument occupies in its register or stack slot. */
static uint64_t val_bits(const struct lucet_val *v, uint32_t wasm_type)
{
    switch (wasm_type) {
    case lucet_module_valtype_i32:
        return (uint32_t)v->inner_val.as_u64;
    case lucet_module_valtype_f32: {
        uint32_t bits;
        memcpy(&bits, &v->inner_val.as_f32, sizeof bits);
        return bits;
    }
    default:
        return v->inner_val.as_u64;
    }
}

static const char *function_name(const struct lucet_instance *inst, uint32_t index)
{
    const struct lucet_module_function *fn = &inst->f.module->desc->functions[index];

    return fn->name != NULL ? fn->name : "(unnamed)";
}

enum lucet_error lucet_core_run_function(struct lucet_instance *inst, uint32_t func_index,
                                         uintptr_t argc, const struct lucet_val *argv)
{
    const struct lucet_module *desc;
    const struct lucet_module_function *fn;
    const struct lucet_module_signature *sig;
    struct lucet_boot_args *boot;
    unsigned ngp = 1, nfp = 0, nstack = 0;
    uint64_t *sp, *stack_args;
    struct lucet_signal_guard guard;

    if (!lucet_instance_is_live(inst))
        return lucet_core_fail(lucet_error_invalid_argument, "instance is NULL or released");
    if (argc > 0 && argv == NULL)
        return lucet_core_fail(lucet_error_invalid_argument,
                               "argv is NULL but argc is %lu", (unsigned long)argc);
    switch (inst->f.state) {
    case lucet_state_tag_running:
        return lucet_core_fail(lucet_error_invalid_argument,
                               "instance is already running (a hostcall cannot re-enter it)");
    case lucet_state_tag_terminated:
        return lucet_core_fail(lucet_error_invalid_argument,
                               "instance was terminated; reset it before running it again");
    case lucet_state_tag_fault:
        if (inst->f.fault.fatal)
            return lucet_core_fail(lucet_error_invalid_argument,
                                   "instance had a fatal fault and cannot run again");
        break;
    }
    if (lucet_signals_current_instance() != NULL)
        return lucet_core_fail(lucet_error_invalid_argument,
                               "another instance is running on this thread");

    desc = inst->f.module->desc;
    fn = &desc->functions[func_index];
    sig = &desc->signatures[fn->signature];
    if (argc != sig->param_count)
        return lucet_core_fail(lucet_error_invalid_argument,
                               "function %s takes %u arguments, %lu given",
                               function_name(inst, func_index), sig->param_count,
                               (unsigned long)argc);

    /*
     * Lay out the fresh guest stack: the arguments that do not fit in
     * registers go where the guest's call will see them, 16-byte aligned,
     * and below them the bootstrap's address for the context switch to
     * return into. Count them first so they can be written in place.
     */
    for (uint32_t i = 0; i < sig->param_count; i++) {
        bool fp = sig->params[i] == lucet_module_valtype_f32 ||
                  sig->params[i] == lucet_module_valtype_f64;
        unsigned *used = fp ? &nfp : &ngp;

        if (*used < (fp ? LUCET_BOOT_FP_REGS : LUCET_BOOT_GP_REGS))
            (*used)++;
        else
            nstack++;
    }
    if ((uint64_t)(nstack + 2) * sizeof(uint64_t) > inst->f.stack_size / 2)
        return lucet_core_fail(lucet_error_unsupported, "%u stack arguments do not fit the stack",
                               nstack);
    sp = (uint64_t *)(inst->f.stack + inst->f.stack_size) - ((nstack + 1) & ~1u);
    stack_args = sp;
    *--sp = (uint64_t)(uintptr_t)lucet_context_bootstrap;

    /*
     * Place each argument as the SysV ABI would: integers in rdi..r9 after
     * the vmctx, floats in xmm0..xmm7, the rest on the stack in order.
     */
    boot = &inst->f.boot_args;
    boot->gp[0] = (uint64_t)(uintptr_t)inst->f.heap;
    ngp = 1;
    nfp = 0;
    for (uintptr_t i = 0; i < argc; i++) {
        uint32_t want = sig->params[i];
        uint32_t have = val_wasm_type(argv[i].ty);
        uint64_t bits;

        if (want != have)
            return lucet_core_fail(lucet_error_invalid_argument,
                                   "argument %lu of %s must be %s, got %s",
                                   (unsigned long)i, function_name(inst, func_index),
                                   valtype_name(want), valtype_name(have));
        bits = val_bits(&argv[i], want);
        if (want == lucet_module_valtype_f32 || want == lucet_module_valtype_f64) {
            if (nfp < LUCET_BOOT_FP_REGS) {
                boot->fp[nfp++] = bits;
                continue;
            }
        } else if (ngp < LUCET_BOOT_GP_REGS) {
            boot->gp[ngp++] = bits;
            continue;
        }
        *stack_args++ = bits;
    }

    inst->f.guest_ctx = (struct lucet_context){
        .rbx = (uint64_t)(uintptr_t)boot,
        .r12 = (uint64_t)(uintptr_t)fn->code,
        .r13 = (uint64_t)(uintptr_t)&inst->f.retval,
        .r14 = (uint64_t)(uintptr_t)&inst->f.host_ctx,
        .rsp = (uint64_t)(uintptr_t)sp,
        .mxcsr = LUCET_DEFAULT_MXCSR,
        .fpucw = LUCET_DEFAULT_FPUCW,
    };
    inst->f.entry = fn;
    inst->f.state = lucet_state_tag_running;

    /* Control comes back here when the guest returns, faults or terminates. */
    lucet_signals_enter(inst, &guard);
    lucet_context_swap(&inst->f.host_ctx, &inst->f.guest_ctx);
    lucet_signals_leave(inst, &guard);

    switch (inst->f.state) {
    case lucet_state_tag_running:
        inst->f.state = lucet_state_tag_returned;
        return lucet_error_ok;
    case lucet_state_tag_terminated:
        return lucet_core_fail(lucet_error_runtime_terminated, "%s",
                               inst->f.terminated_reason == lucet_terminated_reason_signal
                                   ? "terminated by the signal handler"
                                   : "terminated by a hostcall");
    case lucet_state_tag_fault:
        return lucet_signals_after_fault(inst);
    default:
        return lucet_core_fail(lucet_error_internal, "instance in state %u after a run",
                               inst->f.state);
    }
}

/*
 * strcmp, inlined: export names are short, and on the run path a call into
 * libc's vectorised strcmp costs more than the comparison itself.
 */
static inline int compare_names(const char *a, const char *b)
{
    while (*a != 0 && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

/* The export called name, by binary search of the sorted exports, or NULL. */
static const struct lucet_module_export *find_export(const struct lucet_loaded_module *mod,
                                                     const char *name)
{
    uint32_t lo = 0, hi = mod->desc->export_count;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = compare_names(name, mod->sorted_exports[mid]->name);

        if (c == 0)
            return mod->sorted_exports[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

enum lucet_error lucet_core_run_export(struct lucet_instance *inst, const char *name,
                                       uintptr_t argc, const struct lucet_val *argv)
{
    const struct lucet_loaded_module *mod;
    const struct lucet_module_export *found;

    if (!lucet_instance_is_live(inst))
        return lucet_core_fail(lucet_error_invalid_argument, "instance is NULL or released");
    if (name == NULL)
        return lucet_core_fail(lucet_error_invalid_argument, "entrypoint name is NULL");
    mod = inst->f.module;
    found = find_export(mod, name);
    if (found == NULL)
        return lucet_core_fail(lucet_error_symbol_not_found, "module %s has no export named \"%s\"",
                               mod->path, name);
    return lucet_core_run_function(inst, found->function, argc, argv);
}

/* The function index of a table element, or LUCET_MODULE_NO_FUNCTION. */
static uint32_t table_function(const struct lucet_module *desc, uint32_t table_idx,
                               uint32_t func_idx)
{
    if (table_idx >= desc->table_count || func_idx >= desc->tables[table_idx].elem_count)
        return LUCET_MODULE_NO_FUNCTION;
    return desc->tables[table_idx].elems[func_idx].function;
}

enum lucet_error lucet_core_run_table(struct lucet_instance *inst, uint32_t table_idx,
                                      uint32_t func_idx, uintptr_t argc,
                                      const struct lucet_val *argv)
{
    uint32_t index;

    if (!lucet_instance_is_live(inst))
        return lucet_core_fail(lucet_error_invalid_argument, "instance is NULL or released");
    index = table_function(inst->f.module->desc, table_idx, func_idx);
    if (index == LUCET_MODULE_NO_FUNCTION)
        return lucet_core_fail(lucet_error_func_not_found,
                               "no function at index %u of table %u", func_idx, table_idx);
    return lucet_core_run_function(inst, index, argc, argv);
}

/*
 * Makes `pages` more wasm pages of the heap accessible. Returns 0 on success
 * (with the old length in *old_len), ERANGE past the limit, or the errno of a
 * failed mprotect; the heap is unchanged on failure.
 */
static int heap_grow(struct lucet_instance *inst, uint32_t pages, uint64_t *old_len)
{
    uint64_t delta = (uint64_t)pages * LUCET_WASM_PAGE_SIZE;

    *old_len = inst->f.heap_len;
    if (delta > inst->f.heap_limit - *old_len)
        return ERANGE;
    if (delta > 0 && mprotect(inst->f.heap + *old_len, delta, PROT_READ | PROT_WRITE) != 0)
        return errno;
    inst->f.heap_len = *old_len + delta;
    return 0;
}

enum lucet_error lucet_core_grow_heap(struct lucet_instance *inst, uint32_t pages,
                                      uint32_t *previous_pages)
{
    uint64_t old_len;
    int err;

    if (!lucet_instance_is_live(inst))
        return lucet_core_fail(lucet_error_invalid_argument, "instance is NULL or released");
    err = heap_grow(inst, pages, &old_len);
    if (err == ERANGE)
        return lucet_core_fail(lucet_error_limits_exceeded,
                               "cannot grow heap of %llu pages by %u: the limit is %llu pages",
                               (unsigned long long)(old_len / LUCET_WASM_PAGE_SIZE), pages,
                               (unsigned long long)(inst->f.heap_limit / LUCET_WASM_PAGE_SIZE));
    if (err != 0)
        return lucet_core_fail(lucet_error_internal, "mprotect to grow the heap failed: %s",
                               strerror(err));
    if (previous_pages != NULL)
        *previous_pages = (uint32_t)(old_len / LUCET_WASM_PAGE_SIZE);
    return lucet_error_ok;
}

/* ---- Functions for guest code and hostcalls (lucet_vmctx.h) ----------- */

char *lucet_vmctx_get_heap(struct lucet_vmctx const *vmctx)
{
    return (char *)lucet_instance_from_vmctx(vmctx)->f.heap;
}

bool lucet_vmctx_check_heap(struct lucet_vmctx const *vmctx, void *ptr, size_t len)
{
    const struct lucet_instance *inst = lucet_instance_from_vmctx(vmctx);
    uintptr_t start = (uintptr_t)inst->f.heap, p = (uintptr_t)ptr;

    return p >= start && p - start <= inst->f.heap_len && len <= inst->f.heap_len - (p - start);
}

void *lucet_vmctx_get_delegate(struct lucet_vmctx const *vmctx)
{
    return lucet_instance_from_vmctx(vmctx)->f.embed_ctx;
}

void lucet_vmctx_terminate(struct lucet_vmctx const *vmctx, void *info)
{
    struct lucet_instance *inst = lucet_instance_from_vmctx(vmctx);

    inst->f.terminated_reason = lucet_terminated_reason_provided;
    inst->f.terminated_info = info;
    inst->f.state = lucet_state_tag_terminated;
    lucet_context_set(&inst->f.host_ctx);
}

uint32_t lucet_vmctx_current_memory(struct lucet_vmctx const *vmctx)
{
    return (uint32_t)(lucet_instance_from_vmctx(vmctx)->f.heap_len / LUCET_WASM_PAGE_SIZE);
}

int32_t lucet_vmctx_grow_memory(struct lucet_vmctx const *vmctx, uint32_t additional_pages)
{
    uint64_t old_len;

    if (heap_grow(lucet_instance_from_vmctx(vmctx), additional_pages, &old_len) != 0)
        return -1;
    return (int32_t)(old_len / LUCET_WASM_PAGE_SIZE);
}

void *lucet_vmctx_get_func_from_idx(struct lucet_vmctx const *vmctx, uint32_t table_id,
                                    uint32_t func_id)
{
    const struct lucet_module *desc = lucet_instance_from_vmctx(vmctx)->f.module->desc;
    uint32_t index = table_function(desc, table_id, func_id);

    if (index == LUCET_MODULE_NO_FUNCTION)
        return NULL;
    return (void *)desc->functions[index].code;
}

int64_t *lucet_vmctx_get_globals(struct lucet_vmctx const *vmctx)
{
    return lucet_instance_from_vmctx(vmctx)->globals;
}
