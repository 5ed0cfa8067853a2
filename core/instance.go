package core

/*
#include <stdlib.h>
#include <string.h>
#include "instance.h"
#include "signals.h"

// Runs and copies the calling thread's error message in one cgo call, since a
// goroutine may move to another thread between two calls.
static enum lucet_error go_run(struct lucet_instance *inst, const char *name, int by_table,
                               uint32_t table_idx, uint32_t func_idx, uintptr_t argc,
                               const struct lucet_val *argv, char *err, size_t errlen)
{
    enum lucet_error rc = by_table
        ? lucet_core_run_table(inst, table_idx, func_idx, argc, argv)
        : lucet_core_run_export(inst, name, argc, argv);
    if (rc != lucet_error_ok)
        lucet_core_copy_error(err, errlen);
    return rc;
}

static enum lucet_error go_run_start(struct lucet_instance *inst, char *err, size_t errlen)
{
    uint32_t start = inst->f.module->desc->start_function;
    enum lucet_error rc;

    if (start == LUCET_MODULE_NO_FUNCTION)
        return lucet_error_ok;
    rc = lucet_core_run_function(inst, start, 0, NULL);
    if (rc != lucet_error_ok)
        lucet_core_copy_error(err, errlen);
    return rc;
}

static enum lucet_error go_grow(struct lucet_instance *inst, uint32_t pages, uint32_t *prev,
                                char *err, size_t errlen)
{
    enum lucet_error rc = lucet_core_grow_heap(inst, pages, prev);
    if (rc != lucet_error_ok)
        lucet_core_copy_error(err, errlen);
    return rc;
}
*/
import "C"

import (
	"math"
	"unsafe"

	pointer "github.com/mattn/go-pointer"
	"golang.org/x/sys/unix"
)

// Instance is a module instantiated in a region slot. Its heap, stack and
// globals live in the slot; the instance page at the slot's start holds the
// state the C run path and signal handler use. An Instance is run by one
// goroutine at a time.
type Instance struct {
	region *Region
	module *Module
	slot   int
	page   *C.struct_lucet_instance
	handle unsafe.Pointer // go-pointer key, stored in the page
}

// State tags; values of enum lucet_state_tag.
const (
	StateReturned   = C.lucet_state_tag_returned
	StateRunning    = C.lucet_state_tag_running
	StateFault      = C.lucet_state_tag_fault
	StateTerminated = C.lucet_state_tag_terminated
)

// NewInstance creates an instance of m in a free slot with the embedder's
// context pointer (nil allowed), then runs the module's start function.
func (r *Region) NewInstance(m *Module, embedCtx unsafe.Pointer) (*Instance, error) {
	if err := r.checkModuleFits(m); err != nil {
		return nil, err
	}
	if err := m.acquire(); err != nil {
		return nil, err
	}
	slot, err := r.takeSlot()
	if err != nil {
		m.drop()
		return nil, err
	}
	inst := &Instance{region: r, module: m, slot: slot}
	if err := inst.mapSlot(); err != nil {
		inst.wipeSlot()
		r.returnSlot(slot)
		m.drop()
		return nil, err
	}
	p := inst.page
	p.f.magic = C.LUCET_INSTANCE_MAGIC
	p.f.module = m.loaded
	p.f.embed_ctx = embedCtx
	inst.handle = pointer.Save(inst)
	p.f.go_handle = inst.handle

	if err := inst.initialize(); err != nil {
		inst.Release()
		return nil, err
	}
	return inst, nil
}

// checkModuleFits refuses a module whose heap or globals exceed the limits.
func (r *Region) checkModuleFits(m *Module) error {
	h, l := m.desc.heap, r.limits
	if uint64(h.initial_size) > l.HeapMemorySize {
		return errorf(CodeLimitsExceeded, "%s needs an initial heap of %d bytes; heap_memory_size is %d",
			m.path, h.initial_size, l.HeapMemorySize)
	}
	if uint64(h.reserved_size)+uint64(h.guard_size) > l.HeapAddressSpaceSize {
		return errorf(CodeLimitsExceeded, "%s relies on %d bytes of heap reservation and %d of guard; heap_address_space_size is %d",
			m.path, h.reserved_size, h.guard_size, l.HeapAddressSpaceSize)
	}
	if need := uint64(m.desc.global_count) * 8; need > l.GlobalsSize {
		return errorf(CodeLimitsExceeded, "%s has %d globals (%d bytes); globals_size is %d",
			m.path, m.desc.global_count, need, l.GlobalsSize)
	}
	for i, g := range unsafe.Slice(m.desc.globals, int(m.desc.global_count)) {
		if g.flags&globalIsImport != 0 {
			return errorf(CodeUnsupported, "%s imports global %d (%s.%s); global imports are not supported",
				m.path, i, C.GoString(g.import_module), C.GoString(g.import_field))
		}
	}
	return nil
}

