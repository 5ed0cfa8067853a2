/*
 * fault_stack.c: a guest that uses its stack, deeply or all at once.
 *
 *   fs_recurse(depth)   recursion `depth` calls deep; returns the sum of
 *                       (k & 0xff) for k = 1..depth, so a shallow call has a
 *                       known result and a deep one runs into the guard page
 *   fs_big_frame(kib)   one frame of `kib` KiB, touched at its lowest byte
 *                       first: a frame larger than the stack jumps over the
 *                       guard page instead of running into it
 */
#include "native_guest.h"

GUEST_FN int64_t fs_recurse(struct lucet_vmctx *vmctx, int32_t depth)
{
    /* A volatile local that is read after the call keeps each frame real. */
    volatile uint8_t frame[48];

    frame[0] = (uint8_t)depth;
    if (depth <= 0)
        return 0;
    return fs_recurse(vmctx, depth - 1) + frame[0];
}

GUEST_FN int32_t fs_big_frame(struct lucet_vmctx *vmctx, int32_t kib)
{
    size_t size = (size_t)(uint32_t)kib * 1024;
    volatile uint8_t *frame = __builtin_alloca(size);

    (void)vmctx;
    /* The lowest byte is written first: nothing probes the pages between. */
    frame[0] = 7;
    frame[size - 1] = 5;
    return frame[0] + frame[size - 1];
}

static const uint8_t params_i32[] = { lucet_module_valtype_i32 };

static const struct lucet_module_signature signatures[] = {
    { .param_count = 1, .params = params_i32, .result_count = 1,
      .result = lucet_module_valtype_i64 },
    { .param_count = 1, .params = params_i32, .result_count = 1,
      .result = lucet_module_valtype_i32 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)fs_recurse, .signature = 0, .name = "fs_recurse" },
    { .code = (const void *)fs_big_frame, .signature = 1, .name = "fs_big_frame" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { .name = "fs_recurse", .function = 0 },
    { .name = "fs_big_frame", .function = 1 },
};

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .signature_count = 2,
    .signatures = signatures,
    .function_count = 2,
    .functions = functions,
    .export_count = 2,
    .exports = exports,
};
