/*
 * lucet_vmctx.h: functions that guest code and hostcalls call while a guest
 * runs, on the guest's stack.
 *
 * A guest function, and a hostcall, receives a `struct lucet_vmctx *` as its
 * first argument. That pointer is the start of the instance's heap; the
 * instance itself sits in the 4096 bytes below it, and the globals pointer is
 * stored in the 8 bytes just below the heap. All functions here are written
 * in C, take no lock, allocate nothing and never enter the Go runtime, so
 * they are safe to call from guest code and hostcalls (and from nowhere
 * else: outside a run, use the lucet_instance_* functions of lucet.h).
 */
#ifndef LUCET_VMCTX_H
#define LUCET_VMCTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lucet_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Integers as the guest sees them: its pointers and sizes are 32-bit. */
typedef uint32_t guest_int;
typedef uint32_t guest_ptr_t;
typedef uint32_t guest_size_t;

struct lucet_vmctx;

/* Returns the start of the instance's heap (the vmctx pointer itself). */
LUCET_API char *lucet_vmctx_get_heap(struct lucet_vmctx const *vmctx);

/*
 * Returns true when [ptr, ptr + len) lies entirely within the accessible part
 * of the heap. A zero `len` checks that ptr is within or at the end of it.
 */
LUCET_API bool lucet_vmctx_check_heap(struct lucet_vmctx const *vmctx, void *ptr, size_t len);

/* Returns the embedder's context pointer given at instance creation. */
LUCET_API void *lucet_vmctx_get_delegate(struct lucet_vmctx const *vmctx);

/*
 * Ends the current run at once: the run returns
 * lucet_error_runtime_terminated and lucet_instance_state reports tag
 * terminated, reason provided, with `info` as the provided pointer (owned by
 * the embedder; the runtime never dereferences it). Frames of the guest and
 * hostcall are abandoned without unwinding, so a hostcall must release what it
 * holds before calling this. The instance must be reset before it runs again.
 * Does not return.
 */
LUCET_NORETURN LUCET_API void lucet_vmctx_terminate(struct lucet_vmctx const *vmctx, void *info);

/* Returns the accessible heap size in wasm pages (64 KiB). */
LUCET_API uint32_t lucet_vmctx_current_memory(struct lucet_vmctx const *vmctx);

/*
 * Grows the accessible heap by `additional_pages` wasm pages, returning the
 * size in pages before the call, or -1 (heap unchanged) when the result would
 * exceed the module's maximum or the region's heap_memory_size.
 */
LUCET_API int32_t lucet_vmctx_grow_memory(struct lucet_vmctx const *vmctx,
                                          uint32_t additional_pages);

/*
 * Returns the code address of element `func_id` of table `table_id`, or NULL
 * when either index is out of range or the element is empty.
 */
LUCET_API void *lucet_vmctx_get_func_from_idx(struct lucet_vmctx const *vmctx, uint32_t table_id,
                                              uint32_t func_id);

/* Returns the instance's globals: 8 bytes each, in module order. */
LUCET_API int64_t *lucet_vmctx_get_globals(struct lucet_vmctx const *vmctx);

#ifdef __cplusplus
}
#endif

#endif /* LUCET_VMCTX_H */
