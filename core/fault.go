package core

/*
#include "instance.h"
#include "signals.h"
*/
import "C"

// TrapCode classifies a guest fault; values of enum lucet_trapcode_type.
type TrapCode int

const (
	TrapStackOverflow          TrapCode = C.lucet_trapcode_type_stack_overflow
	TrapHeapOutOfBounds        TrapCode = C.lucet_trapcode_type_heap_out_of_bounds
	TrapOutOfBounds            TrapCode = C.lucet_trapcode_type_out_of_bounds
	TrapIndirectCallToNull     TrapCode = C.lucet_trapcode_type_indirect_call_to_null
	TrapBadSignature           TrapCode = C.lucet_trapcode_type_bad_signature
	TrapIntegerOverflow        TrapCode = C.lucet_trapcode_type_integer_overflow
	TrapIntegerDivByZero       TrapCode = C.lucet_trapcode_type_integer_div_by_zero
	TrapBadConversionToInteger TrapCode = C.lucet_trapcode_type_bad_conversion_to_integer
	TrapInterrupt              TrapCode = C.lucet_trapcode_type_interrupt
	TrapTableOutOfBounds       TrapCode = C.lucet_trapcode_type_table_out_of_bounds
	TrapUser                   TrapCode = C.lucet_trapcode_type_user
	TrapUnknown                TrapCode = C.lucet_trapcode_type_unknown
	TrapUnreachable            TrapCode = C.lucet_trapcode_type_unreachable
)

// Fault describes the last fault of an instance.
type Fault struct {
	TrapCode    TrapCode
	Fatal       bool
	PC          uintptr // faulting instruction
	Addr        uintptr // faulting address for SIGSEGV and SIGBUS, else 0
	Signal      int
	Description string
}

// Fault returns the instance's last fault, and false when its state is not
// a fault.
func (inst *Instance) Fault() (Fault, bool) {
	if inst.page == nil || inst.page.f.state != StateFault {
		return Fault{}, false
	}
	f := &inst.page.f.fault
	var buf [C.LUCET_FAULT_DESCRIPTION_MAX]C.char
	C.lucet_fault_describe(inst.page, &buf[0], C.size_t(len(buf)))
	return Fault{
		TrapCode:    TrapCode(f.trapcode),
		Fatal:       bool(f.fatal),
		PC:          uintptr(f.pc),
		Addr:        uintptr(f.addr),
		Signal:      int(f.signum),
		Description: C.GoString(&buf[0]),
	}, true
}
