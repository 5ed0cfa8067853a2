package core

/*
#include "instance.h"
*/
import "C"

import (
	"bytes"
	"unsafe"
)

// segment is one address range of a loaded object.
type segment struct {
	start, end uintptr
	flags      uint32
}

// validator checks a module descriptor before anything in it is trusted:
// every pointer must lie, with everything it claims to cover, inside the
// object's own segments (code in executable ones, import slots in writable
// ones), and every count and index must agree with the rest.
type validator struct {
	path     string
	segments []segment
}

func (v *validator) fail(format string, args ...any) error {
	return errorf(CodeModule, "%s: "+format, append([]any{v.path}, args...)...)
}

// covered reports whether [p, p+n) lies inside one segment having all of
// flags, and (for writable checks) outside the read-only-after-relocation
// range.
func (v *validator) covered(p, n uintptr, flags uint32) bool {
	if p == 0 || p+n < p {
		return false
	}
	inside := false
	for _, s := range v.segments {
		if s.flags&segmentRelro != 0 {
			if flags&segmentWrite != 0 && p < s.end && p+n > s.start {
				return false
			}
			continue
		}
		if s.flags&flags == flags && p >= s.start && p+n <= s.end {
			inside = true
		}
	}
	return inside
}

// array checks that count elements of size bytes at p are readable.
func (v *validator) array(what string, p unsafe.Pointer, count, size uintptr) error {
	if count == 0 {
		return nil
	}
	if count > maxCount {
		return v.fail("%s count %d is too large", what, count)
	}
	if !v.covered(uintptr(p), count*size, segmentRead) {
		return v.fail("%s (%d entries at %p) do not lie inside the object", what, count, p)
	}
	return nil
}

// str checks that p is a NUL-terminated string inside a readable segment.
func (v *validator) str(what string, p *C.char) error {
	addr := uintptr(unsafe.Pointer(p))
	for _, s := range v.segments {
		if s.flags&segmentRead == 0 || s.flags&segmentRelro != 0 || addr < s.start || addr >= s.end {
			continue
		}
		// SAFETY: [addr, s.end) is mapped and readable.
		b := unsafe.Slice((*byte)(unsafe.Pointer(p)), s.end-addr)
		if bytes.IndexByte(b, 0) >= 0 {
			return nil
		}
	}
	return v.fail("%s is not a string inside the object", what)
}

func (v *validator) checkDescriptor(desc unsafe.Pointer) error {
	if !v.covered(uintptr(desc), unsafe.Sizeof(C.struct_lucet_module{}), segmentRead) {
		return v.fail("the lucet_module descriptor does not lie inside the object")
	}
	// SAFETY: the whole descriptor is readable (just checked).
	d := (*C.struct_lucet_module)(desc)
	if d.magic != C.LUCET_MODULE_MAGIC {
		return v.fail("lucet_module has magic %#x, not %#x: not a liblucet module", uint64(d.magic), uint64(C.LUCET_MODULE_MAGIC))
	}
	if d.abi_version != C.LUCET_MODULE_ABI_VERSION {
		return v.fail("lucet_module has ABI version %d; this runtime reads version %d", d.abi_version, C.LUCET_MODULE_ABI_VERSION)
	}

	for _, a := range []struct {
		what  string
		p     unsafe.Pointer
		count uintptr
		size  uintptr
	}{
		{"globals", unsafe.Pointer(d.globals), uintptr(d.global_count), unsafe.Sizeof(C.struct_lucet_module_global{})},
		{"signatures", unsafe.Pointer(d.signatures), uintptr(d.signature_count), unsafe.Sizeof(C.struct_lucet_module_signature{})},
		{"functions", unsafe.Pointer(d.functions), uintptr(d.function_count), unsafe.Sizeof(C.struct_lucet_module_function{})},
		{"exports", unsafe.Pointer(d.exports), uintptr(d.export_count), unsafe.Sizeof(C.struct_lucet_module_export{})},
		{"imports", unsafe.Pointer(d.imports), uintptr(d.import_count), unsafe.Sizeof(C.struct_lucet_module_import{})},
		{"tables", unsafe.Pointer(d.tables), uintptr(d.table_count), unsafe.Sizeof(C.struct_lucet_module_table{})},
	} {
		if err := v.array(a.what, a.p, a.count, a.size); err != nil {
			return err
		}
	}

	checks := []func(*C.struct_lucet_module) error{
		v.checkHeap, v.checkSignatures, v.checkFunctions, v.checkExports,
		v.checkImports, v.checkTables, v.checkGlobals, v.checkData, v.checkStart,
	}
	for _, check := range checks {
		if err := check(d); err != nil {
			return err
		}
	}
	return nil
}