// heapLimit is the most accessible heap the instance may grow to.
func (inst *Instance) heapLimit() uint64 {
	limit := min(inst.region.limits.HeapMemorySize, maxWasmHeap)
	if h := inst.module.desc.heap; h.flags&heapHasMax != 0 {
		limit = min(limit, uint64(h.max_size))
	}
	return limit
}

// mapSlot makes the parts of the slot an instance uses accessible and points
// the instance page at them.
//
// mprotect dominates an instance's create and release (each call splits or
// merges mappings and flushes the TLBs of the Go runtime's other threads),
// so the calls are few: the instance page and the signal stack are opened
// the first time a slot is used and stay open (zeroed while the slot is
// free: a stale instance pointer then reads a dead magic number instead of
// faulting); each tenant opens its initial heap and its stack and globals,
// which are contiguous, and wipeSlot closes them again with one call.
func (inst *Instance) mapSlot() error {
	r, lay, slot := inst.region, inst.region.layout, inst.slot
	initial := uintptr(inst.module.desc.heap.initial_size)
	parts := []struct{ off, n uintptr }{
		{lay.heap, initial},
		{lay.stack, lay.sigstackGuard - lay.stack}, // stack, then globals
	}
	if !r.prepared[slot] {
		parts = append(parts, []struct{ off, n uintptr }{{0, instancePageSize}, {lay.sigstack, sigstackSize}}...)
	}
	for _, part := range parts {
		if part.n == 0 {
			continue
		}
		if err := unix.Mprotect(r.slotMem(slot, part.off, part.n), unix.PROT_READ|unix.PROT_WRITE); err != nil {
			return errorf(CodeInternal, "mprotect of %d slot bytes: %v", part.n, err)
		}
	}
	r.prepared[slot] = true

	base := r.slotBase(inst.slot)
	// SAFETY: the instance page is mapped read-write just above, and the
	// C struct is exactly one page.
	p := (*C.struct_lucet_instance)(base)
	inst.page = p
	p.f.heap = (*C.uint8_t)(unsafe.Add(base, lay.heap))
	p.f.heap_len = C.uint64_t(initial)
	p.f.heap_limit = C.uint64_t(inst.heapLimit())
	p.f.heap_address_space = C.uint64_t(r.limits.HeapAddressSpaceSize)
	p.f.stack = (*C.uint8_t)(unsafe.Add(base, lay.stack))
	p.f.stack_size = C.uint64_t(r.limits.StackSize)
	p.f.sigstack = (*C.uint8_t)(unsafe.Add(base, lay.sigstack))
	p.f.sigstack_size = sigstackSize
	p.f.globals_size = C.uint64_t(r.limits.GlobalsSize)
	p.globals = (*C.int64_t)(unsafe.Add(base, lay.globals))
	return nil
}

// initialize fills a zeroed heap and globals from the module and runs the
// start function.
func (inst *Instance) initialize() error {
	d, p := inst.module.desc, inst.page

	heap := inst.Heap()
	for i, page := range unsafe.Slice(d.data_pages, int(d.data_page_count)) {
		if page != nil {
			copy(heap[i*hostPageSize:(i+1)*hostPageSize], unsafe.Slice((*byte)(unsafe.Pointer(page)), hostPageSize))
		}
	}
	globals := unsafe.Slice((*uint64)(unsafe.Pointer(p.globals)), int(d.global_count))
	for i, g := range unsafe.Slice(d.globals, int(d.global_count)) {
		globals[i] = uint64(g.init_bits)
	}

	p.f.state = StateReturned
	p.f.retval = C.struct_lucet_retval_regs{}
	p.f.terminated_info = nil

	var errbuf [C.LUCET_ERROR_MESSAGE_SIZE]C.char
	if rc := C.go_run_start(p, &errbuf[0], C.size_t(len(errbuf))); rc != C.lucet_error_ok {
		return errorf(ErrorCode(rc), "start function of %s: %s", inst.module.path, C.GoString(&errbuf[0]))
	}
	return nil
}

