/*
 * lucet.h: the liblucet C API.
 *
 * liblucet runs ahead-of-time compiled WebAssembly modules (native code in
 * shared objects) inside sandboxed instances. A region reserves memory for a
 * fixed number of instances; a module is loaded once and instantiated in a
 * region any number of times; an instance's exports are run with typed
 * arguments and every fault of the guest comes back as an error.
 *
 * Conventions for every function below:
 *   - A function returning enum lucet_error writes its *_out argument only on
 *     success. On failure, lucet_error_message() explains it in words.
 *   - A NULL handle or out-pointer gives lucet_error_invalid_argument, unless
 *     the function says otherwise; release functions accept NULL as a no-op.
 *   - The library prints nothing, except the default fatal handler (see
 *     lucet_instance_set_fatal_handler).
 *   - "Hostcall: yes" means a host function called by a guest may call it on
 *     the instance that called it; "no" means it must not.
 *
 * Handles are safe to share between threads; one instance is run by one
 * thread at a time, and many instances may run at once on many threads.
 */
#ifndef LUCET_H
#define LUCET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lucet_types.h"
#include "lucet_val.h"
#include "lucet_vmctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size of a WebAssembly page, the unit of heap growth. */
#define LUCET_WASM_PAGE_SIZE (64 * 1024)

/* Bytes that always hold a fault description (see lucet_instance_fault_describe). */
#define LUCET_FAULT_DESCRIPTION_MAX 512

/* ---- Errors and names ------------------------------------------------- */

/*
 * Returns the enumerator's own name, e.g. "lucet_error_region_full", or
 * "lucet_error_unknown" for a value outside the enum. Static storage; never
 * NULL. Thread-safe. Hostcall: yes.
 */
LUCET_API const char *lucet_error_name(enum lucet_error e);

/*
 * Returns the enumerator's own name, e.g. "lucet_state_tag_fault", or
 * "lucet_state_tag_unknown" for a value outside the enum. Static storage;
 * never NULL. Thread-safe. Hostcall: yes.
 */
LUCET_API const char *lucet_state_tag_name(enum lucet_state_tag tag);

/*
 * Returns a sentence explaining the most recent failure of a liblucet call on
 * the calling thread, e.g. "region full: 16 of 16 slots in use", or "" if no
 * call on this thread has failed yet. A successful call does not clear it.
 * The string belongs to the thread and stays valid until the next liblucet
 * call on the same thread; copy it to keep it. Never NULL. Hostcall: yes.
 */
LUCET_API const char *lucet_error_message(void);

/* ---- Regions ---------------------------------------------------------- */

/*
 * Reserves address space for `instance_capacity` instances (one slot each:
 * instance page, heap address space, stack and its guard, globals, signal
 * stack) in one inaccessible mapping; memory is committed only as instances
 * use it. `limits` NULL means the defaults (1 MiB heap memory, 8 GiB heap
 * address space, 128 KiB stack, 4 KiB globals).
 *
 * Errors: invalid_argument (region_out NULL, capacity 0, a limit that is not a
 * multiple of 4096, a zero stack, heap memory larger than heap address space;
 * the message names the limit), limits_exceeded (the total does not fit the
 * address space), internal (the reservation failed).
 * The region is owned by the caller: release it with lucet_region_release.
 * Thread-safe. Hostcall: no.
 */
LUCET_API enum lucet_error lucet_mmap_region_create(uint64_t instance_capacity,
                                                    const struct lucet_alloc_limits *limits,
                                                    struct lucet_region **region_out);

/*
 * Drops the caller's reference to the region. Its memory is unmapped when the
 * last of its instances is released too; instances already created stay
 * usable. NULL is a no-op. Thread-safe. Hostcall: no.
 */
LUCET_API void lucet_region_release(const struct lucet_region *region);

