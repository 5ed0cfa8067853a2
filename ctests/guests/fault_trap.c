/*
 * fault_trap.c: a guest whose functions are written in assembly, so that the
 * tests know the exact address of each faulting instruction. Every such
 * instruction carries a global label (ft_<function>_<what>) that the host
 * looks up with dlsym and compares with the fault's PC.
 *
 * Two kinds of functions:
 *   - with trap sites, as a wasm compiler emits them: explicit checks that
 *     end in ud2 (or an idiv) whose offset the descriptor maps to a trap code;
 *   - bare div/idiv instructions with no trap site, in every operand form a
 *     compiler could choose (register, REX register, stack, heap with
 *     displacement, scaled index, index without base, rip-relative, 8 and 16
 *     bits), which the runtime must classify from the SIGFPE alone.
 *
 * Arguments arrive as in the SysV ABI after the vmctx: a in esi/rsi, b in
 * edx/rdx.
 */
#include "native_guest.h"

#define FN_BEGIN(name)                                                          \
    "    .text\n"                                                               \
    "    .p2align 4\n"                                                          \
    "    .globl " #name "\n"                                                    \
    "    .type " #name ", @function\n" #name ":\n"
#define FN_END(name) "    .size " #name ", .-" #name "\n"
#define LABEL(name) "    .globl " #name "\n" #name ":\n"

/* ---- Explicit checks ending in trap sites ------------------------------- */

__asm__(
    /* i32 a / b with the checks a compiler puts before idiv. */
    FN_BEGIN(ft_checked_div_s32)
    "    testl   %edx, %edx\n"
    "    jne     1f\n"
    LABEL(ft_checked_div_s32_zero)
    "    ud2\n"                              /* site: integer_div_by_zero */
    "1:  cmpl    $-1, %edx\n"
    "    jne     2f\n"
    "    cmpl    $0x80000000, %esi\n"
    "    jne     2f\n"
    LABEL(ft_checked_div_s32_overflow)
    "    ud2\n"                              /* site: integer_overflow */
    "2:  movl    %edx, %ecx\n"
    "    movl    %esi, %eax\n"
    "    cltd\n"
    "    idivl   %ecx\n"
    "    ret\n"
    FN_END(ft_checked_div_s32)

    /*
     * i64 a / b the other way compilers do it: only the overflow is checked
     * explicitly; the idiv itself is the trap site for a zero divisor.
     */
    FN_BEGIN(ft_site_div_s64)
    "    movq    %rdx, %rcx\n"
    "    cmpq    $-1, %rcx\n"
    "    jne     1f\n"
    "    movabsq $0x8000000000000000, %rax\n"
    "    cmpq    %rax, %rsi\n"
    "    jne     1f\n"
    LABEL(ft_site_div_s64_overflow)
    "    ud2\n"                              /* site: integer_overflow */
    "1:  movq    %rsi, %rax\n"
    "    cqto\n"
    LABEL(ft_site_div_s64_idiv)
    "    idivq   %rcx\n"                     /* site: integer_div_by_zero */
    "    ret\n"
    FN_END(ft_site_div_s64)

    /* One ud2 per trap code, chosen by a (0..4); else returns a. */
    FN_BEGIN(ft_trap_select)
    "    movl    %esi, %eax\n"
    "    cmpl    $0, %esi\n"
    "    jne     1f\n"
    LABEL(ft_trap_select_0)
    "    ud2\n"                              /* site: bad_signature */
    "1:  cmpl    $1, %esi\n"
    "    jne     2f\n"
    LABEL(ft_trap_select_1)
    "    ud2\n"                              /* site: table_out_of_bounds */
    "2:  cmpl    $2, %esi\n"
    "    jne     3f\n"
    LABEL(ft_trap_select_2)
    "    ud2\n"                              /* site: unreachable */
    "3:  cmpl    $3, %esi\n"
    "    jne     4f\n"
    LABEL(ft_trap_select_3)
    "    ud2\n"                              /* site: user */
    "4:  cmpl    $4, %esi\n"
    "    jne     5f\n"
    LABEL(ft_trap_select_4)
    "    ud2\n"                              /* site: indirect_call_to_null */
    "5:  ret\n"
    FN_END(ft_trap_select)

    /* wasm `unreachable`. */
    FN_BEGIN(ft_unreachable)
    "    nop\n"
    LABEL(ft_unreachable_ud2)
    "    ud2\n"                              /* site: unreachable */
    FN_END(ft_unreachable)

    /* A ud2 the descriptor says nothing about: an unknown, fatal fault. */
    FN_BEGIN(ft_ud2_no_site)
    "    nop\n"
    LABEL(ft_ud2_no_site_ud2)
    "    ud2\n"
    FN_END(ft_ud2_no_site));

