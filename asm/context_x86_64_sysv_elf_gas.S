/*
 * Context switch between a host thread and a guest stack, x86-64 SysV, ELF,
 * GNU assembler.
 *
 * struct lucet_context (offsets from context.h):
 *
 *   +------+------+------+------+------+------+------+-------+-------+
 *   |  0   |  8   |  16  |  24  |  32  |  40  |  48  |  56   |  60   |
 *   | rbx  | rbp  | r12  | r13  | r14  | r15  | rsp  | mxcsr | fpucw |
 *   +------+------+------+------+------+------+------+-------+-------+
 *
 * A saved rsp points at the return address of the lucet_context_swap call
 * that saved it, so loading a context ends by popping that address and
 * jumping to it. The control words are loaded only when they differ from
 * the current ones (ldmxcsr and fldcw are slow), except by
 * lucet_context_set, whose caller may be anywhere. A fresh guest context
 * has rsp pointing at the address of lucet_context_bootstrap instead, with
 * the guest's stack arguments just above it, and its callee-saved registers
 * carry the bootstrap's inputs:
 *
 *   rbx  struct lucet_boot_args *   argument registers to load
 *   r12  guest function to call
 *   r13  struct lucet_retval_regs * where rax and xmm0 go on return
 *   r14  struct lucet_context *     host context to resume afterwards
 *
 * These survive the guest call because the guest must preserve them.
 *
 * Loading a context pops its return address and jumps to it rather than
 * executing `ret`: after a stack switch the CPU's return-address predictor
 * holds the other stack's addresses, so every `ret` here would mispredict,
 * while an indirect jump is predicted from its own history. r11 is free to
 * use: it is caller-saved and carries no argument.
 */

#include "context.h"

    .text

/* void lucet_context_swap(struct lucet_context *save, const struct lucet_context *load) */
    .globl  lucet_context_swap
    .hidden lucet_context_swap
    .type   lucet_context_swap, @function
    .align  16
lucet_context_swap:
    .cfi_startproc
    movq    %rbx, LUCET_CONTEXT_RBX(%rdi)       /* save callee-saved registers */
    movq    %rbp, LUCET_CONTEXT_RBP(%rdi)
    movq    %r12, LUCET_CONTEXT_R12(%rdi)
    movq    %r13, LUCET_CONTEXT_R13(%rdi)
    movq    %r14, LUCET_CONTEXT_R14(%rdi)
    movq    %r15, LUCET_CONTEXT_R15(%rdi)
    movq    %rsp, LUCET_CONTEXT_RSP(%rdi)       /* points at our return address */
    stmxcsr LUCET_CONTEXT_MXCSR(%rdi)           /* SSE control and status */
    fnstcw  LUCET_CONTEXT_FPUCW(%rdi)           /* x87 control word */
    movl    LUCET_CONTEXT_MXCSR(%rsi), %eax     /* load each control word only */
    cmpl    LUCET_CONTEXT_MXCSR(%rdi), %eax     /* when it differs: both loads */
    je      1f                                  /* are slow, and the host and */
    ldmxcsr LUCET_CONTEXT_MXCSR(%rsi)           /* guest usually agree */
1:  movzwl  LUCET_CONTEXT_FPUCW(%rsi), %eax
    cmpw    LUCET_CONTEXT_FPUCW(%rdi), %ax
    je      2f
    fldcw   LUCET_CONTEXT_FPUCW(%rsi)
2:  movq    %rsi, %rdi                          /* the context to load */
    jmp     lucet_context_load_registers
    .cfi_endproc
    .size   lucet_context_swap, .-lucet_context_swap

/* void lucet_context_set(const struct lucet_context *load), does not return */
    .globl  lucet_context_set
    .hidden lucet_context_set
    .type   lucet_context_set, @function
    .align  16
lucet_context_set:
    .cfi_startproc
    ldmxcsr LUCET_CONTEXT_MXCSR(%rdi)           /* SSE control and status */
    fldcw   LUCET_CONTEXT_FPUCW(%rdi)           /* x87 control word */
