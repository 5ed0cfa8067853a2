/*
 * core_hostcall.c: a guest calling host functions through imports resolved
 * from the host program's global symbols (all under module "env"):
 *
 *   ctest_host_probe(i32) -> i32     inspects the instance from a hostcall
 *   ctest_host_terminate(i64)        ends the run with the i64 as payload
 *   ctest_host_reenter() -> i32      tries to run the instance again
 *
 * One i64 global, initially 5. Heap: one wasm page.
 */
#include "native_guest.h"

static void *probe_slot;
static void *terminate_slot;
static void *reenter_slot;

/* Heap offsets of the marks terminate_with leaves before and after its hostcall. */
#define MARK_BEFORE 16
#define MARK_AFTER 17

/* Writes 0x5a at `offset`, then asks the host to look at the instance. */
GUEST_FN int32_t call_probe(struct lucet_vmctx *vmctx, int32_t offset)
{
    int32_t (*probe)(struct lucet_vmctx *, int32_t) =
        (int32_t (*)(struct lucet_vmctx *, int32_t))probe_slot;

    lucet_vmctx_get_heap(vmctx)[(uint32_t)offset] = 0x5a;
    return probe(vmctx, offset);
}

GUEST_FN int32_t terminate_with(struct lucet_vmctx *vmctx, int64_t payload)
{
    void (*terminate)(struct lucet_vmctx *, int64_t) =
        (void (*)(struct lucet_vmctx *, int64_t))terminate_slot;
    char *heap = lucet_vmctx_get_heap(vmctx);

    heap[MARK_BEFORE] = 1;
    terminate(vmctx, payload);
    heap[MARK_AFTER] = 1;
    return 1;
}

GUEST_FN int32_t call_reenter(struct lucet_vmctx *vmctx)
{
    int32_t (*reenter)(struct lucet_vmctx *) = (int32_t (*)(struct lucet_vmctx *))reenter_slot;

    return reenter(vmctx) + 1000;
}

GUEST_FN int64_t get_global0(struct lucet_vmctx *vmctx)
{
    return lucet_vmctx_get_globals(vmctx)[0];
}

GUEST_FN int32_t load_u8(struct lucet_vmctx *vmctx, int32_t offset)
{
    return (uint8_t)lucet_vmctx_get_heap(vmctx)[(uint32_t)offset];
}

#define I32 lucet_module_valtype_i32
#define I64 lucet_module_valtype_i64

static const uint8_t p_i32[] = { I32 };
static const uint8_t p_i64[] = { I64 };

enum { SIG_I32_I32, SIG_I64_V, SIG_V_I32, SIG_I64_I32, SIG_V_I64 };

static const struct lucet_module_signature signatures[] = {
    [SIG_I32_I32] = { 1, 1, p_i32, I32, 0 },
    [SIG_I64_V] = { 1, 0, p_i64, 0, 0 },
    [SIG_V_I32] = { 0, 1, NULL, I32, 0 },
    [SIG_I64_I32] = { 1, 1, p_i64, I32, 0 },
    [SIG_V_I64] = { 0, 1, NULL, I64, 0 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)call_probe, .signature = SIG_I32_I32, .name = "call_probe" },
    { .code = (const void *)terminate_with, .signature = SIG_I64_I32, .name = "terminate_with" },
    { .code = (const void *)call_reenter, .signature = SIG_V_I32, .name = "call_reenter" },
    { .code = (const void *)get_global0, .signature = SIG_V_I64, .name = "get_global0" },
    { .code = (const void *)load_u8, .signature = SIG_I32_I32, .name = "load_u8" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { "call_probe", 0, 0 },
    { "terminate_with", 1, 0 },
    { "call_reenter", 2, 0 },
    { "get_global0", 3, 0 },
    { "load_u8", 4, 0 },
};

static const struct lucet_module_import imports[] = {
    { .module = "env", .field = "ctest_host_probe", .signature = SIG_I32_I32, .slot = &probe_slot },
    { .module = "env", .field = "ctest_host_terminate", .signature = SIG_I64_V,
      .slot = &terminate_slot },
    { .module = "env", .field = "ctest_host_reenter", .signature = SIG_V_I32,
      .slot = &reenter_slot },
};

static const struct lucet_module_global globals[] = {
    { .type = I64, .init_bits = 5 },
};

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .global_count = 1,
    .globals = globals,
    .signature_count = 5,
    .signatures = signatures,
    .function_count = 5,
    .functions = functions,
    .export_count = 5,
    .exports = exports,
    .import_count = 3,
    .imports = imports,
};
