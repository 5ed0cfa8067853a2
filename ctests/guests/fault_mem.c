/*
 * fault_mem.c: a guest that loads and stores at heap addresses the host
 * chooses, the way compiled wasm does: a 32-bit index plus a 32-bit offset,
 * both zero-extended and added to the heap base with no bounds check (the
 * guard behind the heap catches what lies outside it). It also has accesses
 * through absolute pointers, which no wasm code could make, for the faults
 * that must be fatal, and copies of two loads whose access is a trap site.
 *
 * The accesses are written in assembly so that each faulting instruction
 * has a global label (fm_<function>_access) the host can compare with the
 * fault's PC (never at a function's first byte, where it would hide the
 * function's own symbol from the length lookup). One i64 global holds a
 * sentinel that a faulting store must not touch.
 *
 * Arguments after the vmctx (rdi): index in esi, offset in edx, value in
 * ecx/rcx; absolute pointers in rsi.
 */
#include "native_guest.h"

#define FN_BEGIN(name)                                                          \
    "    .text\n"                                                               \
    "    .p2align 4\n"                                                          \
    "    .globl " #name "\n"                                                    \
    "    .type " #name ", @function\n" #name ":\n"
#define FN_END(name) "    .size " #name ", .-" #name "\n"
#define LABEL(name) "    .globl " #name "\n" #name ":\n"

/* rsi = zero-extended index + zero-extended offset. */
#define HEAP_ADDRESS                                                            \
    "    movl    %esi, %esi\n"                                                  \
    "    movl    %edx, %edx\n"                                                  \
    "    addq    %rdx, %rsi\n"

__asm__(
    FN_BEGIN(fm_load8)
    HEAP_ADDRESS
    LABEL(fm_load8_access)
    "    movzbl  (%rdi,%rsi,1), %eax\n"
    "    ret\n"
    FN_END(fm_load8)

    FN_BEGIN(fm_load64)
    HEAP_ADDRESS
    LABEL(fm_load64_access)
    "    movq    (%rdi,%rsi,1), %rax\n"
    "    ret\n"
    FN_END(fm_load64)

    FN_BEGIN(fm_store8)
    HEAP_ADDRESS
    LABEL(fm_store8_access)
    "    movb    %cl, (%rdi,%rsi,1)\n"
    "    ret\n"
    FN_END(fm_store8)

    FN_BEGIN(fm_store64)
    HEAP_ADDRESS
    LABEL(fm_store64_access)
    "    movq    %rcx, (%rdi,%rsi,1)\n"
    "    ret\n"
    FN_END(fm_store64)

    FN_BEGIN(fm_load_abs)
    "    movq    %rsi, %rax\n"
    LABEL(fm_load_abs_access)
    "    movzbl  (%rax), %eax\n"
    "    ret\n"
    FN_END(fm_load_abs)

    FN_BEGIN(fm_store_abs)
    "    movq    %rsi, %rax\n"
    LABEL(fm_store_abs_access)
    "    movb    %dl, (%rax)\n"
    "    ret\n"
    FN_END(fm_store_abs)

    /*
     * The same loads with their access marked as a heap_out_of_bounds trap
     * site, as compilers mark every heap access.
     */
    FN_BEGIN(fm_load8_site)
    HEAP_ADDRESS
    LABEL(fm_load8_site_access)
    "    movzbl  (%rdi,%rsi,1), %eax\n"
    "    ret\n"
    FN_END(fm_load8_site)

    FN_BEGIN(fm_load_abs_site)
    "    movq    %rsi, %rax\n"
    LABEL(fm_load_abs_site_access)
    "    movzbl  (%rax), %eax\n"
    "    ret\n"
    FN_END(fm_load_abs_site));

extern const char fm_load8[], fm_load64[], fm_store8[], fm_store64[], fm_load_abs[],
    fm_store_abs[], fm_load8_site[], fm_load_abs_site[];
extern const char fm_load8_site_access[], fm_load_abs_site_access[];

/* Trap site offsets are label differences, filled in before dlopen returns. */
static struct lucet_module_trap_site load8_site[] = {
    { .code = lucet_trapcode_type_heap_out_of_bounds },
};
static struct lucet_module_trap_site load_abs_site[] = {
    { .code = lucet_trapcode_type_heap_out_of_bounds },
};

