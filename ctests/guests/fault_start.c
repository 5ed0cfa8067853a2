/*
 * fault_start.c: a guest whose start function reads one byte past its heap,
 * so that creating (or resetting) an instance of it always faults.
 */
#include "native_guest.h"

GUEST_FN void fst_start(struct lucet_vmctx *vmctx)
{
    volatile uint8_t *heap = (volatile uint8_t *)lucet_vmctx_get_heap(vmctx);

    (void)heap[64 * 1024];
}

static const struct lucet_module_signature signatures[] = {
    { .param_count = 0, .result_count = 0 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)fst_start, .signature = 0, .name = "fst_start" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = 0,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .signature_count = 1,
    .signatures = signatures,
    .function_count = 1,
    .functions = functions,
};
