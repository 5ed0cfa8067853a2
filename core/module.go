package core

/*
#cgo CFLAGS: -I${SRCDIR}/../include -I${SRCDIR}/../asm -Wall -Wextra -fvisibility=hidden
// Guest modules call the lucet_vmctx_* functions by name, so a program
// linking this package must export its symbols to dlopen'd objects (cgo
// allows no finer flag than -rdynamic for that).
#cgo LDFLAGS: -ldl -rdynamic
#include <stdlib.h>
#include "instance.h"
#include "loader.h"
*/
import "C"

import (
	"sort"
	"sync"
	"unsafe"

	_ "liblucet/asm" // links the context switch the C code calls
)

// Module is a compiled module loaded from a shared object and validated. It
// is safe for concurrent use; the object stays loaded until the owner and
// every instance of it have released it.
type Module struct {
	path   string
	handle unsafe.Pointer // dlopen handle
	desc   *C.struct_lucet_module
	loaded *C.struct_lucet_loaded_module // C-side lookup tables for the run path

	mu       sync.Mutex
	live     int  // instances holding a reference
	released bool // the owner let go
	closed   bool
}

// The descriptor's counts are bounded well above any real module so that
// arithmetic on them can never overflow and a bad count fails early.
const (
	maxCount       = 1 << 24
	maxParams      = 1 << 10
	maxDataPages   = maxWasmHeap / hostPageSize
	maxSegments    = 64
	lastTrapcode   = C.lucet_trapcode_type_unreachable
	noFunction     = C.LUCET_MODULE_NO_FUNCTION
	segmentRead    = C.LUCET_SEGMENT_READ
	segmentWrite   = C.LUCET_SEGMENT_WRITE
	segmentExec    = C.LUCET_SEGMENT_EXEC
	segmentRelro   = C.LUCET_SEGMENT_RELRO
	valtypeI32     = C.lucet_module_valtype_i32
	valtypeF64     = C.lucet_module_valtype_f64
	heapHasMax     = C.LUCET_MODULE_HEAP_HAS_MAX
	globalIsImport = C.LUCET_MODULE_GLOBAL_IMPORT
)

// LoadModule opens the shared object at path, validates its lucet_module
// descriptor against the object's own segments and resolves its imports.
func LoadModule(path string) (*Module, error) {
	// dlopen("") would hand back the main program.
	if path == "" {
		return nil, errorf(CodeInvalidArgument, "module path is empty")
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))

	var errbuf [512]C.char
	handle := C.lucet_loader_open(cpath, &errbuf[0], C.size_t(len(errbuf)))
	if handle == nil {
		return nil, errorf(CodeDl, "cannot load %s: %s", path, C.GoString(&errbuf[0]))
	}
	m := &Module{path: path, handle: handle}
	if err := m.init(); err != nil {
		C.lucet_loader_close(handle)
		return nil, err
	}
	return m, nil
}

func (m *Module) init() error {
	sym := C.CString("lucet_module")
	defer C.free(unsafe.Pointer(sym))
	desc := C.lucet_loader_symbol(m.handle, sym)
	if desc == nil {
		return errorf(CodeDl, "%s has no lucet_module descriptor symbol", m.path)
	}

	var segs [maxSegments]C.struct_lucet_segment
	n := int(C.lucet_loader_segments(m.handle, &segs[0], maxSegments))
	if n < 0 || n > maxSegments {
		return errorf(CodeDl, "cannot read the segments of %s", m.path)
	}
	v := &validator{path: m.path}
	for _, s := range segs[:n] {
		v.segments = append(v.segments, segment{uintptr(s.start), uintptr(s.end), uint32(s.flags)})
	}
	if err := v.checkDescriptor(desc); err != nil {
		return err
	}
	m.desc = (*C.struct_lucet_module)(desc)

	// dlopen returns the same object for a file already open, with the same
	// import slots: resolve them only for its first user, so that a later
	// load never rewires the imports of modules already running.
	openObjects.Lock()
	defer openObjects.Unlock()
	if openObjects.users[m.handle] == 0 {
		if err := m.resolveImports(); err != nil {
			return err
		}
	}
	openObjects.users[m.handle]++
	m.buildIndex()
	return nil
}

