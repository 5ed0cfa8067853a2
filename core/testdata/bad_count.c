/* bad_count.c: a descriptor whose export count runs far past its array. */
#include "lucet_module.h"

static const struct lucet_module_export exports[] = { { "none", 0, 0 } };

const struct lucet_module lucet_module = {
    .magic = LUCET_MODULE_MAGIC,
    .abi_version = LUCET_MODULE_ABI_VERSION,
    .start_function = LUCET_MODULE_NO_FUNCTION,
    .export_count = 1u << 20,
    .exports = exports,
};
