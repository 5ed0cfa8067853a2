/*
 * core_mem.c: a guest with memory of every kind the runtime manages, for the
 * heap, globals, table, lifecycle and isolation tests.
 *
 *   heap     one wasm page to start, no declared maximum
 *   data     three pages of initial image: page 0 and page 2 hold data,
 *            page 1 is a NULL (zero) page
 *   globals  an i32, an i64, an f64, an i64 counter and an f32
 *   start    writes "started" at heap offset 0x8000 and adds 1 to global 3
 *   tables   table 0: double_it, an empty element, negate
 *            table 1: half (f64 -> f64)
 *            table 2: no elements
 *   stack    smear_stack, scan_stack and smear_and_scan write and read the
 *            guest stack below the running function
 *
 * The contents below are repeated in the tests that check them.
 */
#include "native_guest.h"

#include <string.h>

/* Data pages: a marker string at the start and a few bytes further in. */
static const uint8_t data_page_0[LUCET_MODULE_DATA_PAGE_SIZE] = {
    'c', 'o', 'r', 'e', '_', 'm', 'e', 'm', ' ', 'p', 'a', 'g', 'e', ' ', '0',
    [4095] = 0x5a,
};
static const uint8_t data_page_2[LUCET_MODULE_DATA_PAGE_SIZE] = {
    'c', 'o', 'r', 'e', '_', 'm', 'e', 'm', ' ', 'p', 'a', 'g', 'e', ' ', '2',
    [2048] = 0xc3,
    [4095] = 0x3c,
};
static const uint8_t *const data_pages[] = { data_page_0, NULL, data_page_2 };

static uint8_t *heap_at(struct lucet_vmctx *vmctx, int32_t offset)
{
    return (uint8_t *)lucet_vmctx_get_heap(vmctx) + (uint32_t)offset;
}

GUEST_FN int32_t load_u8(struct lucet_vmctx *vmctx, int32_t offset)
{
    return *heap_at(vmctx, offset);
}

GUEST_FN void store_u8(struct lucet_vmctx *vmctx, int32_t offset, int32_t value)
{
    *heap_at(vmctx, offset) = (uint8_t)value;
}

GUEST_FN int64_t load_i64(struct lucet_vmctx *vmctx, int32_t offset)
{
    int64_t v;

    memcpy(&v, heap_at(vmctx, offset), sizeof v);
    return v;
}

GUEST_FN void store_i64(struct lucet_vmctx *vmctx, int32_t offset, int64_t value)
{
    memcpy(heap_at(vmctx, offset), &value, sizeof value);
}

GUEST_FN void fill(struct lucet_vmctx *vmctx, int32_t offset, int32_t len, int32_t byte)
{
    memset(heap_at(vmctx, offset), byte, (uint32_t)len);
}

/* How many of the `len` bytes at `offset` are not zero. */
GUEST_FN int32_t count_nonzero(struct lucet_vmctx *vmctx, int32_t offset, int32_t len)
{
    const uint8_t *p = heap_at(vmctx, offset);
    int32_t n = 0;

    for (uint32_t i = 0; i < (uint32_t)len; i++)
        n += p[i] != 0;
    return n;
}

GUEST_FN int32_t grow(struct lucet_vmctx *vmctx, int32_t pages)
{
    return lucet_vmctx_grow_memory(vmctx, (uint32_t)pages);
}

GUEST_FN int32_t current_memory(struct lucet_vmctx *vmctx)
{
    return (int32_t)lucet_vmctx_current_memory(vmctx);
}

/* lucet_vmctx_check_heap on heap base + offset (which may be negative). */
GUEST_FN int32_t check_heap(struct lucet_vmctx *vmctx, int64_t offset, int64_t len)
{
    char *p = (char *)((uintptr_t)lucet_vmctx_get_heap(vmctx) + (uintptr_t)offset);

    return lucet_vmctx_check_heap(vmctx, p, (size_t)len);
}

GUEST_FN int64_t get_global(struct lucet_vmctx *vmctx, int32_t index)
{
    return lucet_vmctx_get_globals(vmctx)[index];
}