/* ---- Bare divisions, classified from SIGFPE ----------------------------- */

__asm__(
    FN_BEGIN(ft_idiv32_reg)
    "    movl    %edx, %ecx\n"
    "    movl    %esi, %eax\n"
    "    cltd\n"
    LABEL(ft_idiv32_reg_div)
    "    idivl   %ecx\n"
    "    ret\n"
    FN_END(ft_idiv32_reg)

    FN_BEGIN(ft_idiv64_reg)
    "    movq    %rdx, %rcx\n"
    "    movq    %rsi, %rax\n"
    "    cqto\n"
    LABEL(ft_idiv64_reg_div)
    "    idivq   %rcx\n"
    "    ret\n"
    FN_END(ft_idiv64_reg)

    /* REX.B selects r10d. */
    FN_BEGIN(ft_idiv32_r10)
    "    movl    %edx, %r10d\n"
    "    movl    %esi, %eax\n"
    "    cltd\n"
    LABEL(ft_idiv32_r10_div)
    "    idivl   %r10d\n"
    "    ret\n"
    FN_END(ft_idiv32_r10)

    /* REX.W and REX.B: r9. */
    FN_BEGIN(ft_idiv64_r9)
    "    movq    %rdx, %r9\n"
    "    movq    %rsi, %rax\n"
    "    cqto\n"
    LABEL(ft_idiv64_r9_div)
    "    idivq   %r9\n"
    "    ret\n"
    FN_END(ft_idiv64_r9)

    /* Memory operand: rsp base (needs a SIB byte) with an 8-bit displacement. */
    FN_BEGIN(ft_idiv32_stack)
    "    movl    %edx, -4(%rsp)\n"
    "    movl    %esi, %eax\n"
    "    cltd\n"
    LABEL(ft_idiv32_stack_div)
    "    idivl   -4(%rsp)\n"
    "    ret\n"
    FN_END(ft_idiv32_stack)

    /* Memory operand in the heap with a 32-bit displacement. */
    FN_BEGIN(ft_idiv64_heap)
    "    movq    %rdx, 0x1000(%rdi)\n"
    "    movq    %rsi, %rax\n"
    "    cqto\n"
    LABEL(ft_idiv64_heap_div)
    "    idivq   0x1000(%rdi)\n"
    "    ret\n"
    FN_END(ft_idiv64_heap)

    /* Memory operand base + scaled index, the index in r11 (REX.X). */
    FN_BEGIN(ft_idiv64_index)
    "    movl    $0x300, %r11d\n"
    "    movq    %rdx, 0x1800(%rdi)\n"
    "    movq    %rsi, %rax\n"
    "    cqto\n"
    LABEL(ft_idiv64_index_div)
    "    idivq   (%rdi,%r11,8)\n"
    "    ret\n"
    FN_END(ft_idiv64_index)

    /* Memory operand with an index and no base (SIB base 101, mod 00). */
    FN_BEGIN(ft_idiv32_nobase)
    "    leaq    0x2000(%rdi), %r11\n"
    "    movl    %edx, (%r11)\n"
    "    movl    %esi, %eax\n"
    "    cltd\n"
    LABEL(ft_idiv32_nobase_div)
    "    idivl   0(,%r11,1)\n"
    "    ret\n"
    FN_END(ft_idiv32_nobase)

    /* rip-relative memory operand. */
    FN_BEGIN(ft_idiv32_rip)
    "    movl    %edx, ft_divisor(%rip)\n"
    "    movl    %esi, %eax\n"
    "    cltd\n"
    LABEL(ft_idiv32_rip_div)
    "    idivl   ft_divisor(%rip)\n"
    "    ret\n"
    FN_END(ft_idiv32_rip)

    /* Unsigned: only a zero divisor can fault, since edx is cleared. */
    FN_BEGIN(ft_div32_reg)
    "    movl    %edx, %ecx\n"
    "    movl    %esi, %eax\n"
    "    xorl    %edx, %edx\n"
    LABEL(ft_div32_reg_div)
    "    divl    %ecx\n"
    "    ret\n"
    FN_END(ft_div32_reg)

    /* 16 bits: an operand-size prefix before the opcode. */
    FN_BEGIN(ft_idiv16_reg)
    "    movl    %edx, %ecx\n"
    "    movl    %esi, %eax\n"
    "    cwtd\n"
    LABEL(ft_idiv16_reg_div)
    "    idivw   %cx\n"
    "    movswl  %ax, %eax\n"
    "    ret\n"
    FN_END(ft_idiv16_reg)

    /* 8 bits with the divisor in ch, a high-byte register (no REX). */
    FN_BEGIN(ft_idiv8_ch)
    "    movl    %edx, %ecx\n"
    "    shll    $8, %ecx\n"
    "    movl    %esi, %eax\n"
    "    cbtw\n"
    LABEL(ft_idiv8_ch_div)
    "    idivb   %ch\n"
    "    movsbl  %al, %eax\n"
    "    ret\n"
    FN_END(ft_idiv8_ch)

    "    .bss\n"
    "    .p2align 2\n"
    "ft_divisor:\n"
    "    .zero 4\n"
    "    .text\n");