/*
 * Creates an instance of `module` in a free slot of `region`: maps its initial
 * heap, copies the module's data, sets the globals and runs the start
 * function if the module has one. Same as lucet_region_new_instance_with_ctx
 * with a NULL embed_ctx.
 */
LUCET_API enum lucet_error lucet_region_new_instance(const struct lucet_region *region,
                                                     const struct lucet_dl_module *module,
                                                     struct lucet_instance **inst_out);

/*
 * Creates an instance as lucet_region_new_instance does, keeping `embed_ctx`
 * (any pointer, owned by the embedder) for lucet_instance_embed_ctx and
 * lucet_vmctx_get_delegate.
 *
 * Errors: invalid_argument (NULL region, module or inst_out; a released
 * region or module), region_full (every slot is in use), limits_exceeded (the
 * module's heap does not fit the region's limits, or it has more globals than
 * globals_size holds), unsupported (the module imports globals),
 * runtime_fault or runtime_terminated (the start function failed; no
 * instance is created).
 * The instance holds references to the region and the module, which stay
 * alive until it is released. Thread-safe. Hostcall: no.
 */
LUCET_API enum lucet_error lucet_region_new_instance_with_ctx(const struct lucet_region *region,
                                                              const struct lucet_dl_module *module,
                                                              void *embed_ctx,
                                                              struct lucet_instance **inst_out);

/* ---- Modules ---------------------------------------------------------- */

/*
 * Loads the compiled module at `path` (a shared object exporting the
 * `lucet_module` descriptor of lucet_module.h), validates the descriptor and
 * resolves its imports (registered hostcalls first, then the process's global
 * symbols by field name).
 *
 * Errors: invalid_argument (NULL or empty path, NULL mod_out), dl (the
 * file cannot be loaded as a shared object, or lacks the descriptor),
 * module (wrong magic, wrong ABI version, a count or pointer that does not
 * fit the object, an inconsistent table or signature), symbol_not_found
 * (an import cannot be resolved; the message names it).
 * The module is owned by the caller: release it with lucet_dl_module_release.
 * Thread-safe. Hostcall: no.
 */
LUCET_API enum lucet_error lucet_dl_module_load(const char *path, struct lucet_dl_module **mod_out);

/*
 * Drops the caller's reference to the module; the object is unloaded once no
 * instance of it remains. NULL is a no-op. Thread-safe. Hostcall: no.
 */
LUCET_API void lucet_dl_module_release(const struct lucet_dl_module *module);

/*
 * Registers `fn` as the host function for imports named `module`.`field` in
 * modules loaded after this call, ahead of the process's global symbols.
 * Registering the same name again replaces the earlier function. Imports
 * are resolved once per shared object: loading a file that is already
 * loaded (and not yet released by every module loaded from it) gives a
 * module sharing the first load's imports, so running instances are never
 * rewired. Errors: invalid_argument (any argument NULL). Thread-safe.
 * Hostcall: no.
 */
LUCET_API enum lucet_error lucet_hostcall_register(const char *module, const char *field,
                                                   void *fn);

/* ---- Instances -------------------------------------------------------- */

/*
 * Runs the export named `entrypoint` with `argc` arguments from `argv` (argv
 * may be NULL when argc is 0). Each argument's type must match the export's
 * signature (see enum lucet_val_type for the mapping).
 *
 * Returns ok when the function returned (read the result with
 * lucet_instance_state and the lucet_retval_* functions), runtime_fault when
 * the guest faulted (the instance stays runnable; reset it to start over),
 * runtime_terminated when it was terminated (reset it before running it
 * again). Other errors: invalid_argument (NULL inst or entrypoint, wrong
 * argument count or types, an instance that is running, terminated, or that
 * had a fatal fault; a thread that is already running an instance, so a
 * hostcall cannot start a nested run), symbol_not_found (no such export),
 * unsupported (more stack arguments than half the guest stack holds).
 * One thread at a time per instance. Hostcall: no (refused, as above).
 *
 * Signals: the fault signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL) are
 * unblocked for the run if the thread blocks them, and the handler runs on
 * the thread's alternate signal stack if it has one of at least 16 KiB, or
 * on the instance's own for the run; the mask and stack are put back
 * afterwards. Both checks are made once per thread, so a thread must not
 * start blocking those signals, or remove its alternate stack, once it has
 * run guests. A thread without an alternate stack pays two sigaltstack
 * calls per run: give threads that run guests often one of their own.
 */
