/*
 * signals.c: turning the CPU faults of guest code into instance state.
 *
 * One handler serves SIGSEGV, SIGBUS, SIGFPE and SIGILL for the whole
 * process. It acts only when the calling thread is running an instance and
 * the signal is a synchronous fault; everything else goes, unchanged, to the
 * handler that was installed before it (the Go runtime's, the host's, or the
 * default action). For a guest fault it records what happened in the
 * instance page and rewrites the signal context so that returning from the
 * handler resumes the host where it switched into the guest; it never jumps
 * out of the handler.
 *
 * Everything reached from the handler runs on the alternate signal stack with
 * the guest's registers live: no Go, no locks, no allocation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "signals.h"

/*
 * The instance running on this thread. initial-exec keeps the handler's read
 * of it a plain %fs-relative load that can never allocate.
 */
static __thread struct lucet_instance *current_instance __attribute__((tls_model("initial-exec")));

/* Set once this thread was seen to have a usable alternate stack of its own. */
static __thread bool thread_has_altstack __attribute__((tls_model("initial-exec")));

/* An alternate stack smaller than this is replaced by the slot's for a run. */
#define MIN_USABLE_ALTSTACK (16u * 1024u)

/*
 * What this thread's signal mask does to the fault signals, learnt at its
 * first run: a fault signal that is blocked when the CPU raises it kills
 * the process (the kernel cannot deliver it), so a thread whose mask blocks
 * them, as worker threads that block every signal do, has them unblocked
 * for each run, and its mask put back afterwards.
 */
enum { MASK_UNKNOWN, MASK_OPEN, MASK_BLOCKS_FAULTS };
static __thread unsigned char thread_mask __attribute__((tls_model("initial-exec")));

static const int handled_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };
#define HANDLED_COUNT (sizeof handled_signals / sizeof handled_signals[0])

/* The dispositions our handler replaced, indexed like handled_signals. */
static struct sigaction previous_actions[HANDLED_COUNT];
/* handled_signals as a set, for the signal mask. */
static sigset_t fault_signals;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_errno;

static void handle_fault(int signum, siginfo_t *info, void *context);

static void install_handlers(void)
{
    struct sigaction action;

    /*
     * Touch the thread-locals on the installing thread so that their storage
     * exists before any handler runs (other threads get theirs with their
     * static TLS block).
     */
    current_instance = NULL;
    thread_has_altstack = thread_has_altstack;
    thread_mask = thread_mask;

    sigemptyset(&fault_signals);
    for (size_t i = 0; i < HANDLED_COUNT; i++)
        sigaddset(&fault_signals, handled_signals[i]);

    memset(&action, 0, sizeof action);
    action.sa_sigaction = handle_fault;
    /* SA_SIGINFO: we need si_addr, si_code and the ucontext to rewrite. */
    /* SA_ONSTACK: a guest stack overflow leaves no stack to run on. */
    /* SA_NODEFER is not set: a fault inside the handler is fatal, not recursive. */
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    /* Block the other fault signals while one is handled. */
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < HANDLED_COUNT; i++)
        sigaddset(&action.sa_mask, handled_signals[i]);

    for (size_t i = 0; i < HANDLED_COUNT; i++) {
        if (sigaction(handled_signals[i], &action, &previous_actions[i]) != 0) {
            install_errno = errno;
            return;
        }
    }
}

int lucet_signals_install(void)
{
    pthread_once(&install_once, install_handlers);
    if (install_errno != 0)
        lucet_core_fail(lucet_error_internal, "installing the fault handler failed: %s",
                        strerror(install_errno));
    return install_errno;
}

struct lucet_instance *lucet_signals_current_instance(void)
{
    return current_instance;
}