GUEST_FN void set_global(struct lucet_vmctx *vmctx, int32_t index, int64_t value)
{
    lucet_vmctx_get_globals(vmctx)[index] = value;
}

/* Reads global `index` as the f64 its bits hold. */
GUEST_FN double get_global_f64(struct lucet_vmctx *vmctx, int32_t index)
{
    double d;

    memcpy(&d, &lucet_vmctx_get_globals(vmctx)[index], sizeof d);
    return d;
}

GUEST_FN int64_t get_delegate(struct lucet_vmctx *vmctx)
{
    return (int64_t)(uintptr_t)lucet_vmctx_get_delegate(vmctx);
}

GUEST_FN int64_t heap_base(struct lucet_vmctx *vmctx)
{
    return (int64_t)(uintptr_t)lucet_vmctx_get_heap(vmctx);
}

GUEST_FN int64_t vmctx_addr(struct lucet_vmctx *vmctx)
{
    return (int64_t)(uintptr_t)vmctx;
}

GUEST_FN int64_t globals_addr(struct lucet_vmctx *vmctx)
{
    return (int64_t)(uintptr_t)lucet_vmctx_get_globals(vmctx);
}

GUEST_FN void start(struct lucet_vmctx *vmctx)
{
    memcpy(heap_at(vmctx, 0x8000), "started", 8);
    lucet_vmctx_get_globals(vmctx)[3] += 1;
}

GUEST_FN int32_t double_it(struct lucet_vmctx *vmctx, int32_t x)
{
    (void)vmctx;
    return x * 2;
}

GUEST_FN int32_t negate(struct lucet_vmctx *vmctx, int32_t x)
{
    (void)vmctx;
    return -x;
}

GUEST_FN double half(struct lucet_vmctx *vmctx, double x)
{
    (void)vmctx;
    return x / 2;
}

/* The sentinel call_table returns for an element it cannot call. */
#define NO_ELEMENT INT32_MIN

/* Calls an i32 -> i32 element of a table the way call_indirect would. */
GUEST_FN int32_t call_table(struct lucet_vmctx *vmctx, int32_t table, int32_t index, int32_t x)
{
    int32_t (*fn)(struct lucet_vmctx *, int32_t) =
        (int32_t (*)(struct lucet_vmctx *, int32_t))lucet_vmctx_get_func_from_idx(
            vmctx, (uint32_t)table, (uint32_t)index);

    return fn != NULL ? fn(vmctx, x) : NO_ELEMENT;
}

/* The code address of a table element, or 0 for none. */
GUEST_FN int64_t table_entry(struct lucet_vmctx *vmctx, int32_t table, int32_t index)
{
    return (int64_t)(uintptr_t)lucet_vmctx_get_func_from_idx(vmctx, (uint32_t)table,
                                                             (uint32_t)index);
}

/* Fills 16 KiB of this function's own frame with `byte`. */
GUEST_FN int32_t smear_stack(struct lucet_vmctx *vmctx, int32_t byte)
{
    volatile uint8_t buf[16384];

    (void)vmctx;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)byte;
    return buf[100];
}

/*
 * Counts the bytes that are not zero in the 16 KiB of stack below this
 * function's frame, where an earlier smear_stack's buffer lay. The 256 bytes
 * nearest the frame are skipped: this function may use them itself.
 */
GUEST_FN int32_t scan_stack(struct lucet_vmctx *vmctx)
{
    const volatile uint8_t *frame = __builtin_frame_address(0);
    int32_t n = 0;

    (void)vmctx;
    for (size_t i = 256; i < 256 + 16384; i++)
        n += frame[-(ptrdiff_t)i] != 0;
    return n;
}

/* Smears the stack, then scans where it smeared: shows that scan_stack sees leftovers. */
GUEST_FN int32_t smear_and_scan(struct lucet_vmctx *vmctx, int32_t byte)
{
    smear_stack(vmctx, byte);
    return scan_stack(vmctx);
}

#define I32 lucet_module_valtype_i32
#define I64 lucet_module_valtype_i64
#define F32 lucet_module_valtype_f32
#define F64 lucet_module_valtype_f64