LUCET_API enum lucet_error lucet_instance_run(struct lucet_instance *inst, const char *entrypoint,
                                              uintptr_t argc, const struct lucet_val *argv);

/*
 * Runs element `func_idx` of table `table_idx` as lucet_instance_run runs an
 * export. Errors as lucet_instance_run, with func_not_found for a table or
 * element index out of range or an empty element.
 */
LUCET_API enum lucet_error lucet_instance_run_func_idx(struct lucet_instance *inst,
                                                       uint32_t table_idx, uint32_t func_idx,
                                                       uintptr_t argc,
                                                       const struct lucet_val *argv);

/*
 * Restores the instance to its state just after creation: heap back to the
 * module's initial size and data (the rest zeroed and made inaccessible),
 * stack and globals zeroed and globals re-initialised, state returned; then
 * runs the start function. The embed_ctx and handlers are kept.
 * Errors: invalid_argument (NULL, running, or released instance),
 * runtime_fault / runtime_terminated (the start function failed).
 * One thread at a time per instance. Hostcall: no.
 */
LUCET_API enum lucet_error lucet_instance_reset(struct lucet_instance *inst);

/*
 * Destroys the instance: zeroes every page it touched, makes its heap,
 * stack and globals inaccessible and returns the slot to its region, then
 * drops the instance's references to the region and module. NULL is a
 * no-op. The pointer is invalid afterwards. A running instance is not
 * released (a hostcall cannot release its own instance): the call does
 * nothing and lucet_error_message says why. Hostcall: no.
 */
LUCET_API void lucet_instance_release(struct lucet_instance *inst);

/*
 * Copies the instance's state into *state_out. For tag fault it includes the
 * signal's siginfo_t and ucontext_t and details of the faulting address whose
 * strings are allocated for the caller: always pair a successful call with
 * lucet_state_release. A new or reset instance reports tag returned.
 * Errors: invalid_argument (NULL argument or released instance).
 * Thread-safe with respect to other instances. Hostcall: yes.
 */
LUCET_API enum lucet_error lucet_instance_state(const struct lucet_instance *inst,
                                                struct lucet_state *state_out);

/*
 * Frees what lucet_instance_state allocated in *state (for any tag) and
 * clears those pointers. NULL is a no-op. Hostcall: yes.
 */
LUCET_API void lucet_state_release(struct lucet_state *state);

/*
 * Grows the heap by `additional_pages` wasm pages; on success writes the size
 * in pages before the call to *previous_pages_out (which may be NULL).
 * Errors: invalid_argument (NULL inst), limits_exceeded (the new size would
 * pass the region's heap_memory_size or the module's maximum; the heap is
 * left as it was). Hostcall: yes (on the instance that called it).
 */
LUCET_API enum lucet_error lucet_instance_grow_heap(struct lucet_instance *inst,
                                                    uint32_t additional_pages,
                                                    uint32_t *previous_pages_out);

/*
 * Returns the start of the heap, valid for lucet_instance_heap_len64 bytes
 * until the heap grows, the instance is reset or released. NULL for a NULL
 * inst. Hostcall: yes.
 */
LUCET_API uint8_t *lucet_instance_heap(struct lucet_instance *inst);

/*
 * Returns the accessible heap size in bytes. A 4 GiB heap does not fit in 32
 * bits: it reports UINT32_MAX then; use lucet_instance_heap_len64. 0 for a
 * NULL inst. Hostcall: yes.
 */
