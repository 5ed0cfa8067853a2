/*
 * signals.h: the process-wide fault handler and the per-run bookkeeping
 * around it. Internal to the library.
 */
#ifndef LUCET_CORE_SIGNALS_H
#define LUCET_CORE_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

#include "instance.h"

/* What lucet_signals_enter changed on the thread, for lucet_signals_leave. */
struct lucet_signal_guard {
    bool restore_altstack;
    bool restore_mask;
    stack_t previous_altstack;
    sigset_t previous_mask;
};

/*
 * Installs the handler for SIGSEGV, SIGBUS, SIGFPE and SIGILL once per
 * process, keeping the handlers it replaces to chain to. Returns 0, or an
 * errno value with the error message set. Thread-safe.
 */
int lucet_signals_install(void);

/* The instance running on the calling thread, or NULL. */
struct lucet_instance *lucet_signals_current_instance(void);

/*
 * Marks inst as running on this thread, makes sure the thread has an
 * alternate signal stack for the handler to run on if the guest overflows
 * its stack, and unblocks the fault signals if the thread blocks them.
 * Must be paired with lucet_signals_leave on the same thread.
 */
void lucet_signals_enter(struct lucet_instance *inst, struct lucet_signal_guard *guard);

/* Undoes lucet_signals_enter once control is back on the host stack. */
void lucet_signals_leave(struct lucet_instance *inst, struct lucet_signal_guard *guard);

/*
 * Finishes a run that ended in a fault, on the host stack: runs the fatal
 * handlers for a fatal fault (which do not return by default) and returns
 * lucet_error_runtime_fault with the description as the error message.
 */
enum lucet_error lucet_signals_after_fault(struct lucet_instance *inst);

/* What a fault description needs, copied out of an instance. */
struct lucet_fault_summary {
    uint32_t trapcode;
    bool fatal;
    bool has_addr;
    bool in_module_code;
    int signum;
    uint32_t access; /* 0 unknown, 1 read, 2 write */
    uintptr_t pc;
    uintptr_t addr;
    uintptr_t heap;
    uint64_t heap_len;
    uint64_t heap_address_space;
    char function[64]; /* name of the faulting function, cut to fit */
};

/* Copies what describes the instance's last fault into *out. */
void lucet_fault_summarize(const struct lucet_instance *inst, struct lucet_fault_summary *out);

/* Writes a one-line description of a fault into buf (NUL-terminated when len > 0). */
void lucet_fault_format(const struct lucet_fault_summary *summary, char *buf, size_t len);

/* lucet_fault_summarize then lucet_fault_format. */
void lucet_fault_describe(const struct lucet_instance *inst, char *buf, size_t len);

#endif /* LUCET_CORE_SIGNALS_H */
