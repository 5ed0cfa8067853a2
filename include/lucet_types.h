/*
 * lucet_types.h: the enums, handles and plain structs of the liblucet C API.
 *
 * Layouts and enumerator values match Lucet's C API so that programs written
 * against it compile unchanged; values added since are appended after the
 * last original enumerator. This header defines no feature-test macros: it
 * reaches siginfo_t and ucontext_t without changing what the includer sees.
 */
#ifndef LUCET_TYPES_H
#define LUCET_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * glibc only declares siginfo_t from <signal.h> when a POSIX feature macro is
 * set; its type-only headers declare it unconditionally, so use those rather
 * than force a feature macro on the includer.
 */
#if defined(__GLIBC__) || defined(__linux__)
#include <bits/types/siginfo_t.h>
#include <sys/ucontext.h>
#else
#include <signal.h>
#include <ucontext.h>
#endif

/* Marks the library's exported functions. */
#if defined(__GNUC__)
#define LUCET_API __attribute__((visibility("default")))
#else
#define LUCET_API
#endif

#if defined(__cplusplus)
#define LUCET_NORETURN [[noreturn]]
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define LUCET_NORETURN _Noreturn
#elif defined(__GNUC__)
#define LUCET_NORETURN __attribute__((noreturn))
#else
#define LUCET_NORETURN
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Result of every fallible call. lucet_error_ok is zero. */
enum lucet_error {
    lucet_error_ok,
    lucet_error_invalid_argument,
    lucet_error_region_full,
    lucet_error_module,
    lucet_error_limits_exceeded,
    lucet_error_no_linear_memory,
    lucet_error_symbol_not_found,
    lucet_error_func_not_found,
    lucet_error_runtime_fault,
    lucet_error_runtime_terminated,
    lucet_error_dl,
    lucet_error_internal,
    lucet_error_unsupported,
};

/* What an embedder's signal handler asks the runtime to do with a fault. */
enum lucet_signal_behavior {
    /* Record the fault and return lucet_error_runtime_fault from the run. */
    lucet_signal_behavior_default,
    /* Resume the guest at the faulting instruction (the handler fixed it). */
    lucet_signal_behavior_continue,
    /* End the run: state terminated, reason signal. */
    lucet_signal_behavior_terminate,
};

/* Which member of union lucet_state_val is valid. */
enum lucet_state_tag {
    lucet_state_tag_returned,
    lucet_state_tag_running,
    lucet_state_tag_fault,
    lucet_state_tag_terminated,
};

/* Why a run ended in the terminated state. */
enum lucet_terminated_reason {
    /* The embedder's signal handler answered lucet_signal_behavior_terminate. */
    lucet_terminated_reason_signal,
    /* Kept for Lucet compatibility; this runtime never reports it. */
    lucet_terminated_reason_get_embed_ctx,
    /* A hostcall called lucet_vmctx_terminate; the pointer is in `provided`. */
    lucet_terminated_reason_provided,
};

/* Classification of a fault in guest code. */
enum lucet_trapcode_type {
    lucet_trapcode_type_stack_overflow,
    lucet_trapcode_type_heap_out_of_bounds,
    lucet_trapcode_type_out_of_bounds,
    lucet_trapcode_type_indirect_call_to_null,
    lucet_trapcode_type_bad_signature,
    lucet_trapcode_type_integer_overflow,
    lucet_trapcode_type_integer_div_by_zero,
    lucet_trapcode_type_bad_conversion_to_integer,
    lucet_trapcode_type_interrupt,
    lucet_trapcode_type_table_out_of_bounds,
    lucet_trapcode_type_user,
    lucet_trapcode_type_unknown,
    /* Appended after Lucet's list: a wasm `unreachable` instruction. */
    lucet_trapcode_type_unreachable,
};

