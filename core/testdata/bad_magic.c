/* bad_magic.c: a shared object whose lucet_module has a foreign magic number. */
#include "lucet_module.h"

const struct lucet_module lucet_module = {
    .magic = 0x1122334455667788ull,
    .abi_version = LUCET_MODULE_ABI_VERSION,
};
