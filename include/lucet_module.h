/*
 * lucet_module.h: the descriptor a compiled module exports.
 *
 * A module is a shared object exporting one data symbol, `lucet_module`, of
 * type `struct lucet_module`. The runtime reads the magic number and ABI
 * version first and trusts nothing else until both match; it then checks
 * every count and pointer against the segments of the loaded object before
 * using them. Native C guests and the compiler both target this structure.
 *
 * A guest function is an ordinary C function whose first argument is the
 * vmctx (struct lucet_vmctx *), followed by its wasm parameters, and which
 * returns at most one value. Imported host functions have the same shape.
 */
#ifndef LUCET_MODULE_H
#define LUCET_MODULE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "LUCETMOD" read as a little-endian 64-bit integer. */
#define LUCET_MODULE_MAGIC UINT64_C(0x444f4d5445435554)
/* Bumped whenever the layout below changes. */
#define LUCET_MODULE_ABI_VERSION 1u

/* A function index meaning "none" (no start function, an empty table slot). */
#define LUCET_MODULE_NO_FUNCTION UINT32_MAX

/* Size of one sparse data page. */
#define LUCET_MODULE_DATA_PAGE_SIZE 4096u

/* Value types of parameters, results and globals. */
enum lucet_module_valtype {
    lucet_module_valtype_i32 = 1,
    lucet_module_valtype_i64 = 2,
    lucet_module_valtype_f32 = 3,
    lucet_module_valtype_f64 = 4,
};

/* heap.flags bits. */
#define LUCET_MODULE_HEAP_HAS_MAX 1u /* heap.max_size is a real limit */

struct lucet_module_heap_spec {
    /* Heap address space the code relies on being reserved (bounds checks omitted up to here). */
    uint64_t reserved_size;
    /* Guard the code relies on beyond reserved_size. */
    uint64_t guard_size;
    /* Accessible bytes at instantiation; a multiple of 64 KiB. */
    uint64_t initial_size;
    /* Most accessible bytes growth may reach, if flags has LUCET_MODULE_HEAP_HAS_MAX. */
    uint64_t max_size;
    uint32_t flags;
    uint32_t reserved;
};

/* globals[i].flags bits. */
#define LUCET_MODULE_GLOBAL_IMPORT 1u /* imported global: refused by this runtime */

struct lucet_module_global {
    uint32_t type;     /* enum lucet_module_valtype */
    uint32_t flags;
    uint64_t init_bits; /* initial value, as stored in the 8-byte global slot */
    const char *import_module; /* only for imports */
    const char *import_field;
};

struct lucet_module_signature {
    uint32_t param_count;
    uint32_t result_count;   /* 0 or 1 */
    const uint8_t *params;   /* param_count enum lucet_module_valtype values */
    uint32_t result;         /* valid when result_count is 1 */
    uint32_t reserved;
};

/* A trap site: an instruction that faults on purpose, and what it means. */
struct lucet_module_trap_site {
    uint32_t offset; /* from the function's first byte */
    uint32_t code;   /* enum lucet_trapcode_type */
};

struct lucet_module_function {
    const void *code;   /* entry address, inside the object's code */
    uint64_t code_len;  /* bytes of code starting at `code` */
    uint32_t signature; /* index into signatures */
    uint32_t trap_count;
    const struct lucet_module_trap_site *traps; /* sorted by offset */
    const char *name;   /* optional, for fault descriptions */
};

struct lucet_module_export {
    const char *name;
    uint32_t function;  /* index into functions */
    uint32_t reserved;
};

/*
 * An imported host function. The loader resolves it (functions the embedder
 * registered first, then the process's global symbols by `field`) and stores
 * its address in *slot, through which the guest calls it.
 */
struct lucet_module_import {
    const char *module;
    const char *field;
    uint32_t signature; /* index into signatures */
    uint32_t reserved;
    void **slot;        /* writable, inside the object */
};

struct lucet_module_table_elem {
    uint32_t signature; /* index into signatures */
    uint32_t function;  /* index into functions, or LUCET_MODULE_NO_FUNCTION */
};

struct lucet_module_table {
    uint32_t elem_count;
    uint32_t reserved;
    const struct lucet_module_table_elem *elems;
};

struct lucet_module {
    uint64_t magic;            /* LUCET_MODULE_MAGIC */
    uint32_t abi_version;      /* LUCET_MODULE_ABI_VERSION */
    uint32_t start_function;   /* index into functions, or LUCET_MODULE_NO_FUNCTION */

    struct lucet_module_heap_spec heap;

    uint32_t global_count;
    uint32_t signature_count;
    uint32_t function_count;
    uint32_t export_count;
    uint32_t import_count;
    uint32_t table_count;
    uint64_t data_page_count;  /* pages of the initial heap image */

    const struct lucet_module_global *globals;
    const struct lucet_module_signature *signatures;
    const struct lucet_module_function *functions;
    const struct lucet_module_export *exports;
    const struct lucet_module_import *imports;
    const struct lucet_module_table *tables;
    /* data_page_count pointers, each to 4096 bytes or NULL for a zero page. */
    const uint8_t *const *data_pages;
};

#ifdef __cplusplus
}
#endif

#endif /* LUCET_MODULE_H */