void lucet_signals_enter(struct lucet_instance *inst, struct lucet_signal_guard *guard)
{
    guard->restore_altstack = false;
    guard->restore_mask = false;

    /*
     * Give the thread an alternate stack unless it already has a big enough
     * one (every Go-managed thread does). Once seen, a thread's own stack is
     * trusted for later runs, which saves two system calls per run; a host
     * that later removes it must not run guests on that thread.
     */
    if (!thread_has_altstack) {
        stack_t slot_stack = {
            .ss_sp = inst->f.sigstack,
            .ss_size = inst->f.sigstack_size,
            .ss_flags = 0,
        };

        /* Install the slot's stack, learning in the same call what was there. */
        if (sigaltstack(&slot_stack, &guard->previous_altstack) == 0) {
            if (!(guard->previous_altstack.ss_flags & SS_DISABLE) &&
                guard->previous_altstack.ss_size >= MIN_USABLE_ALTSTACK) {
                /* The thread's own will do: put it back and use it from now on. */
                sigaltstack(&guard->previous_altstack, NULL);
                thread_has_altstack = true;
            } else {
                guard->restore_altstack = true;
            }
        }
    }

    /*
     * Let the fault signals through. Once a thread was seen not to block
     * them, later runs skip the system call, as for the alternate stack; a
     * host that blocks them on that thread later must not run guests there.
     * A thread seen blocking them is checked at every run. This happens
     * before current_instance is set, so that a signal that was pending
     * goes where it would have gone without us.
     */
    if (thread_mask != MASK_OPEN) {
        sigset_t old;

        if (pthread_sigmask(SIG_UNBLOCK, &fault_signals, &old) == 0) {
            bool blocks = false;

            for (size_t i = 0; i < HANDLED_COUNT; i++)
                blocks = blocks || sigismember(&old, handled_signals[i]) == 1;
            thread_mask = blocks ? MASK_BLOCKS_FAULTS : MASK_OPEN;
            if (blocks) {
                guard->previous_mask = old;
                guard->restore_mask = true;
            }
        }
    }
    current_instance = inst;
}

void lucet_signals_leave(struct lucet_instance *inst, struct lucet_signal_guard *guard)
{
    (void)inst;
    current_instance = NULL;
    if (guard->restore_altstack) {
        /* An altstack that was never enabled comes back as SS_DISABLE. */
        if (guard->previous_altstack.ss_flags & SS_DISABLE) {
            stack_t off = { .ss_flags = SS_DISABLE };
            sigaltstack(&off, NULL);
        } else {
            sigaltstack(&guard->previous_altstack, NULL);
        }
    }
    if (guard->restore_mask)
        pthread_sigmask(SIG_SETMASK, &guard->previous_mask, NULL);
}

/* ---- Chaining ------------------------------------------------------------ */

static const struct sigaction *previous_action(int signum)
{
    for (size_t i = 0; i < HANDLED_COUNT; i++)
        if (handled_signals[i] == signum)
            return &previous_actions[i];
    return NULL;
}

/*
 * Whether the kernel raised the signal for the instruction at the PC, which
 * runs again when the handler returns. A signal sent by kill, raise or
 * sigqueue (si_code <= 0), or a memory error found in the background
 * (BUS_MCEERR_AO), is not.
 */
static bool raised_by_instruction(int signum, const siginfo_t *info)
{
    if (info == NULL || info->si_code <= 0)
        return false;
    return !(signum == SIGBUS && info->si_code == BUS_MCEERR_AO);
}

/*
 * Hands a signal that is not ours to the disposition we replaced, with the
 * same arguments, so that the process behaves as it would have without us:
 *
 *   - a handler is called directly;
 *   - SIG_DFL: the default action is restored; a faulting instruction then
 *     simply runs again and faults for real (so a core dump shows it), and a
 *     sent signal is raised again;
 *   - SIG_IGN: a sent signal is dropped, but a faulting instruction cannot
 *     be ignored (returning would run it again forever): the kernel kills a
 *     process that ignores or blocks a fault, and so do we, as for SIG_DFL.
 */
