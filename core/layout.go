package core

/*
#include "instance.h"

static uint32_t read_mxcsr(void)
{
    uint32_t csr;
    __asm__ volatile("stmxcsr %0" : "=m"(csr));
    return csr;
}

static uint32_t swap_mxcsr(uint32_t csr)
{
    uint32_t old = read_mxcsr();
    __asm__ volatile("ldmxcsr %0" : : "m"(csr));
    return old;
}
*/
import "C"

import "unsafe"

// layoutFact is one offset or size shared by C, Go and the assembly, as the
// Go compiler sees the C struct and as the header's constant says it is.
type layoutFact struct {
	name        string
	seen, wants uintptr
}

// sharedLayout lists the facts the context switch, the C run path and the
// compiled guest code rely on; the tests check each pair agrees.
func sharedLayout() []layoutFact {
	var ctx C.struct_lucet_context
	var boot C.struct_lucet_boot_args
	var ret C.struct_lucet_retval_regs
	var inst C.struct_lucet_instance
	return []layoutFact{
		{"context.rbx", unsafe.Offsetof(ctx.rbx), C.LUCET_CONTEXT_RBX},
		{"context.rbp", unsafe.Offsetof(ctx.rbp), C.LUCET_CONTEXT_RBP},
		{"context.r12", unsafe.Offsetof(ctx.r12), C.LUCET_CONTEXT_R12},
		{"context.r13", unsafe.Offsetof(ctx.r13), C.LUCET_CONTEXT_R13},
		{"context.r14", unsafe.Offsetof(ctx.r14), C.LUCET_CONTEXT_R14},
		{"context.r15", unsafe.Offsetof(ctx.r15), C.LUCET_CONTEXT_R15},
		{"context.rsp", unsafe.Offsetof(ctx.rsp), C.LUCET_CONTEXT_RSP},
		{"context.mxcsr", unsafe.Offsetof(ctx.mxcsr), C.LUCET_CONTEXT_MXCSR},
		{"context.fpucw", unsafe.Offsetof(ctx.fpucw), C.LUCET_CONTEXT_FPUCW},
		{"sizeof context", unsafe.Sizeof(ctx), C.LUCET_CONTEXT_SIZE},
		{"boot_args.fp", unsafe.Offsetof(boot.fp), C.LUCET_BOOT_ARGS_FP},
		{"sizeof boot_args", unsafe.Sizeof(boot), C.LUCET_BOOT_ARGS_SIZE},
		{"retval.fp", unsafe.Offsetof(ret.fp), C.LUCET_RETVAL_FP},
		{"sizeof retval", unsafe.Sizeof(ret), C.LUCET_RETVAL_SIZE},
		{"instance.globals", unsafe.Offsetof(inst.globals), C.LUCET_INSTANCE_PAGE_SIZE - 8},
		{"sizeof instance", unsafe.Sizeof(inst), C.LUCET_INSTANCE_PAGE_SIZE},
	}
}

// getMXCSR and setMXCSR read and set the calling thread's SSE control
// register, for the tests that check a run leaves the host's untouched. The
// caller must hold its OS thread (runtime.LockOSThread).
func getMXCSR() uint32 { return uint32(C.read_mxcsr()) }

func setMXCSR(v uint32) uint32 { return uint32(C.swap_mxcsr(C.uint32_t(v))) }