func (v *validator) checkHeap(d *C.struct_lucet_module) error {
	h := d.heap
	if h.initial_size%WasmPageSize != 0 || h.initial_size > maxWasmHeap {
		return v.fail("heap initial size %d is not a multiple of %d up to 4 GiB", h.initial_size, WasmPageSize)
	}
	if h.reserved_size%hostPageSize != 0 || h.guard_size%hostPageSize != 0 {
		return v.fail("heap reserved size %d and guard size %d must be multiples of %d", h.reserved_size, h.guard_size, hostPageSize)
	}
	if h.initial_size > h.reserved_size {
		return v.fail("heap initial size %d exceeds its reserved size %d", h.initial_size, h.reserved_size)
	}
	if h.flags&heapHasMax != 0 && (h.max_size < h.initial_size || h.max_size%WasmPageSize != 0) {
		return v.fail("heap maximum %d is below the initial size %d or not a multiple of %d", h.max_size, h.initial_size, WasmPageSize)
	}
	return nil
}

func (v *validator) checkSignatures(d *C.struct_lucet_module) error {
	for i, s := range unsafe.Slice(d.signatures, int(d.signature_count)) {
		if s.param_count > maxParams {
			return v.fail("signature %d has %d parameters", i, s.param_count)
		}
		if err := v.array("signature parameters", unsafe.Pointer(s.params), uintptr(s.param_count), 1); err != nil {
			return err
		}
		for j, p := range unsafe.Slice(s.params, int(s.param_count)) {
			if p < valtypeI32 || p > valtypeF64 {
				return v.fail("signature %d parameter %d has unknown type %d", i, j, p)
			}
		}
		if s.result_count > 1 || (s.result_count == 1 && (s.result < valtypeI32 || s.result > valtypeF64)) {
			return v.fail("signature %d has a bad result (count %d, type %d)", i, s.result_count, s.result)
		}
	}
	return nil
}

func (v *validator) checkFunctions(d *C.struct_lucet_module) error {
	for i, f := range unsafe.Slice(d.functions, int(d.function_count)) {
		if f.code_len == 0 || !v.covered(uintptr(f.code), uintptr(f.code_len), segmentRead|segmentExec) {
			return v.fail("function %d code (%d bytes at %p) does not lie inside the object's code", i, f.code_len, f.code)
		}
		if f.signature >= d.signature_count {
			return v.fail("function %d has signature %d of %d", i, f.signature, d.signature_count)
		}
		if f.name != nil {
			if err := v.str("a function name", f.name); err != nil {
				return err
			}
		}
		if err := v.array("trap sites", unsafe.Pointer(f.traps), uintptr(f.trap_count), unsafe.Sizeof(C.struct_lucet_module_trap_site{})); err != nil {
			return err
		}
		for j, t := range unsafe.Slice(f.traps, int(f.trap_count)) {
			if uint64(t.offset) >= uint64(f.code_len) || t.code > lastTrapcode {
				return v.fail("function %d trap site %d (offset %d, code %d) is out of range", i, j, t.offset, t.code)
			}
			if j > 0 && t.offset <= unsafe.Slice(f.traps, j)[j-1].offset {
				return v.fail("function %d trap sites are not sorted by offset", i)
			}
		}
	}
	return nil
}

