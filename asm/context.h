/*
 * context.h: the saved CPU state of one side of a context switch, shared by
 * the assembly in context_x86_64_sysv_elf_gas.S, the C run path and the Go
 * tests (which check these offsets against unsafe.Offsetof).
 *
 * Only what the SysV x86-64 ABI lets a caller rely on across a call is kept:
 * the callee-saved registers, the stack pointer and the two floating-point
 * control words. Everything else is caller-saved and dead at a switch.
 */
#ifndef LUCET_ASM_CONTEXT_H
#define LUCET_ASM_CONTEXT_H

#define LUCET_CONTEXT_RBX 0
#define LUCET_CONTEXT_RBP 8
#define LUCET_CONTEXT_R12 16
#define LUCET_CONTEXT_R13 24
#define LUCET_CONTEXT_R14 32
#define LUCET_CONTEXT_R15 40
#define LUCET_CONTEXT_RSP 48
#define LUCET_CONTEXT_MXCSR 56
#define LUCET_CONTEXT_FPUCW 60
#define LUCET_CONTEXT_SIZE 64

/* Argument registers the bootstrap loads before calling the guest. */
#define LUCET_BOOT_GP_REGS 6
#define LUCET_BOOT_FP_REGS 8
#define LUCET_BOOT_ARGS_GP 0
#define LUCET_BOOT_ARGS_FP 48
#define LUCET_BOOT_ARGS_SIZE 112

/* Where the bootstrap stores the guest's return registers. */
#define LUCET_RETVAL_GP 0
#define LUCET_RETVAL_FP 8
#define LUCET_RETVAL_SIZE 24

/* Power-on values of the control words: all exceptions masked, round to nearest. */
#define LUCET_DEFAULT_MXCSR 0x1f80
#define LUCET_DEFAULT_FPUCW 0x037f

#ifndef __ASSEMBLER__

#include <stddef.h>
#include <stdint.h>

struct lucet_context {
    uint64_t rbx;
    uint64_t rbp;
    uint64_t r12;
    uint64_t r13;
    uint64_t r14;
    uint64_t r15;
    uint64_t rsp;
    uint32_t mxcsr;
    uint16_t fpucw;
    uint16_t reserved;
};

/*
 * Register images for a guest's first entry. A guest context is built with
 * rbx = &args, r12 = function, r13 = &retval, r14 = &host context and rsp
 * pointing at the address of lucet_context_bootstrap.
 */
struct lucet_boot_args {
    uint64_t gp[LUCET_BOOT_GP_REGS]; /* rdi, rsi, rdx, rcx, r8, r9 */
    uint64_t fp[LUCET_BOOT_FP_REGS]; /* low 64 bits of xmm0..xmm7 */
};

struct lucet_retval_regs {
    uint64_t gp;    /* rax */
    uint64_t fp[2]; /* xmm0 */
};

_Static_assert(offsetof(struct lucet_context, rbx) == LUCET_CONTEXT_RBX, "rbx");
_Static_assert(offsetof(struct lucet_context, rbp) == LUCET_CONTEXT_RBP, "rbp");
_Static_assert(offsetof(struct lucet_context, r12) == LUCET_CONTEXT_R12, "r12");
_Static_assert(offsetof(struct lucet_context, r13) == LUCET_CONTEXT_R13, "r13");
_Static_assert(offsetof(struct lucet_context, r14) == LUCET_CONTEXT_R14, "r14");
_Static_assert(offsetof(struct lucet_context, r15) == LUCET_CONTEXT_R15, "r15");
_Static_assert(offsetof(struct lucet_context, rsp) == LUCET_CONTEXT_RSP, "rsp");
_Static_assert(offsetof(struct lucet_context, mxcsr) == LUCET_CONTEXT_MXCSR, "mxcsr");
_Static_assert(offsetof(struct lucet_context, fpucw) == LUCET_CONTEXT_FPUCW, "fpucw");
_Static_assert(sizeof(struct lucet_context) == LUCET_CONTEXT_SIZE, "context size");
_Static_assert(offsetof(struct lucet_boot_args, fp) == LUCET_BOOT_ARGS_FP, "boot fp");
_Static_assert(sizeof(struct lucet_boot_args) == LUCET_BOOT_ARGS_SIZE, "boot size");
_Static_assert(offsetof(struct lucet_retval_regs, fp) == LUCET_RETVAL_FP, "retval fp");
_Static_assert(sizeof(struct lucet_retval_regs) == LUCET_RETVAL_SIZE, "retval size");

/*
 * Saves the current state into *save and resumes *load. Returns when some
 * later switch loads *save again.
 */
void lucet_context_swap(struct lucet_context *save, const struct lucet_context *load);

/* Resumes *load, abandoning the current state. */
__attribute__((noreturn)) void lucet_context_set(const struct lucet_context *load);

/* First code of every guest context; never called directly. */
void lucet_context_bootstrap(void);

#endif /* __ASSEMBLER__ */

#endif /* LUCET_ASM_CONTEXT_H */
