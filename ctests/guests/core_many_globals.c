/*
 * core_many_globals.c: a guest with 513 i64 globals (4104 bytes), one more
 * than 4096 bytes of globals hold; global i starts as i * 3.
 */
#include "native_guest.h"

#define GLOBAL_COUNT 513

GUEST_FN int64_t get_global(struct lucet_vmctx *vmctx, int32_t index)
{
    return lucet_vmctx_get_globals(vmctx)[index];
}

static const uint8_t p_i32[] = { lucet_module_valtype_i32 };

static const struct lucet_module_signature signatures[] = {
    { 1, 1, p_i32, lucet_module_valtype_i64, 0 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)get_global, .signature = 0, .name = "get_global" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { "get_global", 0, 0 },
};

/* Filled by a constructor: 513 initializers are easier written as a loop. */
static struct lucet_module_global globals[GLOBAL_COUNT];

__attribute__((constructor)) static void init_globals(void)
{
    for (int i = 0; i < GLOBAL_COUNT; i++) {
        globals[i].type = lucet_module_valtype_i64;
        globals[i].init_bits = (uint64_t)i * 3;
    }
}

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .global_count = GLOBAL_COUNT,
    .globals = globals,
    .signature_count = 1,
    .signatures = signatures,
    .function_count = 1,
    .functions = functions,
    .export_count = 1,
    .exports = exports,
};