static const uint8_t p_i32[] = { I32 };
static const uint8_t p_i32_i32[] = { I32, I32 };
static const uint8_t p_i32_i64[] = { I32, I64 };
static const uint8_t p_i64_i64[] = { I64, I64 };
static const uint8_t p_i32x3[] = { I32, I32, I32 };
static const uint8_t p_f64[] = { F64 };

enum {
    SIG_I32_I32, SIG_I32I32_V, SIG_I32_I64, SIG_I32I64_V, SIG_I32X3_V, SIG_I32I32_I32,
    SIG_V_I32, SIG_I64I64_I32, SIG_V_I64, SIG_V_V, SIG_I32_F64, SIG_F64_F64, SIG_I32X3_I32,
    SIG_I32I32_I64,
};

static const struct lucet_module_signature signatures[] = {
    [SIG_I32_I32] = { 1, 1, p_i32, I32, 0 },
    [SIG_I32I32_V] = { 2, 0, p_i32_i32, 0, 0 },
    [SIG_I32_I64] = { 1, 1, p_i32, I64, 0 },
    [SIG_I32I64_V] = { 2, 0, p_i32_i64, 0, 0 },
    [SIG_I32X3_V] = { 3, 0, p_i32x3, 0, 0 },
    [SIG_I32I32_I32] = { 2, 1, p_i32_i32, I32, 0 },
    [SIG_V_I32] = { 0, 1, NULL, I32, 0 },
    [SIG_I64I64_I32] = { 2, 1, p_i64_i64, I32, 0 },
    [SIG_V_I64] = { 0, 1, NULL, I64, 0 },
    [SIG_V_V] = { 0, 0, NULL, 0, 0 },
    [SIG_I32_F64] = { 1, 1, p_i32, F64, 0 },
    [SIG_F64_F64] = { 1, 1, p_f64, F64, 0 },
    [SIG_I32X3_I32] = { 3, 1, p_i32x3, I32, 0 },
    [SIG_I32I32_I64] = { 2, 1, p_i32_i32, I64, 0 },
};

enum {
    F_LOAD_U8, F_STORE_U8, F_LOAD_I64, F_STORE_I64, F_FILL, F_COUNT_NONZERO, F_GROW,
    F_CURRENT_MEMORY, F_CHECK_HEAP, F_GET_GLOBAL, F_SET_GLOBAL, F_GET_GLOBAL_F64,
    F_GET_DELEGATE, F_HEAP_BASE, F_VMCTX_ADDR, F_GLOBALS_ADDR, F_START, F_DOUBLE_IT,
    F_NEGATE, F_HALF, F_CALL_TABLE, F_TABLE_ENTRY, F_SMEAR_STACK, F_SCAN_STACK,
    F_SMEAR_AND_SCAN, F_COUNT
};

#define FN(f, sig) { .code = (const void *)(f), .signature = (sig), .name = #f }

static struct lucet_module_function functions[F_COUNT] = {
    [F_LOAD_U8] = FN(load_u8, SIG_I32_I32),
    [F_STORE_U8] = FN(store_u8, SIG_I32I32_V),
    [F_LOAD_I64] = FN(load_i64, SIG_I32_I64),
    [F_STORE_I64] = FN(store_i64, SIG_I32I64_V),
    [F_FILL] = FN(fill, SIG_I32X3_V),
    [F_COUNT_NONZERO] = FN(count_nonzero, SIG_I32I32_I32),
    [F_GROW] = FN(grow, SIG_I32_I32),
    [F_CURRENT_MEMORY] = FN(current_memory, SIG_V_I32),
    [F_CHECK_HEAP] = FN(check_heap, SIG_I64I64_I32),
    [F_GET_GLOBAL] = FN(get_global, SIG_I32_I64),
    [F_SET_GLOBAL] = FN(set_global, SIG_I32I64_V),
    [F_GET_GLOBAL_F64] = FN(get_global_f64, SIG_I32_F64),
    [F_GET_DELEGATE] = FN(get_delegate, SIG_V_I64),
    [F_HEAP_BASE] = FN(heap_base, SIG_V_I64),
    [F_VMCTX_ADDR] = FN(vmctx_addr, SIG_V_I64),
    [F_GLOBALS_ADDR] = FN(globals_addr, SIG_V_I64),
    [F_START] = FN(start, SIG_V_V),
    [F_DOUBLE_IT] = FN(double_it, SIG_I32_I32),
    [F_NEGATE] = FN(negate, SIG_I32_I32),
    [F_HALF] = FN(half, SIG_F64_F64),
    [F_CALL_TABLE] = FN(call_table, SIG_I32X3_I32),
    [F_TABLE_ENTRY] = FN(table_entry, SIG_I32I32_I64),
    [F_SMEAR_STACK] = FN(smear_stack, SIG_I32_I32),
    [F_SCAN_STACK] = FN(scan_stack, SIG_V_I32),
    [F_SMEAR_AND_SCAN] = FN(smear_and_scan, SIG_I32_I32),
};
NATIVE_GUEST_FILL_LENGTHS(functions)