// Reset returns the instance to its state just after creation and runs the
// start function again.
func (inst *Instance) Reset() error {
	if err := inst.checkIdle("reset"); err != nil {
		return err
	}
	r, lay, p := inst.region, inst.region.layout, inst.page
	initial := uintptr(inst.module.desc.heap.initial_size)

	// Discard the heap in use (or the whole reservation, as in wipeSlot),
	// the stack, globals and signal stack; close what grew past the
	// initial size.
	heapLen := inst.heapToWipe()
	for _, part := range []struct{ off, n uintptr }{
		{lay.heap, heapLen},
		{lay.stack, lay.size - lay.stack},
	} {
		if err := unix.Madvise(r.slotMem(inst.slot, part.off, part.n), unix.MADV_DONTNEED); err != nil {
			return errorf(CodeInternal, "discarding instance memory: %v", err)
		}
	}
	if heapLen > initial {
		if err := unix.Mprotect(r.slotMem(inst.slot, lay.heap+initial, heapLen-initial), unix.PROT_NONE); err != nil {
			return errorf(CodeInternal, "shrinking the heap: %v", err)
		}
	}
	p.f.guard_maybe_open = 0
	p.f.heap_len = C.uint64_t(initial)
	C.memset(unsafe.Pointer(&p.f.fault), 0, C.sizeof_struct_lucet_fault_record)
	return inst.initialize()
}

// checkIdle refuses an operation on a released or running instance.
func (inst *Instance) checkIdle(op string) error {
	if inst.page == nil || inst.page.f.magic != C.LUCET_INSTANCE_MAGIC {
		return errorf(CodeInvalidArgument, "cannot %s a released instance", op)
	}
	if inst.page.f.state == StateRunning {
		return errorf(CodeInvalidArgument, "cannot %s a running instance", op)
	}
	return nil
}

// Release wipes the slot, returns it to the region and drops the
// instance's references to its region and module. A released instance
// cannot be used again; releasing twice is a no-op.
func (inst *Instance) Release() error {
	if inst.page == nil {
		return nil
	}
	if inst.page.f.state == StateRunning {
		return errorf(CodeInvalidArgument, "cannot release a running instance")
	}
	inst.page.f.magic = 0
	if inst.handle != nil {
		pointer.Unref(inst.handle)
		inst.handle = nil
	}
	inst.wipeSlot()
	inst.page = nil
	inst.region.returnSlot(inst.slot)
	inst.module.drop()
	return nil
}

// wipeSlot zeroes everything the instance touched and makes its heap, stack
// and globals inaccessible.
//
// Mapping fresh PROT_NONE memory over a range does both in one system call.
// Only the heap in use is replaced (the kernel walks the page tables of the
// whole range it is given, 8 GiB for the full reservation), unless an
// embedder's signal handler let the guest go on after a fault and may have
// opened pages beyond it. The instance page (always in use) is cleared in
// place and the signal stack discarded.
func (inst *Instance) wipeSlot() {
	r, lay := inst.region, inst.region.layout
	heapLen := inst.heapToWipe()
	if heapLen > 0 {
		replaceWithInaccessible(r.slotMem(inst.slot, lay.heap, heapLen))
	}
	replaceWithInaccessible(r.slotMem(inst.slot, lay.stack, lay.sigstackGuard-lay.stack))
	clear(r.slotMem(inst.slot, 0, instancePageSize))
	unix.Madvise(r.slotMem(inst.slot, lay.sigstack, sigstackSize), unix.MADV_DONTNEED)
}

// heapToWipe is how much of the heap reservation may hold the tenant's
// data: the heap in use, or all of it when the instance page is not set up
// yet or an embedder's signal handler may have opened pages past the heap.
func (inst *Instance) heapToWipe() uintptr {
	if inst.page == nil || inst.page.f.guard_maybe_open != 0 {
		return uintptr(inst.region.limits.HeapAddressSpaceSize)
	}
	return uintptr(inst.page.f.heap_len)
}

// replaceWithInaccessible maps zeroed PROT_NONE memory over mem.
func replaceWithInaccessible(mem []byte) {
	_, _, errno := unix.Syscall6(unix.SYS_MMAP, uintptr(unsafe.Pointer(&mem[0])), uintptr(len(mem)),
		unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE|unix.MAP_FIXED, ^uintptr(0), 0)
	if errno != 0 {
		// Not expected for a range of our own mapping; the two-step way
		// gives the same result.
		unix.Madvise(mem, unix.MADV_DONTNEED)
		unix.Mprotect(mem, unix.PROT_NONE)
	}
}

// InstanceFromPage returns the Instance whose page is at p, or nil when p is
// not a live instance page.
func InstanceFromPage(p unsafe.Pointer) *Instance {
	if p == nil {
		return nil
	}
	// SAFETY: p is a pointer the library handed out as an instance; a
	// released one still points at a mapped, zeroed page while its region
	// lives.
	page := (*C.struct_lucet_instance)(p)
	if page.f.magic != C.LUCET_INSTANCE_MAGIC {
		return nil
	}
	inst, _ := pointer.Restore(page.f.go_handle).(*Instance)
	if inst == nil || unsafe.Pointer(inst.page) != p {
		return nil
	}
	return inst
}

// Page returns the instance page, the struct lucet_instance * of the C API.
func (inst *Instance) Page() unsafe.Pointer { return unsafe.Pointer(inst.page) }