// openObjects counts the Modules using each dlopen handle.
var openObjects = struct {
	sync.Mutex
	users map[unsafe.Pointer]int
}{users: map[unsafe.Pointer]int{}}

// Release drops the owner's reference; the object is unloaded once no
// instance of it remains. Releasing twice is a no-op.
func (m *Module) Release() {
	m.mu.Lock()
	m.released = true
	m.mu.Unlock()
	m.closeIfUnused()
}

func (m *Module) acquire() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.released {
		return errorf(CodeInvalidArgument, "module %s was released", m.path)
	}
	m.live++
	return nil
}

func (m *Module) drop() {
	m.mu.Lock()
	m.live--
	m.mu.Unlock()
	m.closeIfUnused()
}

func (m *Module) closeIfUnused() {
	m.mu.Lock()
	close := m.released && m.live == 0 && !m.closed
	m.closed = m.closed || close
	m.mu.Unlock()
	if !close {
		return
	}
	l := m.loaded
	C.free(unsafe.Pointer(l.sorted_exports))
	C.free(unsafe.Pointer(l.functions_by_address))
	C.free(unsafe.Pointer(l.path))
	C.free(unsafe.Pointer(l))
	openObjects.Lock()
	if openObjects.users[m.handle]--; openObjects.users[m.handle] == 0 {
		delete(openObjects.users, m.handle)
	}
	openObjects.Unlock()
	C.lucet_loader_close(m.handle)
}

// resolveImports fills every import slot: registered hostcalls first, then
// the process's global symbols by field name.
func (m *Module) resolveImports() error {
	imports := unsafe.Slice(m.desc.imports, int(m.desc.import_count))
	for i := range imports {
		imp := &imports[i]
		module, field := C.GoString(imp.module), C.GoString(imp.field)
		fn := lookupHostcall(module, field)
		if fn == nil {
			fn = C.lucet_loader_global_symbol(imp.field)
		}
		if fn == nil {
			return errorf(CodeSymbolNotFound, "%s imports %s.%s, which is neither a registered hostcall nor a global symbol",
				m.path, module, field)
		}
		// SAFETY: checkDescriptor proved slot points at 8 writable bytes
		// inside the object.
		*imp.slot = fn
	}
	return nil
}

// buildIndex makes the C-side tables the run path and the signal handler
// search: exports by name, functions by address.
func (m *Module) buildIndex() {
	l := (*C.struct_lucet_loaded_module)(C.calloc(1, C.sizeof_struct_lucet_loaded_module))
	l.desc = m.desc
	l.path = C.CString(m.path)

	exports := unsafe.Slice(m.desc.exports, int(m.desc.export_count))
	sorted := make([]*C.struct_lucet_module_export, len(exports))
	for i := range exports {
		sorted[i] = &exports[i]
	}
	sort.Slice(sorted, func(a, b int) bool {
		return C.GoString(sorted[a].name) < C.GoString(sorted[b].name)
	})
	cExports := (**C.struct_lucet_module_export)(C.calloc(C.size_t(len(sorted)+1), C.size_t(unsafe.Sizeof(uintptr(0)))))
	copy(unsafe.Slice(cExports, len(sorted)), sorted)
	l.sorted_exports = cExports

	funcs := unsafe.Slice(m.desc.functions, int(m.desc.function_count))
	order := make([]uint32, len(funcs))
	for i := range order {
		order[i] = uint32(i)
	}
	sort.Slice(order, func(a, b int) bool {
		return uintptr(funcs[order[a]].code) < uintptr(funcs[order[b]].code)
	})
	cOrder := (*C.uint32_t)(C.calloc(C.size_t(len(order)+1), 4))
	for i, idx := range order {
		unsafe.Slice(cOrder, len(order))[i] = C.uint32_t(idx)
	}
	l.functions_by_address = cOrder
	if len(funcs) > 0 {
		l.code_start = C.uintptr_t(^uintptr(0))
	}
	for i := range funcs {
		start := uintptr(funcs[i].code)
		end := start + uintptr(funcs[i].code_len)
		if start < uintptr(l.code_start) {
			l.code_start = C.uintptr_t(start)
		}
		if end > uintptr(l.code_end) {
			l.code_end = C.uintptr_t(end)
		}
	}
	m.loaded = l
}