static void chain_signal(int signum, siginfo_t *info, void *context)
{
    const struct sigaction *prev = previous_action(signum);
    bool instruction = raised_by_instruction(signum, info);
    struct sigaction dfl;
    sigset_t unblock;

    if (prev == NULL)
        return;
    if (prev->sa_flags & SA_SIGINFO) {
        if (prev->sa_sigaction != NULL)
            prev->sa_sigaction(signum, info, context);
        return;
    }
    if (prev->sa_handler == SIG_IGN && !instruction)
        return;
    if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
        prev->sa_handler(signum);
        return;
    }

    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(signum, &dfl, NULL);
    if (instruction)
        return;
    sigemptyset(&unblock);
    sigaddset(&unblock, signum);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    raise(signum);
}

/* ---- Classification ------------------------------------------------------ */

/* The module function whose code contains pc, or NULL. */
static const struct lucet_module_function *function_at(const struct lucet_loaded_module *mod,
                                                       uintptr_t pc)
{
    const struct lucet_module *desc = mod->desc;
    uint32_t lo = 0, hi = desc->function_count;

    if (pc < mod->code_start || pc >= mod->code_end)
        return NULL;
    /* functions_by_address is sorted by code address; find the last start <= pc. */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uintptr_t start = (uintptr_t)desc->functions[mod->functions_by_address[mid]].code;

        if (start <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    {
        const struct lucet_module_function *fn = &desc->functions[mod->functions_by_address[lo - 1]];
        uintptr_t start = (uintptr_t)fn->code;

        return pc - start < fn->code_len ? fn : NULL;
    }
}

/* The trap site of fn at pc, or NULL. */
static const struct lucet_module_trap_site *trap_site_at(const struct lucet_module_function *fn,
                                                         uintptr_t pc)
{
    uint64_t offset = pc - (uintptr_t)fn->code;
    uint32_t lo = 0, hi = fn->trap_count;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (fn->traps[mid].offset == offset)
            return &fn->traps[mid];
        if (fn->traps[mid].offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* gregs index of each x86-64 register number (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15). */
static const int greg_of[16] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/*
 * Decodes the div/idiv instruction at pc and reads its divisor. Returns 1 if
 * the divisor is zero, 0 if it is not (so the quotient overflowed), -1 when
 * the instruction is not one we decode. x86 reports both as #DE, and Linux as
 * FPE_INTDIV, so the instruction is the only way to tell them apart.
 */
static int divisor_is_zero(const ucontext_t *uc, const uint8_t *pc)
{
    const greg_t *regs = uc->uc_mcontext.gregs;
    const uint8_t *p = pc;
    unsigned rex = 0, size = 4;
    uint8_t op, modrm, mod, rm;
    uint64_t divisor = 0;

    for (;; p++) {
        if (*p == 0x66)
            size = 2;
        else if (*p != 0x67 && *p != 0xf2 && *p != 0xf3)
            break;
    }
    if ((*p & 0xf0) == 0x40)
        rex = *p++;
    op = *p++;
    if (op != 0xf6 && op != 0xf7)
        return -1;
    modrm = *p++;
    if (((modrm >> 3) & 7) < 6)
        return -1;
    if (op == 0xf6)
        size = 1;
    else if (rex & 8)
        size = 8;
    mod = modrm >> 6;
    rm = modrm & 7;

    if (mod == 3) {
        unsigned reg = rm | ((rex & 1) << 3);

        if (size == 1 && rex == 0 && rm >= 4)
            divisor = (uint64_t)regs[greg_of[rm - 4]] >> 8; /* ah, ch, dh, bh */
        else
            divisor = (uint64_t)regs[greg_of[reg]];
    } else {
        uint64_t ea = 0;
        int64_t disp = 0;

        if (rm == 4) {
            uint8_t sib = *p++;
            unsigned index = ((sib >> 3) & 7) | ((rex & 2) << 2);
            unsigned base = (sib & 7) | ((rex & 1) << 3);

            if (index != 4)
                ea += (uint64_t)regs[greg_of[index]] << (sib >> 6);
            if ((sib & 7) == 5 && mod == 0) {
                int32_t d32;
                memcpy(&d32, p, 4);
                p += 4;
                ea += (int64_t)d32;
            } else {
                ea += (uint64_t)regs[greg_of[base]];
            }
        } else if (rm == 5 && mod == 0) {
            int32_t d32;
            memcpy(&d32, p, 4);
            p += 4;
            ea = (uint64_t)(uintptr_t)p + (int64_t)d32; /* rip-relative: no immediate follows */
        } else {
            ea = (uint64_t)regs[greg_of[rm | ((rex & 1) << 3)]];
        }
        if (mod == 1) {
            disp = (int8_t)*p++;
        } else if (mod == 2) {
            int32_t d32;
            memcpy(&d32, p, 4);
            p += 4;
            disp = d32;
        }
        ea += disp;
        /* The operand was readable: the CPU raised #DE, not a page fault. */
        memcpy(&divisor, (const void *)(uintptr_t)ea, size);
    }
    if (size < 8)
        divisor &= (UINT64_C(1) << (size * 8)) - 1;
    return divisor == 0;
}

static bool in_range(uintptr_t addr, uintptr_t start, uintptr_t end)
{
    return addr >= start && addr < end;
}

/*
 * Classifies a fault of inst's guest and records it in inst->f.fault.
 * Called in the signal handler.
 */
static void record_fault(struct lucet_instance *inst, int signum, siginfo_t *info,
                         ucontext_t *uc)
{
    struct lucet_fault_record *fault = &inst->f.fault;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    uintptr_t addr = (uintptr_t)info->si_addr;
    uintptr_t heap = (uintptr_t)inst->f.heap;
    uintptr_t stack = (uintptr_t)inst->f.stack;
    const struct lucet_module_function *fn = function_at(inst->f.module, pc);
    const struct lucet_module_trap_site *site = fn != NULL ? trap_site_at(fn, pc) : NULL;
    bool memory_fault = signum == SIGSEGV || signum == SIGBUS;
    bool in_stack_guard = memory_fault && in_range(addr, stack - LUCET_HOST_PAGE_SIZE, stack);
    bool in_heap_guard = memory_fault && in_range(addr, heap + inst->f.heap_len,
                                                  heap + inst->f.heap_address_space);
    uint32_t code = lucet_trapcode_type_unknown;

    if (site != NULL) {
        code = site->code;
    } else if (memory_fault) {
        /*
         * A frame bigger than the guard page can jump over it into the heap
         * guard below, so a stack pointer under the stack is the surer sign.
         */
        if (in_stack_guard || (sp < stack && sp >= heap))
            code = lucet_trapcode_type_stack_overflow;
        else if (in_heap_guard)
            code = lucet_trapcode_type_heap_out_of_bounds;
    } else if (signum == SIGFPE) {
        if (info->si_code == FPE_INTOVF) {
            code = lucet_trapcode_type_integer_overflow;
        } else if (info->si_code == FPE_INTDIV) {
            int zero = fn != NULL ? divisor_is_zero(uc, (const uint8_t *)pc) : -1;

            code = zero == 0 ? lucet_trapcode_type_integer_overflow
                             : lucet_trapcode_type_integer_div_by_zero;
        }
    }

    fault->trapcode = code;
    fault->tag = 0;
    fault->signum = signum;
    fault->pc = pc;
    fault->addr = memory_fault ? addr : 0;
    fault->in_module_code = fn != NULL;
    /* Bit 1 of the page-fault error code is set for writes. */
    fault->access = memory_fault ? ((uc->uc_mcontext.gregs[REG_ERR] & 2) ? 2 : 1) : 0;
    /*
     * A memory fault anywhere but this instance's own guards means the guest
     * reached memory outside its sandbox, whatever a trap site says about
     * the instruction (compilers mark every heap access as one) and however
     * far below its stack the stack pointer is: had that memory been
     * accessible, it would have been read or changed without a fault.
     */
    fault->fatal = code == lucet_trapcode_type_unknown || fn == NULL ||
                   (memory_fault && !in_stack_guard && !in_heap_guard);
    memcpy(&fault->siginfo, info, sizeof *info);
    memcpy(&fault->context, uc, sizeof *uc);

    /*
     * The kernel leaves the floating-point state outside the ucontext, on
     * the signal stack, which the next signal reuses: keep the FXSAVE image
     * in the copy's own space for it. Its last bytes would announce XSAVE
     * state after it, which the copy does not have.
     */
    if (uc->uc_mcontext.fpregs != NULL) {
        memcpy(&fault->context.__fpregs_mem, uc->uc_mcontext.fpregs,
               sizeof fault->context.__fpregs_mem);
        memset(fault->context.__fpregs_mem.__glibc_reserved1, 0,
               sizeof fault->context.__fpregs_mem.__glibc_reserved1);
        fault->context.uc_mcontext.fpregs = &fault->context.__fpregs_mem;
    }
}

/* Makes the return from the handler resume the host context of inst. */
static void resume_host(struct lucet_instance *inst, ucontext_t *uc)
{
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)lucet_context_set;
    uc->uc_mcontext.gregs[REG_RDI] = (greg_t)(uintptr_t)&inst->f.host_ctx;
    uc->uc_mcontext.gregs[REG_RSP] = (greg_t)inst->f.host_ctx.rsp;
}

static void handle_fault(int signum, siginfo_t *info, void *context)
{
    int saved_errno = errno;
    ucontext_t *uc = context;
    struct lucet_instance *inst = current_instance;
    enum lucet_signal_behavior behavior = lucet_signal_behavior_default;

    /*
     * Ours only if this thread is inside a guest run and the kernel raised
     * the signal for an instruction (si_code > 0); a kill() or raise() of the
     * same signal number goes on to the previous handler.
     */
    if (inst == NULL || inst->f.state != lucet_state_tag_running || info == NULL ||
        info->si_code <= 0) {
        chain_signal(signum, info, context);
        errno = saved_errno;
        return;
    }

    record_fault(inst, signum, info, uc);

    if (inst->f.signal_handler != NULL) {
        struct lucet_trapcode trap = {
            .code = (enum lucet_trapcode_type)inst->f.fault.trapcode,
            .tag = inst->f.fault.tag,
        };

        behavior = inst->f.signal_handler(inst, &trap, signum, info, context);
    }

    switch (behavior) {
    case lucet_signal_behavior_continue:
        /* Retry the instruction; the embedder's handler fixed its cause. */
        inst->f.guard_maybe_open = 1;
        break;
    case lucet_signal_behavior_terminate:
        inst->f.terminated_reason = lucet_terminated_reason_signal;
        inst->f.terminated_info = NULL;
        inst->f.state = lucet_state_tag_terminated;
        resume_host(inst, uc);
        break;
    default:
        inst->f.state = lucet_state_tag_fault;
        resume_host(inst, uc);
        break;
    }
    errno = saved_errno;
}

/* ---- After the fault, on the host stack --------------------------------- */

static const char *trapcode_text(uint32_t code)
{
    static const char *const text[] = {
        [lucet_trapcode_type_stack_overflow] = "stack overflow",
        [lucet_trapcode_type_heap_out_of_bounds] = "heap out of bounds",
        [lucet_trapcode_type_out_of_bounds] = "out of bounds",
        [lucet_trapcode_type_indirect_call_to_null] = "indirect call to null",
        [lucet_trapcode_type_bad_signature] = "bad signature",
        [lucet_trapcode_type_integer_overflow] = "integer overflow",
        [lucet_trapcode_type_integer_div_by_zero] = "integer division by zero",
        [lucet_trapcode_type_bad_conversion_to_integer] = "bad conversion to integer",
        [lucet_trapcode_type_interrupt] = "interrupt",
        [lucet_trapcode_type_table_out_of_bounds] = "table out of bounds",
        [lucet_trapcode_type_user] = "user trap",
        [lucet_trapcode_type_unknown] = "unknown fault",
        [lucet_trapcode_type_unreachable] = "unreachable executed",
    };

    if (code < sizeof text / sizeof text[0] && text[code] != NULL)
        return text[code];
    return "unknown fault";
}

static const char *signal_text(int signum)
{
    switch (signum) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    }
    return "signal";
}

void lucet_fault_summarize(const struct lucet_instance *inst, struct lucet_fault_summary *out)
{
    const struct lucet_fault_record *fault = &inst->f.fault;
    const struct lucet_module_function *fn = function_at(inst->f.module, fault->pc);

    out->trapcode = fault->trapcode;
    out->fatal = fault->fatal;
    out->signum = fault->signum;
    out->access = fault->access;
    out->pc = fault->pc;
    out->addr = fault->addr;
    /* A memory fault names its address, NULL included, unless the CPU gave none. */
    out->has_addr = (fault->signum == SIGSEGV || fault->signum == SIGBUS) &&
                    fault->siginfo.si_code != SI_KERNEL;
    out->heap = (uintptr_t)inst->f.heap;
    out->heap_len = inst->f.heap_len;
    out->heap_address_space = inst->f.heap_address_space;
    out->in_module_code = fn != NULL;
    snprintf(out->function, sizeof out->function, "%s",
             fn == NULL ? "" : fn->name != NULL ? fn->name : "(unnamed)");
}

void lucet_fault_format(const struct lucet_fault_summary *f, char *buf, size_t len)
{
    const char *where = f->in_module_code ? f->function : "outside module code";
    const char *in = f->in_module_code ? "in guest function " : "";
    const char *fatal = f->fatal ? "fatal " : "";
    const char *access = f->access == 2 ? "write" : f->access == 1 ? "read" : "access";

    if (len == 0)
        return;
    if (f->has_addr && f->addr >= f->heap && f->addr - f->heap < f->heap_address_space)
        snprintf(buf, len, "%s%s: %s at heap offset 0x%lx (heap is 0x%lx bytes) %s%s, pc 0x%lx",
                 fatal, trapcode_text(f->trapcode), access, (unsigned long)(f->addr - f->heap),
                 (unsigned long)f->heap_len, in, where, (unsigned long)f->pc);
    else if (f->has_addr)
        snprintf(buf, len, "%s%s: %s of address 0x%lx %s%s, pc 0x%lx", fatal,
                 trapcode_text(f->trapcode), access, (unsigned long)f->addr, in, where,
                 (unsigned long)f->pc);
    else
        snprintf(buf, len, "%s%s (%s) %s%s, pc 0x%lx", fatal, trapcode_text(f->trapcode),
                 signal_text(f->signum), in, where, (unsigned long)f->pc);
}

void lucet_fault_describe(const struct lucet_instance *inst, char *buf, size_t len)
{
    struct lucet_fault_summary summary;

    lucet_fault_summarize(inst, &summary);
    lucet_fault_format(&summary, buf, len);
}

/* The documented default fatal handler: one line on stderr, then abort. */
static void default_fatal(const struct lucet_instance *inst)
{
    char line[LUCET_FAULT_DESCRIPTION_MAX + 64];
    int n = snprintf(line, sizeof line, "liblucet: instance %p: ", (const void *)inst);
    ssize_t written;

    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    lucet_fault_describe(inst, line + n, sizeof line - (size_t)n - 1);
    n = (int)strlen(line);
    line[n++] = '\n';
    written = write(STDERR_FILENO, line, (size_t)n);
    (void)written;
    abort();
}

enum lucet_error lucet_signals_after_fault(struct lucet_instance *inst)
{
    if (inst->f.fault.fatal) {
        if (inst->f.fatal_handler != NULL)
            inst->f.fatal_handler(inst);
        default_fatal(inst);
    }
    return lucet_core_fail_fault(inst);
}
