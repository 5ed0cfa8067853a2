/*
 * bench_guest.c: the native guest module the benchmark runs under liblucet.
 * It is the counterpart of the wasm module in lucet_vs_wasmtime.c: a 64 KiB
 * heap whose first page holds data, two globals, an export adding two i32
 * values and an export loading an i32 from a heap offset (an offset past the
 * heap faults, which the fault benchmark relies on), plus a table holding the
 * add function.
 */
#include "native_guest.h"

GUEST_FN int32_t add(struct lucet_vmctx *vmctx, int32_t a, int32_t b)
{
    (void)vmctx;
    return a + b;
}

/*
 * The offset is a guest pointer, used unchecked: like compiled wasm code, the
 * guest relies on the guard pages beyond the heap to stop a load past its end.
 */
GUEST_FN int32_t load32(struct lucet_vmctx *vmctx, int32_t addr)
{
    const volatile int32_t *p =
        (const volatile int32_t *)(lucet_vmctx_get_heap(vmctx) + (uint32_t)addr);

    return *p;
}

static const uint8_t params_i32_i32[] = { lucet_module_valtype_i32, lucet_module_valtype_i32 };
static const uint8_t params_i32[] = { lucet_module_valtype_i32 };

static const struct lucet_module_signature signatures[] = {
    { .param_count = 2, .params = params_i32_i32, .result_count = 1,
      .result = lucet_module_valtype_i32 },
    { .param_count = 1, .params = params_i32, .result_count = 1,
      .result = lucet_module_valtype_i32 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)add, .signature = 0, .name = "add" },
    { .code = (const void *)load32, .signature = 1, .name = "load32" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

/*
 * Table 0 holds add, so that the benchmark can also time a run by index,
 * without the name lookup. A table is descriptor data read in place: it adds
 * nothing to instantiation.
 */
static const struct lucet_module_table_elem table0[] = {
    { .signature = 0, .function = 0 },
};
static const struct lucet_module_table tables[] = {
    { .elem_count = 1, .elems = table0 },
};

static const struct lucet_module_export exports[] = {
    { .name = "add", .function = 0 },
    { .name = "load32", .function = 1 },
};

/* Two globals, as in the wasm module: (mut i32) 1 and (mut i64) 2. */
static const struct lucet_module_global globals[] = {
    { .type = lucet_module_valtype_i32, .init_bits = 1 },
    { .type = lucet_module_valtype_i64, .init_bits = 2 },
};

/* The data page: the same 16 bytes the wasm module's data segment writes at offset 0. */
static const uint8_t data_page0[LUCET_MODULE_DATA_PAGE_SIZE] = "liblucet bench!";
static const uint8_t *const data_pages[] = { data_page0 };

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .global_count = 2,
    .globals = globals,
    .signature_count = 2,
    .signatures = signatures,
    .function_count = 2,
    .functions = functions,
    .export_count = 2,
    .exports = exports,
    .table_count = 1,
    .tables = tables,
    .data_page_count = 1,
    .data_pages = data_pages,
};
