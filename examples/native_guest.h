/*
 * native_guest.h: help for writing guest modules by hand in C.
 *
 * A compiler knows how long each function it emits is; a C compiler does not
 * tell the C program. Guests written in C therefore give each function
 * external linkage and default visibility, leave code_len 0 in a writable
 * functions array, and call native_guest_fill_code_lengths from a
 * constructor: it copies each function's size from the object's dynamic
 * symbol table before the runtime reads the descriptor (constructors run
 * inside dlopen, before it returns).
 *
 * Include this first, or define _GNU_SOURCE before any other include.
 */
#ifndef NATIVE_GUEST_H
#define NATIVE_GUEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>

#include "lucet_module.h"
#include "lucet_vmctx.h"

/* Exported guest function: visible in the dynamic symbol table. */
#define GUEST_FN __attribute__((visibility("default"), noinline))

static inline void native_guest_fill_code_lengths(struct lucet_module_function *functions,
                                                  size_t count)
{
    for (size_t i = 0; i < count; i++) {
        Dl_info info;
        const ElfW(Sym) *sym = NULL;

        if (functions[i].code_len == 0 &&
            dladdr1(functions[i].code, &info, (void **)&sym, RTLD_DL_SYMENT) != 0 &&
            sym != NULL && info.dli_saddr == functions[i].code)
            functions[i].code_len = sym->st_size;
    }
}

/* Defines a constructor filling the lengths of the array `functions`. */
#define NATIVE_GUEST_FILL_LENGTHS(functions)                                        \
    __attribute__((constructor)) static void native_guest_fill_##functions(void)    \
    {                                                                               \
        native_guest_fill_code_lengths(functions, sizeof functions / sizeof functions[0]); \
    }

#endif /* NATIVE_GUEST_H */