__attribute__((constructor)) static void fill_trap_offsets(void)
{
    load8_site[0].offset = (uint32_t)(fm_load8_site_access - fm_load8_site);
    load_abs_site[0].offset = (uint32_t)(fm_load_abs_site_access - fm_load_abs_site);
}

static const uint8_t params_idx_off[] = { lucet_module_valtype_i32, lucet_module_valtype_i32 };
static const uint8_t params_idx_off_i32[] = { lucet_module_valtype_i32, lucet_module_valtype_i32,
                                              lucet_module_valtype_i32 };
static const uint8_t params_idx_off_i64[] = { lucet_module_valtype_i32, lucet_module_valtype_i32,
                                              lucet_module_valtype_i64 };
static const uint8_t params_i64[] = { lucet_module_valtype_i64 };
static const uint8_t params_i64_i32[] = { lucet_module_valtype_i64, lucet_module_valtype_i32 };

enum { SIG_LOAD8, SIG_LOAD64, SIG_STORE8, SIG_STORE64, SIG_LOAD_ABS, SIG_STORE_ABS };

static const struct lucet_module_signature signatures[] = {
    [SIG_LOAD8] = { .param_count = 2, .params = params_idx_off, .result_count = 1,
                    .result = lucet_module_valtype_i32 },
    [SIG_LOAD64] = { .param_count = 2, .params = params_idx_off, .result_count = 1,
                     .result = lucet_module_valtype_i64 },
    [SIG_STORE8] = { .param_count = 3, .params = params_idx_off_i32 },
    [SIG_STORE64] = { .param_count = 3, .params = params_idx_off_i64 },
    [SIG_LOAD_ABS] = { .param_count = 1, .params = params_i64, .result_count = 1,
                       .result = lucet_module_valtype_i32 },
    [SIG_STORE_ABS] = { .param_count = 2, .params = params_i64_i32 },
};

static struct lucet_module_function functions[] = {
    { .code = fm_load8, .signature = SIG_LOAD8, .name = "fm_load8" },
    { .code = fm_load64, .signature = SIG_LOAD64, .name = "fm_load64" },
    { .code = fm_store8, .signature = SIG_STORE8, .name = "fm_store8" },
    { .code = fm_store64, .signature = SIG_STORE64, .name = "fm_store64" },
    { .code = fm_load_abs, .signature = SIG_LOAD_ABS, .name = "fm_load_abs" },
    { .code = fm_store_abs, .signature = SIG_STORE_ABS, .name = "fm_store_abs" },
    { .code = fm_load8_site, .signature = SIG_LOAD8, .name = "fm_load8_site", .trap_count = 1,
      .traps = load8_site },
    { .code = fm_load_abs_site, .signature = SIG_LOAD_ABS, .name = "fm_load_abs_site",
      .trap_count = 1, .traps = load_abs_site },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { .name = "fm_load8", .function = 0 },    { .name = "fm_load64", .function = 1 },
    { .name = "fm_store8", .function = 2 },   { .name = "fm_store64", .function = 3 },
    { .name = "fm_load_abs", .function = 4 }, { .name = "fm_store_abs", .function = 5 },
    { .name = "fm_load8_site", .function = 6 }, { .name = "fm_load_abs_site", .function = 7 },
};

/* The sentinel global: a faulting store must leave it as it is. */
static const struct lucet_module_global globals[] = {
    { .type = lucet_module_valtype_i64, .init_bits = 0x5e5e1e1f00d0cafeull },
};

/* The first heap page starts with bytes 1, 2, 3, ... so loads have something to read. */
static const uint8_t first_page[LUCET_MODULE_DATA_PAGE_SIZE] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t *const data_pages[] = { first_page };

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    /* 64 KiB to start, growable to 2 pages; 4 GiB reserved plus 4 GiB guard. */
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024,
              .max_size = 2 * 64 * 1024, .flags = LUCET_MODULE_HEAP_HAS_MAX },
    .global_count = 1,
    .globals = globals,
    .signature_count = sizeof signatures / sizeof signatures[0],
    .signatures = signatures,
    .function_count = sizeof functions / sizeof functions[0],
    .functions = functions,
    .export_count = sizeof exports / sizeof exports[0],
    .exports = exports,
    .data_page_count = 1,
    .data_pages = data_pages,
};