func (v *validator) checkExports(d *C.struct_lucet_module) error {
	seen := make(map[string]bool, int(d.export_count))
	for i, e := range unsafe.Slice(d.exports, int(d.export_count)) {
		if err := v.str("an export name", e.name); err != nil {
			return err
		}
		name := C.GoString(e.name)
		if seen[name] {
			return v.fail("export %q appears twice", name)
		}
		seen[name] = true
		if e.function >= d.function_count {
			return v.fail("export %d (%s) names function %d of %d", i, name, e.function, d.function_count)
		}
	}
	return nil
}

func (v *validator) checkImports(d *C.struct_lucet_module) error {
	for i, imp := range unsafe.Slice(d.imports, int(d.import_count)) {
		if err := v.str("an import module name", imp.module); err != nil {
			return err
		}
		if err := v.str("an import field name", imp.field); err != nil {
			return err
		}
		if imp.signature >= d.signature_count {
			return v.fail("import %d has signature %d of %d", i, imp.signature, d.signature_count)
		}
		if !v.covered(uintptr(unsafe.Pointer(imp.slot)), unsafe.Sizeof(uintptr(0)), segmentRead|segmentWrite) {
			return v.fail("import %d (%s) has no writable slot inside the object", i, C.GoString(imp.field))
		}
	}
	return nil
}

func (v *validator) checkTables(d *C.struct_lucet_module) error {
	funcs := unsafe.Slice(d.functions, int(d.function_count))
	for i, t := range unsafe.Slice(d.tables, int(d.table_count)) {
		if err := v.array("table elements", unsafe.Pointer(t.elems), uintptr(t.elem_count), unsafe.Sizeof(C.struct_lucet_module_table_elem{})); err != nil {
			return err
		}
		for j, e := range unsafe.Slice(t.elems, int(t.elem_count)) {
			if e.function == noFunction {
				continue
			}
			if e.function >= d.function_count || e.signature != funcs[e.function].signature {
				return v.fail("table %d element %d (function %d, signature %d) does not match the functions", i, j, e.function, e.signature)
			}
		}
	}
	return nil
}

func (v *validator) checkGlobals(d *C.struct_lucet_module) error {
	for i, g := range unsafe.Slice(d.globals, int(d.global_count)) {
		if g._type < valtypeI32 || g._type > valtypeF64 {
			return v.fail("global %d has unknown type %d", i, g._type)
		}
		if g.flags&globalIsImport != 0 {
			if err := v.str("a global import module name", g.import_module); err != nil {
				return err
			}
			if err := v.str("a global import field name", g.import_field); err != nil {
				return err
			}
		}
	}
	return nil
}

func (v *validator) checkData(d *C.struct_lucet_module) error {
	if d.data_page_count > maxDataPages {
		return v.fail("data page count %d is too large", d.data_page_count)
	}
	if uint64(d.data_page_count)*hostPageSize > uint64(d.heap.initial_size) {
		return v.fail("%d data pages do not fit the initial heap of %d bytes", d.data_page_count, d.heap.initial_size)
	}
	if err := v.array("data pages", unsafe.Pointer(d.data_pages), uintptr(d.data_page_count), unsafe.Sizeof(uintptr(0))); err != nil {
		return err
	}
	for i, p := range unsafe.Slice(d.data_pages, int(d.data_page_count)) {
		if p != nil && !v.covered(uintptr(unsafe.Pointer(p)), hostPageSize, segmentRead) {
			return v.fail("data page %d does not lie inside the object", i)
		}
	}
	return nil
}

func (v *validator) checkStart(d *C.struct_lucet_module) error {
	if d.start_function == noFunction {
		return nil
	}
	if d.start_function >= d.function_count {
		return v.fail("start function %d of %d", d.start_function, d.function_count)
	}
	f := unsafe.Slice(d.functions, int(d.function_count))[d.start_function]
	sig := unsafe.Slice(d.signatures, int(d.signature_count))[f.signature]
	if sig.param_count != 0 || sig.result_count != 0 {
		return v.fail("start function %d must take and return nothing", d.start_function)
	}
	return nil
}
