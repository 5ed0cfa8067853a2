package core

import (
	"sync"
	"unsafe"
)

// hostcalls holds the host functions registered for imports, by module and
// field name; the loader looks here before the process's global symbols.
var hostcalls sync.Map // hostcallName -> unsafe.Pointer

type hostcallName struct{ module, field string }

// RegisterHostcall makes fn (a C function taking the vmctx first) the
// resolution of imports module.field in modules loaded from now on.
func RegisterHostcall(module, field string, fn unsafe.Pointer) error {
	if fn == nil {
		return errorf(CodeInvalidArgument, "hostcall %s.%s is NULL", module, field)
	}
	hostcalls.Store(hostcallName{module, field}, fn)
	return nil
}

func lookupHostcall(module, field string) unsafe.Pointer {
	if fn, ok := hostcalls.Load(hostcallName{module, field}); ok {
		return fn.(unsafe.Pointer)
	}
	return nil
}