#define EXPORT(name, f) { name, f, 0 }

static const struct lucet_module_export exports[] = {
    EXPORT("load_u8", F_LOAD_U8),
    EXPORT("store_u8", F_STORE_U8),
    EXPORT("load_i64", F_LOAD_I64),
    EXPORT("store_i64", F_STORE_I64),
    EXPORT("fill", F_FILL),
    EXPORT("count_nonzero", F_COUNT_NONZERO),
    EXPORT("grow", F_GROW),
    EXPORT("current_memory", F_CURRENT_MEMORY),
    EXPORT("check_heap", F_CHECK_HEAP),
    EXPORT("get_global", F_GET_GLOBAL),
    EXPORT("set_global", F_SET_GLOBAL),
    EXPORT("get_global_f64", F_GET_GLOBAL_F64),
    EXPORT("get_delegate", F_GET_DELEGATE),
    EXPORT("heap_base", F_HEAP_BASE),
    EXPORT("vmctx_addr", F_VMCTX_ADDR),
    EXPORT("globals_addr", F_GLOBALS_ADDR),
    EXPORT("double_it", F_DOUBLE_IT),
    EXPORT("negate", F_NEGATE),
    EXPORT("half", F_HALF),
    EXPORT("call_table", F_CALL_TABLE),
    EXPORT("table_entry", F_TABLE_ENTRY),
    EXPORT("smear_stack", F_SMEAR_STACK),
    EXPORT("scan_stack", F_SCAN_STACK),
    EXPORT("smear_and_scan", F_SMEAR_AND_SCAN),
};

static const struct lucet_module_table_elem table0[] = {
    { SIG_I32_I32, F_DOUBLE_IT },
    { SIG_I32_I32, LUCET_MODULE_NO_FUNCTION },
    { SIG_I32_I32, F_NEGATE },
};
static const struct lucet_module_table_elem table1[] = {
    { SIG_F64_F64, F_HALF },
};
static const struct lucet_module_table tables[] = {
    { 3, 0, table0 },
    { 1, 0, table1 },
    { 0, 0, NULL },
};

static const struct lucet_module_global globals[] = {
    { .type = I32, .init_bits = 7 },
    { .type = I64, .init_bits = UINT64_C(0x0123456789abcdef) },
    { .type = F64, .init_bits = UINT64_C(0x4004000000000000) }, /* 2.5 */
    { .type = I64, .init_bits = 100 },                          /* start adds 1 */
    { .type = F32, .init_bits = UINT64_C(0xbfc00000) },         /* -1.5f */
};

#define COUNT(a) (uint32_t)(sizeof(a) / sizeof((a)[0]))

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = F_START,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .global_count = COUNT(globals),
    .globals = globals,
    .signature_count = COUNT(signatures),
    .signatures = signatures,
    .function_count = F_COUNT,
    .functions = functions,
    .export_count = COUNT(exports),
    .exports = exports,
    .table_count = COUNT(tables),
    .tables = tables,
    .data_page_count = COUNT(data_pages),
    .data_pages = data_pages,
};