LUCET_API uint32_t lucet_instance_heap_len(const struct lucet_instance *inst);

/* Returns the accessible heap size in bytes; 0 for a NULL inst. Hostcall: yes. */
LUCET_API uint64_t lucet_instance_heap_len64(const struct lucet_instance *inst);

/*
 * Returns true when [ptr, ptr + len) lies within the accessible heap. False
 * for a NULL inst. Hostcall: yes.
 */
LUCET_API bool lucet_instance_check_heap(const struct lucet_instance *inst, const void *ptr,
                                         uintptr_t len);

/*
 * Returns the instance's globals (8 bytes each, in module order), valid until
 * the instance is released; NULL for a NULL inst. Hostcall: yes.
 */
LUCET_API int64_t *lucet_instance_globals(struct lucet_instance *inst);

/* Returns the embed_ctx given at creation; NULL for a NULL inst. Hostcall: yes. */
LUCET_API void *lucet_instance_embed_ctx(struct lucet_instance *inst);

/*
 * Sets the function called after a fatal fault of this instance, on the host
 * stack of the thread that ran it, before lucet_instance_run returns. If it
 * returns, or none is set (NULL restores that), the default runs: it writes
 * the fault's description to stderr and aborts the process, since a fatal
 * fault means host memory may be corrupt.
 * Errors: invalid_argument (NULL inst). Hostcall: no.
 */
LUCET_API enum lucet_error lucet_instance_set_fatal_handler(struct lucet_instance *inst,
                                                            lucet_fatal_handler fatal_handler);

/*
 * Sets the function asked first about every fault while this instance
 * runs, in guest code or in a hostcall it called (a hostcall's fault is
 * fatal unless the handler answers continue or terminate). It runs inside the
 * signal handler: it must be async-signal-safe and must not call
 * lucet_instance_run*, _reset or _release. After it answers continue,
 * release and reset also wipe and close the whole heap reservation, in
 * case it opened memory there. NULL restores the default (always
 * lucet_signal_behavior_default).
 * Errors: invalid_argument (NULL inst). Hostcall: no.
 */
LUCET_API enum lucet_error lucet_instance_set_signal_handler(struct lucet_instance *inst,
                                                             lucet_signal_handler signal_handler);

/* ---- Faults, without siginfo_t or ucontext_t -------------------------- */

/*
 * Each of these reads the last fault of an instance whose state is tag
 * fault, writing the value on success. Errors: invalid_argument (NULL
 * argument, or the instance's state is not a fault). Hostcall: yes.
 */

/* The fault's classification. */
LUCET_API enum lucet_error lucet_instance_fault_trapcode(const struct lucet_instance *inst,
                                                         enum lucet_trapcode_type *code_out);

/* Whether the fault was fatal. */
LUCET_API enum lucet_error lucet_instance_fault_is_fatal(const struct lucet_instance *inst,
                                                         bool *fatal_out);

/* Address of the faulting instruction. */
LUCET_API enum lucet_error lucet_instance_fault_pc(const struct lucet_instance *inst,
                                                   uintptr_t *pc_out);

/* Faulting memory address (si_addr) for SIGSEGV and SIGBUS, else 0. */
LUCET_API enum lucet_error lucet_instance_fault_address(const struct lucet_instance *inst,
                                                        uintptr_t *addr_out);

/* Signal number that reported the fault. */
LUCET_API enum lucet_error lucet_instance_fault_signal(const struct lucet_instance *inst,
                                                       int *signum_out);

/*
 * Writes a one-line description of the fault, NUL-terminated and cut to fit
 * `len` bytes (LUCET_FAULT_DESCRIPTION_MAX always suffices), e.g.
 * "heap out of bounds: write at heap offset 0x10000 (heap is 0x10000 bytes)
 * in guest function store".
 */
LUCET_API enum lucet_error lucet_instance_fault_describe(const struct lucet_instance *inst,
                                                         char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* LUCET_H */