/*
 * Type of an argument in struct lucet_val. Each maps to one wasm value type
 * when checked against an export's signature:
 *   i32: guest_ptr, u8, u16, u32, i8, i16, i32, usize, isize, bool
 *        (guest pointers and sizes are 32-bit inside the sandbox)
 *   i64: u64, i64, c_ptr (a host pointer keeps all 64 bits)
 *   f32: f32       f64: f64
 */
enum lucet_val_type {
    lucet_val_type_c_ptr,
    lucet_val_type_guest_ptr,
    lucet_val_type_u8,
    lucet_val_type_u16,
    lucet_val_type_u32,
    lucet_val_type_u64,
    lucet_val_type_i8,
    lucet_val_type_i16,
    lucet_val_type_i32,
    lucet_val_type_i64,
    lucet_val_type_usize,
    lucet_val_type_isize,
    lucet_val_type_bool,
    lucet_val_type_f32,
    lucet_val_type_f64,
};

union lucet_val_inner_val {
    void *as_c_ptr;
    uint64_t as_u64;
    int64_t as_i64;
    float as_f32;
    double as_f64;
};

/* A typed argument for lucet_instance_run; build one with LUCET_VAL_*. */
struct lucet_val {
    enum lucet_val_type ty;
    union lucet_val_inner_val inner_val;
};

/* Opaque handles. */
struct lucet_dl_module;
struct lucet_instance;
struct lucet_region;

/*
 * Sizes of the memories behind each instance of a region, in bytes; each must
 * be a multiple of the host page size (4096).
 */
struct lucet_alloc_limits {
    /* Most heap that can be accessible (backed by memory). Default 1 MiB. */
    uint64_t heap_memory_size;
    /* Heap address space reserved per instance, guard included. Default 8 GiB. */
    uint64_t heap_address_space_size;
    /* Guest stack. Default 128 KiB; must not be zero. */
    uint64_t stack_size;
    /* Globals area; each global takes 8 bytes. Default 4 KiB. */
    uint64_t globals_size;
};

struct lucet_trapcode {
    enum lucet_trapcode_type code;
    uint16_t tag;
};

/*
 * Asked first about every fault in guest code, on the faulting thread inside
 * the signal handler: it must be async-signal-safe and must not call
 * lucet_instance_run*, _reset or _release. `context` is the ucontext_t.
 */
typedef enum lucet_signal_behavior (*lucet_signal_handler)(struct lucet_instance *inst,
                                                           const struct lucet_trapcode *trap,
                                                           int signum,
                                                           const siginfo_t *siginfo,
                                                           const void *context);

/* Called after a fatal fault, on the host stack of the thread that ran it. */
typedef void (*lucet_fatal_handler)(struct lucet_instance *inst);

/* The raw return registers of a run: xmm0 (fp) and rax (gp). */
struct lucet_untyped_retval {
    char fp[16];
    char gp[8];
};

/*
 * Where a faulting instruction lies. The strings are owned by the struct
 * lucet_state they came in and freed by lucet_state_release.
 */
struct lucet_module_addr_details {
    bool module_code_resolvable;
    bool in_module_code;
    const char *file_name;
    const char *sym_name;
};

struct lucet_runtime_fault {
    bool fatal;
    struct lucet_trapcode trapcode;
    uintptr_t rip_addr;
    struct lucet_module_addr_details rip_addr_details;
    siginfo_t signal_info;
    ucontext_t context;
};

struct lucet_terminated {
    enum lucet_terminated_reason reason;
    void *provided;
};

union lucet_state_val {
    struct lucet_untyped_retval returned;
    bool running;
    struct lucet_runtime_fault fault;
    struct lucet_terminated terminated;
};

/* Filled by lucet_instance_state; release with lucet_state_release. */
struct lucet_state {
    enum lucet_state_tag tag;
    union lucet_state_val val;
};

union lucet_retval_gp {
    char as_untyped[8];
    void *as_c_ptr;
    uint64_t as_u64;
    int64_t as_i64;
};

#ifdef __cplusplus
}
#endif

#endif /* LUCET_TYPES_H */
