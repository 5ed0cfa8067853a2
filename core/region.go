package core

/*
#include "instance.h"
#include "signals.h"
*/
import "C"

import (
	"math/bits"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	instancePageSize = C.LUCET_INSTANCE_PAGE_SIZE
	sigstackSize     = C.LUCET_SIGSTACK_SIZE
	guardPageSize    = hostPageSize
)

// slotLayout gives the offset of each part of a slot from the slot's start.
// In address order: instance page, heap address space, stack guard, stack,
// globals, signal stack guard, signal stack.
type slotLayout struct {
	heap, stackGuard, stack, globals, sigstackGuard, sigstack, size uintptr
}

func newSlotLayout(l Limits) slotLayout {
	var s slotLayout
	s.heap = instancePageSize
	s.stackGuard = s.heap + uintptr(l.HeapAddressSpaceSize)
	s.stack = s.stackGuard + guardPageSize
	s.globals = s.stack + uintptr(l.StackSize)
	s.sigstackGuard = s.globals + uintptr(l.GlobalsSize)
	s.sigstack = s.sigstackGuard + guardPageSize
	s.size = s.sigstack + sigstackSize
	return s
}

// Region is a fixed number of instance slots reserved in one inaccessible
// mapping. Memory is committed only as instances touch it. A Region is safe
// for concurrent use; it is unmapped once released by its owner and by every
// instance created in it.
type Region struct {
	limits   Limits
	layout   slotLayout
	capacity int
	mem      []byte // the whole reservation
	// prepared[i] is set once slot i's instance page and signal stack are
	// accessible; each element is only touched by the slot's current owner.
	prepared []bool

	mu       sync.Mutex
	free     []int // slot indices not in use
	live     int   // instances holding a reference
	released bool  // the owner let go
}

// NewRegion reserves address space for capacity instances. A nil limits
// means DefaultLimits.
func NewRegion(capacity uint64, limits *Limits) (*Region, error) {
	l := DefaultLimits()
	if limits != nil {
		l = *limits
	}
	if capacity == 0 {
		return nil, errorf(CodeInvalidArgument, "instance capacity must not be zero")
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if err := l.checkFits(); err != nil {
		return nil, err
	}
	if errno := C.lucet_signals_install(); errno != 0 {
		return nil, errorf(CodeInternal, "installing the fault handler: %v", unix.Errno(errno))
	}

	layout := newSlotLayout(l)
	hi, total := bits.Mul64(capacity, uint64(layout.size))
	if hi != 0 || total >= userAddressSpace {
		return nil, errorf(CodeLimitsExceeded, "%d slots of %d bytes do not fit in the address space",
			capacity, layout.size)
	}
	// PROT_NONE and MAP_NORESERVE: a reservation of address space only.
	mem, err := unix.Mmap(-1, 0, int(total), unix.PROT_NONE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, errorf(CodeInternal, "reserving %d bytes for %d slots: %v", total, capacity, err)
	}
	r := &Region{limits: l, layout: layout, capacity: int(capacity), mem: mem,
		prepared: make([]bool, capacity)}
	r.free = make([]int, capacity)
	for i := range r.free {
		// Hand out low slots first, so that a small workload stays compact.
		r.free[i] = int(capacity) - 1 - i
	}
	return r, nil
}

// FreeSlots returns how many slots are not in use.
func (r *Region) FreeSlots() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.free)
}

// Release drops the owner's reference; the mapping goes once no instance
// remains. Releasing twice is a no-op.
func (r *Region) Release() {
	r.mu.Lock()
	r.released = true
	unmap := r.live == 0 && r.mem != nil
	mem := r.mem
	if unmap {
		r.mem = nil
	}
	r.mu.Unlock()
	if unmap {
		unix.Munmap(mem)
	}
}

// takeSlot reserves a free slot for a new instance.
func (r *Region) takeSlot() (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.released {
		return 0, errorf(CodeInvalidArgument, "region was released")
	}
	if len(r.free) == 0 {
		return 0, errorf(CodeRegionFull, "%d of %d slots in use", r.capacity, r.capacity)
	}
	slot := r.free[len(r.free)-1]
	r.free = r.free[:len(r.free)-1]
	r.live++
	return slot, nil
}

// returnSlot puts a slot whose memory was already wiped back on the free
// list, unmapping the region if its owner released it and this was the last
// instance.
func (r *Region) returnSlot(slot int) {
	r.mu.Lock()
	r.free = append(r.free, slot)
	r.live--
	unmap := r.released && r.live == 0 && r.mem != nil
	mem := r.mem
	if unmap {
		r.mem = nil
	}
	r.mu.Unlock()
	if unmap {
		unix.Munmap(mem)
	}
}

// slotMem returns the bytes [off, off+n) of slot.
func (r *Region) slotMem(slot int, off, n uintptr) []byte {
	start := uintptr(slot)*r.layout.size + off
	return r.mem[start : start+n : start+n]
}

// slotBase returns the address of a slot's first byte.
func (r *Region) slotBase(slot int) unsafe.Pointer {
	// SAFETY: the mapping outlives every slot handed out (live > 0 keeps it).
	return unsafe.Pointer(&r.mem[uintptr(slot)*r.layout.size])
}
