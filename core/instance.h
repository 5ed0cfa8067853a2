/*
 * instance.h: the instance page and loaded-module record, as the C parts of
 * the runtime (run path, vmctx functions, signal handler) and the Go parts
 * (lifecycle) both see them. Internal to the library.
 *
 * The instance page is the first 4096 bytes of a slot; the heap starts right
 * after it, so the vmctx a guest receives (the heap base) is page + 4096 and
 * the globals pointer sits in the page's last 8 bytes, at vmctx - 8.
 */
#ifndef LUCET_CORE_INSTANCE_H
#define LUCET_CORE_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "lucet.h"
#include "lucet_module.h"

#define LUCET_HOST_PAGE_SIZE 4096u
#define LUCET_INSTANCE_PAGE_SIZE 4096u
/* "LUCETINS" as a little-endian 64-bit integer; zero once released. */
#define LUCET_INSTANCE_MAGIC UINT64_C(0x534e495445435554)
#define LUCET_SIGSTACK_SIZE (64u * 1024u)
#define LUCET_ERROR_MESSAGE_SIZE 512

/* A module once loaded and validated; allocated with calloc by the loader. */
struct lucet_loaded_module {
    const struct lucet_module *desc;
    /* Exports sorted by name (strcmp order), for binary search. */
    const struct lucet_module_export **sorted_exports;
    /* Function indices sorted by code address, for finding the function at a PC. */
    const uint32_t *functions_by_address;
    /* Lowest and highest address of any function's code, for classification. */
    uintptr_t code_start;
    uintptr_t code_end;
    /* Path given to the loader (NUL-terminated, owned). */
    char *path;
};

/* The last fault, recorded by the signal handler. */
struct lucet_fault_record {
    uint32_t trapcode; /* enum lucet_trapcode_type */
    uint16_t tag;
    bool fatal;
    bool in_module_code;
    int signum;
    uintptr_t pc;
    uintptr_t addr;
    uint32_t access; /* 0 unknown, 1 read, 2 write */
    uint32_t reserved;
    siginfo_t siginfo;
    ucontext_t context;
};

struct lucet_instance_fields {
    uint64_t magic;
    uint32_t state; /* enum lucet_state_tag */
    /* go-pointer key of the Go Instance; opaque here. */
    void *go_handle;
    const struct lucet_loaded_module *module;
    void *embed_ctx;

    /* Slot memory: the accessible heap grows up to heap_limit bytes. */
    uint8_t *heap;
    uint64_t heap_len;
    uint64_t heap_limit;
    uint64_t heap_address_space;
    uint8_t *stack; /* lowest address; the guard page is just below */
    uint64_t stack_size;
    uint8_t *sigstack;
    uint64_t sigstack_size;
    uint64_t globals_size;

    struct lucet_context host_ctx;
    struct lucet_context guest_ctx;
    struct lucet_boot_args boot_args;
    struct lucet_retval_regs retval;

    lucet_signal_handler signal_handler;
    lucet_fatal_handler fatal_handler;
    uint32_t terminated_reason; /* enum lucet_terminated_reason */
    /*
     * Set when the embedder's signal handler resumed the guest after a
     * fault: it may have opened pages past the heap, which release and
     * reset must then close and wipe too.
     */
    uint32_t guard_maybe_open;
    void *terminated_info;
    /* Function being run, for fault descriptions. */
    const struct lucet_module_function *entry;

    struct lucet_fault_record fault;
};

struct lucet_instance {
    struct lucet_instance_fields f;
    uint8_t padding[LUCET_INSTANCE_PAGE_SIZE - sizeof(int64_t *) - sizeof(struct lucet_instance_fields)];
    /* Read by compiled code as *(vmctx - 8). */
    int64_t *globals;
};

_Static_assert(sizeof(struct lucet_instance) == LUCET_INSTANCE_PAGE_SIZE, "instance page size");
_Static_assert(offsetof(struct lucet_instance, globals) == LUCET_INSTANCE_PAGE_SIZE - 8,
               "globals pointer must sit just below the heap");

/* The instance whose heap starts at vmctx. */
static inline struct lucet_instance *lucet_instance_from_vmctx(const struct lucet_vmctx *vmctx)
{
    return (struct lucet_instance *)((uintptr_t)vmctx - LUCET_INSTANCE_PAGE_SIZE);
}

/* True when inst points at a live instance page. */
static inline bool lucet_instance_is_live(const struct lucet_instance *inst)
{
    return inst != NULL && inst->f.magic == LUCET_INSTANCE_MAGIC;
}

/* Records a failure for lucet_error_message on this thread and returns err. */
enum lucet_error lucet_core_fail(enum lucet_error err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records a guest fault of inst as the calling thread's error; see run.c. */
enum lucet_error lucet_core_fail_fault(const struct lucet_instance *inst);

/* Sets the calling thread's error message (for Go callers). */
void lucet_core_set_error_message(const char *msg);

/* Copies the calling thread's error message into buf (for Go callers). */
void lucet_core_copy_error(char *buf, size_t len);

/* Runs function `func_index` of the instance's module. */
enum lucet_error lucet_core_run_function(struct lucet_instance *inst, uint32_t func_index,
                                         uintptr_t argc, const struct lucet_val *argv);

/* Runs the export named `name`. */
enum lucet_error lucet_core_run_export(struct lucet_instance *inst, const char *name,
                                       uintptr_t argc, const struct lucet_val *argv);

/* Runs element func_idx of table table_idx. */
enum lucet_error lucet_core_run_table(struct lucet_instance *inst, uint32_t table_idx,
                                      uint32_t func_idx, uintptr_t argc,
                                      const struct lucet_val *argv);

/* Grows the heap by `pages` wasm pages; writes the old size in pages. */
enum lucet_error lucet_core_grow_heap(struct lucet_instance *inst, uint32_t pages,
                                      uint32_t *previous_pages);

/* Fills *out from the instance's state; see lucet_instance_state. */
enum lucet_error lucet_core_state(const struct lucet_instance *inst, struct lucet_state *out);

/* Frees what lucet_core_state allocated in *state. */
void lucet_core_state_release(struct lucet_state *state);

/* The instance's fault record, or NULL (error set) when its state is not a fault. */
const struct lucet_fault_record *lucet_core_fault(const struct lucet_instance *inst);

/* The calling thread's error message; see lucet_error_message. */
const char *lucet_core_error_message(void);

#endif /* LUCET_CORE_INSTANCE_H */
