package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -I${SRCDIR}/../core -I${SRCDIR}/../asm -Wall -Wextra -fvisibility=hidden
#include <stdint.h>
#include <stdlib.h>
#include "lucet_types.h"

void lucet_core_set_error_message(const char *msg);
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	pointer "github.com/mattn/go-pointer"

	"liblucet/core"
)

// errorCode is the one place that maps Go errors to enum lucet_error. It
// also records the message for lucet_error_message on the calling thread,
// which is the thread running this exported function.
func errorCode(err error) C.int {
	if err == nil {
		return C.lucet_error_ok
	}
	code := core.CodeInternal
	var e *core.Error
	if errors.As(err, &e) {
		code = e.Code
	}
	setErrorMessage(err.Error())
	return C.int(code)
}

func setErrorMessage(msg string) {
	cmsg := C.CString(msg)
	C.lucet_core_set_error_message(cmsg)
	C.free(unsafe.Pointer(cmsg))
}

// recoverPanic turns a panic into lucet_error_internal, so that no panic
// ever unwinds into C. Deferred by every exported function.
func recoverPanic(rc *C.int) {
	if p := recover(); p != nil {
		*rc = errorCode(fmt.Errorf("internal error: %v", p))
	}
}

func invalid(format string, args ...any) C.int {
	setErrorMessage("invalid argument: " + fmt.Sprintf(format, args...))
	return C.lucet_error_invalid_argument
}

func regionOf(p unsafe.Pointer) *core.Region {
	r, _ := pointer.Restore(p).(*core.Region)
	return r
}

func moduleOf(p unsafe.Pointer) *core.Module {
	m, _ := pointer.Restore(p).(*core.Module)
	return m
}

//export lucetgo_region_create
func lucetgo_region_create(capacity C.uint64_t, limits *C.struct_lucet_alloc_limits, out *unsafe.Pointer) (rc C.int) {
	defer recoverPanic(&rc)
	if out == nil {
		return invalid("region_out is NULL")
	}
	var l *core.Limits
	if limits != nil {
		l = &core.Limits{
			HeapMemorySize:       uint64(limits.heap_memory_size),
			HeapAddressSpaceSize: uint64(limits.heap_address_space_size),
			StackSize:            uint64(limits.stack_size),
			GlobalsSize:          uint64(limits.globals_size),
		}
	}
	r, err := core.NewRegion(uint64(capacity), l)
	if err != nil {
		return errorCode(err)
	}
	*out = pointer.Save(r)
	return C.lucet_error_ok
}

//export lucetgo_region_release
func lucetgo_region_release(p unsafe.Pointer) {
	defer recoverPanic(new(C.int))
	if r := regionOf(p); r != nil {
		pointer.Unref(p)
		r.Release()
	}
}

//export lucetgo_new_instance
func lucetgo_new_instance(region, module, embedCtx unsafe.Pointer, out *unsafe.Pointer) (rc C.int) {
	defer recoverPanic(&rc)
	r, m := regionOf(region), moduleOf(module)
	switch {
	case region == nil:
		return invalid("region is NULL")
	case r == nil:
		return invalid("region %p is not a live region (released?)", region)
	case module == nil:
		return invalid("module is NULL")
	case m == nil:
		return invalid("module %p is not a live module (released?)", module)
	case out == nil:
		return invalid("inst_out is NULL")
	}
	inst, err := r.NewInstance(m, embedCtx)
	if err != nil {
		return errorCode(err)
	}
	*out = inst.Page()
	return C.lucet_error_ok
}

//export lucetgo_instance_release
func lucetgo_instance_release(p unsafe.Pointer) {
	defer recoverPanic(new(C.int))
	if inst := core.InstanceFromPage(p); inst != nil {
		if err := inst.Release(); err != nil {
			errorCode(err)
		}
	}
}

//export lucetgo_instance_reset
func lucetgo_instance_reset(p unsafe.Pointer) (rc C.int) {
	defer recoverPanic(&rc)
	inst := core.InstanceFromPage(p)
	if inst == nil {
		return invalid("instance %p is NULL or released", p)
	}
	return errorCode(inst.Reset())
}

//export lucetgo_module_load
func lucetgo_module_load(path *C.char, out *unsafe.Pointer) (rc C.int) {
	defer recoverPanic(&rc)
	switch {
	case path == nil:
		return invalid("path is NULL")
	case out == nil:
		return invalid("mod_out is NULL")
	}
	m, err := core.LoadModule(C.GoString(path))
	if err != nil {
		return errorCode(err)
	}
	*out = pointer.Save(m)
	return C.lucet_error_ok
}

//export lucetgo_module_release
func lucetgo_module_release(p unsafe.Pointer) {
	defer recoverPanic(new(C.int))
	if m := moduleOf(p); m != nil {
		pointer.Unref(p)
		m.Release()
	}
}

//export lucetgo_hostcall_register
func lucetgo_hostcall_register(module, field *C.char, fn unsafe.Pointer) (rc C.int) {
	defer recoverPanic(&rc)
	if module == nil || field == nil || fn == nil {
		return invalid("module, field and fn must not be NULL")
	}
	return errorCode(core.RegisterHostcall(C.GoString(module), C.GoString(field), fn))
}