/* Addresses of the code above; only their addresses are used. */
extern const char ft_checked_div_s32[], ft_checked_div_s32_zero[],
    ft_checked_div_s32_overflow[];
extern const char ft_site_div_s64[], ft_site_div_s64_overflow[], ft_site_div_s64_idiv[];
extern const char ft_trap_select[], ft_trap_select_0[], ft_trap_select_1[], ft_trap_select_2[],
    ft_trap_select_3[], ft_trap_select_4[];
extern const char ft_unreachable[], ft_unreachable_ud2[];
extern const char ft_ud2_no_site[];
extern const char ft_idiv32_reg[], ft_idiv64_reg[], ft_idiv32_r10[], ft_idiv64_r9[],
    ft_idiv32_stack[], ft_idiv64_heap[], ft_idiv64_index[], ft_idiv32_nobase[], ft_idiv32_rip[],
    ft_div32_reg[], ft_idiv16_reg[], ft_idiv8_ch[];

/*
 * Trap sites. The codes are fixed here; the offsets are label differences,
 * which C cannot take as constants, so a constructor fills them in before
 * dlopen returns (as the lengths are filled).
 */
static struct lucet_module_trap_site checked_div_s32_traps[] = {
    { .code = lucet_trapcode_type_integer_div_by_zero },
    { .code = lucet_trapcode_type_integer_overflow },
};
static struct lucet_module_trap_site site_div_s64_traps[] = {
    { .code = lucet_trapcode_type_integer_overflow },
    { .code = lucet_trapcode_type_integer_div_by_zero },
};
static struct lucet_module_trap_site trap_select_traps[] = {
    { .code = lucet_trapcode_type_bad_signature },
    { .code = lucet_trapcode_type_table_out_of_bounds },
    { .code = lucet_trapcode_type_unreachable },
    { .code = lucet_trapcode_type_user },
    { .code = lucet_trapcode_type_indirect_call_to_null },
};
static struct lucet_module_trap_site unreachable_traps[] = {
    { .code = lucet_trapcode_type_unreachable },
};

static uint32_t offset_in(const char *fn, const char *label)
{
    return (uint32_t)(label - fn);
}

__attribute__((constructor)) static void fill_trap_offsets(void)
{
    checked_div_s32_traps[0].offset = offset_in(ft_checked_div_s32, ft_checked_div_s32_zero);
    checked_div_s32_traps[1].offset = offset_in(ft_checked_div_s32, ft_checked_div_s32_overflow);
    site_div_s64_traps[0].offset = offset_in(ft_site_div_s64, ft_site_div_s64_overflow);
    site_div_s64_traps[1].offset = offset_in(ft_site_div_s64, ft_site_div_s64_idiv);
    trap_select_traps[0].offset = offset_in(ft_trap_select, ft_trap_select_0);
    trap_select_traps[1].offset = offset_in(ft_trap_select, ft_trap_select_1);
    trap_select_traps[2].offset = offset_in(ft_trap_select, ft_trap_select_2);
    trap_select_traps[3].offset = offset_in(ft_trap_select, ft_trap_select_3);
    trap_select_traps[4].offset = offset_in(ft_trap_select, ft_trap_select_4);
    unreachable_traps[0].offset = offset_in(ft_unreachable, ft_unreachable_ud2);
}