lucet_context_load_registers:
    movq    LUCET_CONTEXT_RBX(%rdi), %rbx       /* restore callee-saved registers */
    movq    LUCET_CONTEXT_RBP(%rdi), %rbp
    movq    LUCET_CONTEXT_R12(%rdi), %r12
    movq    LUCET_CONTEXT_R13(%rdi), %r13
    movq    LUCET_CONTEXT_R14(%rdi), %r14
    movq    LUCET_CONTEXT_R15(%rdi), %r15
    movq    LUCET_CONTEXT_RSP(%rdi), %rsp       /* switch stacks */
    popq    %r11                                /* the saved return address */
    jmp     *%r11                               /* not ret: see below */
    .cfi_endproc
    .size   lucet_context_set, .-lucet_context_set

/*
 * First code run on a guest stack. Loads the argument registers, calls the
 * guest with rsp 16-byte aligned and its stack arguments at (%rsp), stores
 * what it returned, and resumes the host. The CFI marks this frame as the
 * outermost one so that debuggers and unwinders stop here.
 */
    .globl  lucet_context_bootstrap
    .hidden lucet_context_bootstrap
    .type   lucet_context_bootstrap, @function
    .align  16
lucet_context_bootstrap:
    .cfi_startproc
    .cfi_undefined rip                          /* no caller: stop unwinding */
    movq    LUCET_BOOT_ARGS_GP+0(%rbx), %rdi    /* integer arguments 1-6 */
    movq    LUCET_BOOT_ARGS_GP+8(%rbx), %rsi
    movq    LUCET_BOOT_ARGS_GP+16(%rbx), %rdx
    movq    LUCET_BOOT_ARGS_GP+24(%rbx), %rcx
    movq    LUCET_BOOT_ARGS_GP+32(%rbx), %r8
    movq    LUCET_BOOT_ARGS_GP+40(%rbx), %r9
    movq    LUCET_BOOT_ARGS_FP+0(%rbx), %xmm0   /* floating-point arguments 1-8 */
    movq    LUCET_BOOT_ARGS_FP+8(%rbx), %xmm1
    movq    LUCET_BOOT_ARGS_FP+16(%rbx), %xmm2
    movq    LUCET_BOOT_ARGS_FP+24(%rbx), %xmm3
    movq    LUCET_BOOT_ARGS_FP+32(%rbx), %xmm4
    movq    LUCET_BOOT_ARGS_FP+40(%rbx), %xmm5
    movq    LUCET_BOOT_ARGS_FP+48(%rbx), %xmm6
    movq    LUCET_BOOT_ARGS_FP+56(%rbx), %xmm7
    movl    $8, %eax                            /* vector registers used, for variadic callees */
    call    *%r12                               /* run the guest */
    movq    %rax, LUCET_RETVAL_GP(%r13)         /* integer result */
    movdqu  %xmm0, LUCET_RETVAL_FP(%r13)        /* floating-point result */
    movq    %r14, %rdi                          /* back to the host */
    stmxcsr -8(%rsp)                            /* the guest's control words, */
    fnstcw  -4(%rsp)                            /* in the red zone */
    movl    LUCET_CONTEXT_MXCSR(%rdi), %eax     /* restore each only if the */
    cmpl    -8(%rsp), %eax                      /* guest changed it */
    je      1f
    ldmxcsr LUCET_CONTEXT_MXCSR(%rdi)
1:  movzwl  LUCET_CONTEXT_FPUCW(%rdi), %eax
    cmpw    -4(%rsp), %ax
    je      2f
    fldcw   LUCET_CONTEXT_FPUCW(%rdi)
2:  jmp     lucet_context_load_registers
    .cfi_endproc
    .size   lucet_context_bootstrap, .-lucet_context_bootstrap

    .section .note.GNU-stack,"",@progbits
