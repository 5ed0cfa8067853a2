/*
 * core_maxheap.c: a guest whose heap declares a maximum of three wasm pages
 * (starting from one), below any region's limit, so that growth stops there.
 */
#include "native_guest.h"

GUEST_FN int32_t grow(struct lucet_vmctx *vmctx, int32_t pages)
{
    return lucet_vmctx_grow_memory(vmctx, (uint32_t)pages);
}

GUEST_FN int32_t current_memory(struct lucet_vmctx *vmctx)
{
    return (int32_t)lucet_vmctx_current_memory(vmctx);
}

GUEST_FN int32_t load_u8(struct lucet_vmctx *vmctx, int32_t offset)
{
    return (uint8_t)lucet_vmctx_get_heap(vmctx)[(uint32_t)offset];
}

GUEST_FN void store_u8(struct lucet_vmctx *vmctx, int32_t offset, int32_t value)
{
    lucet_vmctx_get_heap(vmctx)[(uint32_t)offset] = (char)value;
}

static const uint8_t p_i32[] = { lucet_module_valtype_i32 };
static const uint8_t p_i32_i32[] = { lucet_module_valtype_i32, lucet_module_valtype_i32 };

static const struct lucet_module_signature signatures[] = {
    { 1, 1, p_i32, lucet_module_valtype_i32, 0 },
    { 0, 1, NULL, lucet_module_valtype_i32, 0 },
    { 2, 0, p_i32_i32, 0, 0 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)grow, .signature = 0, .name = "grow" },
    { .code = (const void *)current_memory, .signature = 1, .name = "current_memory" },
    { .code = (const void *)load_u8, .signature = 0, .name = "load_u8" },
    { .code = (const void *)store_u8, .signature = 2, .name = "store_u8" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { "grow", 0, 0 },
    { "current_memory", 1, 0 },
    { "load_u8", 2, 0 },
    { "store_u8", 3, 0 },
};

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30,
              .initial_size = 64 * 1024, .max_size = 3 * 64 * 1024,
              .flags = LUCET_MODULE_HEAP_HAS_MAX },
    .signature_count = 3,
    .signatures = signatures,
    .function_count = 4,
    .functions = functions,
    .export_count = 4,
    .exports = exports,
};
