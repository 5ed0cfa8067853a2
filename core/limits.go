package core

const (
	hostPageSize = 4096
	// WasmPageSize is the unit of heap growth.
	WasmPageSize = 64 * 1024
	// maxWasmHeap is the most a 32-bit wasm index can address.
	maxWasmHeap = 1 << 32
	// userAddressSpace is the x86-64 user address space (47 bits); no
	// reservation can be larger.
	userAddressSpace = 1 << 47
)

// Limits are the sizes of the memories behind each instance of a region, in
// bytes; the layout matches struct lucet_alloc_limits.
type Limits struct {
	HeapMemorySize       uint64 // most accessible heap
	HeapAddressSpaceSize uint64 // heap reservation, guard included
	StackSize            uint64
	GlobalsSize          uint64 // 8 bytes per global
}

// DefaultLimits returns Lucet's defaults: 1 MiB of heap memory in 8 GiB of
// address space (so any 32-bit index plus 32-bit offset lands in the guard),
// a 128 KiB stack and 4 KiB of globals.
func DefaultLimits() Limits {
	return Limits{
		HeapMemorySize:       1 << 20,
		HeapAddressSpaceSize: 8 << 30,
		StackSize:            128 << 10,
		GlobalsSize:          4 << 10,
	}
}

// namedLimit is one limit with its C field name, for messages.
type namedLimit struct {
	name string
	v    uint64
}

func (l Limits) named() []namedLimit {
	return []namedLimit{
		{"heap_memory_size", l.HeapMemorySize},
		{"heap_address_space_size", l.HeapAddressSpaceSize},
		{"stack_size", l.StackSize},
		{"globals_size", l.GlobalsSize},
	}
}

// Validate reports the first limit that cannot be used, by name.
func (l Limits) Validate() error {
	for _, f := range l.named() {
		if f.v%hostPageSize != 0 {
			return errorf(CodeInvalidArgument, "%s %d is not a multiple of %d", f.name, f.v, hostPageSize)
		}
	}
	if l.StackSize == 0 {
		return errorf(CodeInvalidArgument, "stack_size must not be zero")
	}
	if l.HeapMemorySize > l.HeapAddressSpaceSize {
		return errorf(CodeInvalidArgument, "heap_memory_size %d is larger than heap_address_space_size %d",
			l.HeapMemorySize, l.HeapAddressSpaceSize)
	}
	return nil
}

// checkFits reports a limit too large for any reservation to hold. Each
// being below the address space also keeps the slot size arithmetic far
// from overflowing.
func (l Limits) checkFits() error {
	for _, f := range l.named() {
		if f.v >= userAddressSpace {
			return errorf(CodeLimitsExceeded, "%s %d is larger than the address space", f.name, f.v)
		}
	}
	return nil
}