// Heap returns the accessible heap. It is valid until the heap grows or the
// instance is reset or released.
func (inst *Instance) Heap() []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(inst.page.f.heap)), int(inst.page.f.heap_len))
}

// Globals returns the instance's globals, one 8-byte slot each.
func (inst *Instance) Globals() []int64 {
	return unsafe.Slice((*int64)(unsafe.Pointer(inst.page.globals)), int(inst.module.desc.global_count))
}

// EmbedCtx returns the context pointer given at creation.
func (inst *Instance) EmbedCtx() unsafe.Pointer { return inst.page.f.embed_ctx }

// State returns the instance's state tag.
func (inst *Instance) State() int { return int(inst.page.f.state) }

// GrowHeap grows the heap by pages wasm pages and returns the size in pages
// before the call.
func (inst *Instance) GrowHeap(pages uint32) (uint32, error) {
	var prev C.uint32_t
	var errbuf [C.LUCET_ERROR_MESSAGE_SIZE]C.char
	if rc := C.go_grow(inst.page, C.uint32_t(pages), &prev, &errbuf[0], C.size_t(len(errbuf))); rc != C.lucet_error_ok {
		return 0, &Error{Code: ErrorCode(rc), Msg: C.GoString(&errbuf[0])}
	}
	return uint32(prev), nil
}

// Run runs the export called name with args.
func (inst *Instance) Run(name string, args ...Val) (RetVal, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return inst.run(cname, false, 0, 0, args)
}

// RunFuncIdx runs element funcIdx of table tableIdx with args.
func (inst *Instance) RunFuncIdx(tableIdx, funcIdx uint32, args ...Val) (RetVal, error) {
	return inst.run(nil, true, tableIdx, funcIdx, args)
}

func (inst *Instance) run(name *C.char, byTable bool, table, idx uint32, args []Val) (RetVal, error) {
	if inst.page == nil {
		return RetVal{}, errorf(CodeInvalidArgument, "instance was released")
	}
	cargs := make([]C.struct_lucet_val, len(args)+1)
	for i, a := range args {
		cargs[i].ty = uint32(a.Type)
		*(*uint64)(unsafe.Pointer(&cargs[i].inner_val)) = a.Bits
	}
	var errbuf [C.LUCET_ERROR_MESSAGE_SIZE]C.char
	byTableC := C.int(0)
	if byTable {
		byTableC = 1
	}
	rc := C.go_run(inst.page, name, byTableC, C.uint32_t(table), C.uint32_t(idx),
		C.uintptr_t(len(args)), &cargs[0], &errbuf[0], C.size_t(len(errbuf)))
	if rc != C.lucet_error_ok {
		return RetVal{}, &Error{Code: ErrorCode(rc), Msg: C.GoString(&errbuf[0])}
	}
	rv := inst.page.f.retval
	return RetVal{GP: uint64(rv.gp), FP: [2]uint64{uint64(rv.fp[0]), uint64(rv.fp[1])}}, nil
}

// ValType is the type of an argument; values of enum lucet_val_type.
type ValType uint32

const (
	ValCPtr     ValType = C.lucet_val_type_c_ptr
	ValGuestPtr ValType = C.lucet_val_type_guest_ptr
	ValU32      ValType = C.lucet_val_type_u32
	ValU64      ValType = C.lucet_val_type_u64
	ValI32      ValType = C.lucet_val_type_i32
	ValI64      ValType = C.lucet_val_type_i64
	ValF32      ValType = C.lucet_val_type_f32
	ValF64      ValType = C.lucet_val_type_f64
)

// Val is a typed argument: its bits as they sit in struct lucet_val.
type Val struct {
	Type ValType
	Bits uint64
}

// I32 returns an i32 argument.
func I32(v int32) Val { return Val{ValI32, uint64(int64(v))} }

// I64 returns an i64 argument.
func I64(v int64) Val { return Val{ValI64, uint64(v)} }

// F32 returns an f32 argument.
func F32(v float32) Val { return Val{ValF32, uint64(math.Float32bits(v))} }

// F64 returns an f64 argument.
func F64(v float64) Val { return Val{ValF64, math.Float64bits(v)} }

// RetVal holds the raw return registers of a run: rax and xmm0.
type RetVal struct {
	GP uint64
	FP [2]uint64
}

// I32 reads the result as an i32.
func (r RetVal) I32() int32 { return int32(uint32(r.GP)) }

// I64 reads the result as an i64.
func (r RetVal) I64() int64 { return int64(r.GP) }

// F32 reads the result as an f32.
func (r RetVal) F32() float32 { return math.Float32frombits(uint32(r.FP[0])) }

// F64 reads the result as an f64.
func (r RetVal) F64() float64 { return math.Float64frombits(r.FP[0]) }