static const uint8_t params_i32_i32[] = { lucet_module_valtype_i32, lucet_module_valtype_i32 };
static const uint8_t params_i64_i64[] = { lucet_module_valtype_i64, lucet_module_valtype_i64 };
static const uint8_t params_i32[] = { lucet_module_valtype_i32 };

enum { SIG_I32_I32, SIG_I64_I64, SIG_I32, SIG_NONE };

static const struct lucet_module_signature signatures[] = {
    [SIG_I32_I32] = { .param_count = 2, .params = params_i32_i32, .result_count = 1,
                      .result = lucet_module_valtype_i32 },
    [SIG_I64_I64] = { .param_count = 2, .params = params_i64_i64, .result_count = 1,
                      .result = lucet_module_valtype_i64 },
    [SIG_I32] = { .param_count = 1, .params = params_i32, .result_count = 1,
                  .result = lucet_module_valtype_i32 },
    [SIG_NONE] = { .param_count = 0 },
};

#define TRAPS(t) .trap_count = sizeof t / sizeof t[0], .traps = t
#define FUNC(sym, sig, ...) { .code = sym, .signature = sig, .name = #sym, __VA_ARGS__ }

static struct lucet_module_function functions[] = {
    FUNC(ft_checked_div_s32, SIG_I32_I32, TRAPS(checked_div_s32_traps)),
    FUNC(ft_site_div_s64, SIG_I64_I64, TRAPS(site_div_s64_traps)),
    FUNC(ft_trap_select, SIG_I32, TRAPS(trap_select_traps)),
    FUNC(ft_unreachable, SIG_NONE, TRAPS(unreachable_traps)),
    FUNC(ft_ud2_no_site, SIG_NONE),
    FUNC(ft_idiv32_reg, SIG_I32_I32),
    FUNC(ft_idiv64_reg, SIG_I64_I64),
    FUNC(ft_idiv32_r10, SIG_I32_I32),
    FUNC(ft_idiv64_r9, SIG_I64_I64),
    FUNC(ft_idiv32_stack, SIG_I32_I32),
    FUNC(ft_idiv64_heap, SIG_I64_I64),
    FUNC(ft_idiv64_index, SIG_I64_I64),
    FUNC(ft_idiv32_nobase, SIG_I32_I32),
    FUNC(ft_idiv32_rip, SIG_I32_I32),
    FUNC(ft_div32_reg, SIG_I32_I32),
    FUNC(ft_idiv16_reg, SIG_I32_I32),
    FUNC(ft_idiv8_ch, SIG_I32_I32),
};
NATIVE_GUEST_FILL_LENGTHS(functions)

#define FUNCTION_COUNT (sizeof functions / sizeof functions[0])

/* Each function is exported under its own symbol name. */
static const struct lucet_module_export exports[] = {
    { "ft_checked_div_s32", 0, 0 }, { "ft_site_div_s64", 1, 0 }, { "ft_trap_select", 2, 0 },
    { "ft_unreachable", 3, 0 },     { "ft_ud2_no_site", 4, 0 },  { "ft_idiv32_reg", 5, 0 },
    { "ft_idiv64_reg", 6, 0 },      { "ft_idiv32_r10", 7, 0 },   { "ft_idiv64_r9", 8, 0 },
    { "ft_idiv32_stack", 9, 0 },    { "ft_idiv64_heap", 10, 0 }, { "ft_idiv64_index", 11, 0 },
    { "ft_idiv32_nobase", 12, 0 },  { "ft_idiv32_rip", 13, 0 },  { "ft_div32_reg", 14, 0 },
    { "ft_idiv16_reg", 15, 0 },     { "ft_idiv8_ch", 16, 0 },
};
_Static_assert(sizeof exports / sizeof exports[0] == FUNCTION_COUNT, "one export per function");

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .signature_count = sizeof signatures / sizeof signatures[0],
    .signatures = signatures,
    .function_count = FUNCTION_COUNT,
    .functions = functions,
    .export_count = FUNCTION_COUNT,
    .exports = exports,
};
