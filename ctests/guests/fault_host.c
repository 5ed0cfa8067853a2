/*
 * fault_host.c: a guest that calls one host function, env.fault_host, with a
 * number saying what the host should do (fault, terminate, raise a signal,
 * or simply return); the host program decides what each number means.
 * fh_call(what) returns the host's answer plus 1, so a normal return is
 * told apart from a result the run never produced.
 */
#include "native_guest.h"

static void *fault_host_slot;

GUEST_FN int32_t fh_call(struct lucet_vmctx *vmctx, int32_t what)
{
    int32_t (*host)(struct lucet_vmctx *, int32_t) =
        (int32_t (*)(struct lucet_vmctx *, int32_t))fault_host_slot;

    return host(vmctx, what) + 1;
}

static const uint8_t params_i32[] = { lucet_module_valtype_i32 };

static const struct lucet_module_signature signatures[] = {
    { .param_count = 1, .params = params_i32, .result_count = 1,
      .result = lucet_module_valtype_i32 },
};

static struct lucet_module_function functions[] = {
    { .code = (const void *)fh_call, .signature = 0, .name = "fh_call" },
};
NATIVE_GUEST_FILL_LENGTHS(functions)

static const struct lucet_module_export exports[] = {
    { .name = "fh_call", .function = 0 },
};

static const struct lucet_module_import imports[] = {
    { .module = "env", .field = "fault_host", .signature = 0, .slot = &fault_host_slot },
};

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .heap = { .reserved_size = 4ull << 30, .guard_size = 4ull << 30, .initial_size = 64 * 1024 },
    .signature_count = 1,
    .signatures = signatures,
    .function_count = 1,
    .functions = functions,
    .export_count = 1,
    .exports = exports,
    .import_count = 1,
    .imports = imports,
};
