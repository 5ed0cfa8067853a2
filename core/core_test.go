package core

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// guests maps a testdata guest's name to the shared object built from it.
var guests = map[string]string{}

// TestMain builds the guest modules in testdata/ with the C compiler, since
// the tests need real shared objects to load.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lucet-core-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, "MkdirTemp:", err)
		os.Exit(1)
	}
	sources, _ := filepath.Glob("testdata/*.c")
	for _, src := range sources {
		name := strings.TrimSuffix(filepath.Base(src), ".c")
		out := filepath.Join(dir, name+".so")
		cc := os.Getenv("CC")
		if cc == "" {
			cc = "gcc"
		}
		cmd := exec.Command(cc, "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared",
			"-I../include", "-I../examples", "-o", out, src)
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", src, err, b)
			os.Exit(1)
		}
		guests[name] = out
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func loadGuest(t *testing.T, name string) *Module {
	t.Helper()
	m, err := LoadModule(guests[name])
	if err != nil {
		t.Fatalf("LoadModule(%s): %v", name, err)
	}
	t.Cleanup(m.Release)
	return m
}

func newRegion(t *testing.T, capacity uint64, limits *Limits) *Region {
	t.Helper()
	r, err := NewRegion(capacity, limits)
	if err != nil {
		t.Fatalf("NewRegion: %v", err)
	}
	t.Cleanup(r.Release)
	return r
}

func newInstance(t *testing.T, r *Region, m *Module) *Instance {
	t.Helper()
	inst, err := r.NewInstance(m, nil)
	if err != nil {
		t.Fatalf("NewInstance: %v", err)
	}
	t.Cleanup(func() { inst.Release() })
	return inst
}

func TestSharedLayout(t *testing.T) {
	for _, f := range sharedLayout() {
		if f.seen != f.wants {
			t.Errorf("%s: Go sees %d, the header says %d", f.name, f.seen, f.wants)
		}
	}
}

func TestLimitsValidate(t *testing.T) {
	if err := DefaultLimits().Validate(); err != nil {
		t.Fatalf("default limits: %v", err)
	}
	d := DefaultLimits()
	cases := []struct {
		name   string
		mutate func(*Limits)
		want   string
	}{
		{"heap memory not page multiple", func(l *Limits) { l.HeapMemorySize = 4097 }, "heap_memory_size"},
		{"address space not page multiple", func(l *Limits) { l.HeapAddressSpaceSize += 1 }, "heap_address_space_size"},
		{"stack not page multiple", func(l *Limits) { l.StackSize = 100 }, "stack_size"},
		{"globals not page multiple", func(l *Limits) { l.GlobalsSize = 8 }, "globals_size"},
		{"zero stack", func(l *Limits) { l.StackSize = 0 }, "stack_size"},
		{"heap memory over address space", func(l *Limits) { l.HeapMemorySize = l.HeapAddressSpaceSize + 4096 }, "heap_memory_size"},
	}
	for _, c := range cases {
		l := d
		c.mutate(&l)
		err := l.Validate()
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: Validate = %v, want invalid argument", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: message %q does not name %s", c.name, err, c.want)
		}
	}
}

func TestRegionFullAndReuse(t *testing.T) {
	m := loadGuest(t, "guest")
	r := newRegion(t, 2, nil)
	a, b := newInstance(t, r, m), newInstance(t, r, m)
	if _, err := r.NewInstance(m, nil); !errors.Is(err, ErrRegionFull) {
		t.Fatalf("third instance in a 2-slot region: %v, want region full", err)
	}
	if r.FreeSlots() != 0 {
		t.Fatalf("FreeSlots = %d, want 0", r.FreeSlots())
	}
	a.Release()
	c := newInstance(t, r, m)
	if c.slot != a.slot {
		t.Errorf("new instance took slot %d, want the freed slot %d", c.slot, a.slot)
	}
	_ = b
}

func TestRegionTooLargeForTheAddressSpace(t *testing.T) {
	huge := DefaultLimits()
	huge.HeapAddressSpaceSize = 1 << 48
	if _, err := NewRegion(1, &huge); !errors.Is(err, ErrLimitsExceeded) || !strings.Contains(err.Error(), "heap_address_space_size") {
		t.Errorf("one 256 TiB heap: %v, want limits exceeded naming heap_address_space_size", err)
	}
	if _, err := NewRegion(1<<20, nil); !errors.Is(err, ErrLimitsExceeded) {
		t.Errorf("a million 8 GiB slots: %v, want limits exceeded", err)
	}
}

func TestRegionRejectsZeroCapacity(t *testing.T) {
	if _, err := NewRegion(0, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NewRegion(0) = %v, want invalid argument", err)
	}
}

func TestLoaderRejectsBadObjects(t *testing.T) {
	notELF := filepath.Join(t.TempDir(), "text.so")
	os.WriteFile(notELF, []byte("not a shared object\n"), 0o644)
	cases := []struct {
		path string
		want error
		text string
	}{
		{notELF, ErrDl, "cannot load"},
		{"/nonexistent/module.so", ErrDl, "cannot load"},
		{"", ErrInvalidArgument, "empty"},
		{guests["no_descriptor"], ErrDl, "no lucet_module"},
		{guests["bad_magic"], ErrModule, "magic"},
		{guests["bad_count"], ErrModule, "exports"},
	}
	for _, c := range cases {
		_, err := LoadModule(c.path)
		if !errors.Is(err, c.want) {
			t.Errorf("LoadModule(%s) = %v, want %v", filepath.Base(c.path), err, c.want)
		} else if !strings.Contains(err.Error(), c.text) {
			t.Errorf("LoadModule(%s) message %q lacks %q", filepath.Base(c.path), err, c.text)
		}
	}
}

func TestRunArgumentsAndResults(t *testing.T) {
	m := loadGuest(t, "guest")
	inst := newInstance(t, newRegion(t, 1, nil), m)

	rv, err := inst.Run("add", I32(-5), I32(12))
	if err != nil || rv.I32() != 7 {
		t.Fatalf("add(-5, 12) = %d, %v; want 7", rv.I32(), err)
	}
	if rv, err := inst.Run("half", F32(5)); err != nil || rv.F32() != 2.5 {
		t.Fatalf("half(5) = %v, %v; want 2.5", rv.F32(), err)
	}

	// Fifteen mixed arguments: five integers and eight floats fill the
	// registers, the rest go on the stack.
	args := []Val{I32(1), F64(2.5), I64(3), F32(4.25), I32(5), F64(6.5), I64(7), F32(8.75),
		I32(9), F64(10.5), I64(11), F32(12.25), F64(13.5), F64(14.5), F32(15.75)}
	nums := []float64{1, 2.5, 3, 4.25, 5, 6.5, 7, 8.75, 9, 10.5, 11, 12.25, 13.5, 14.5, 15.75}
	want := 0.0
	for i, v := range nums {
		want += v * float64(i+1)
	}
	rv, err = inst.Run("mixed", args...)
	if err != nil || rv.F64() != want {
		t.Fatalf("mixed(...) = %v, %v; want %v", rv.F64(), err, want)
	}
}

func TestRunChecksArguments(t *testing.T) {
	m := loadGuest(t, "guest")
	inst := newInstance(t, newRegion(t, 1, nil), m)
	if _, err := inst.Run("add", I32(1)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("add with one argument: %v, want invalid argument", err)
	}
	if _, err := inst.Run("add", I32(1), F64(2)); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "argument 1") {
		t.Errorf("add with an f64: %v, want invalid argument naming argument 1", err)
	}
	if _, err := inst.Run("no_such_export"); !errors.Is(err, ErrSymbolNotFound) {
		t.Errorf("unknown export: %v, want symbol not found", err)
	}
	if _, err := inst.RunFuncIdx(0, 1, I32(1)); !errors.Is(err, ErrFuncNotFound) {
		t.Errorf("empty table element: %v, want function not found", err)
	}
	if _, err := inst.RunFuncIdx(1, 0); !errors.Is(err, ErrFuncNotFound) {
		t.Errorf("table 1: %v, want function not found", err)
	}
	if rv, err := inst.RunFuncIdx(0, 0, I32(2), I32(3)); err != nil || rv.I32() != 5 {
		t.Errorf("table 0 element 0 (add) = %d, %v; want 5", rv.I32(), err)
	}
}

func TestHeapDataGlobalsAndStart(t *testing.T) {
	m := loadGuest(t, "guest")
	inst := newInstance(t, newRegion(t, 1, nil), m)

	heap := inst.Heap()
	if len(heap) != 2*WasmPageSize {
		t.Fatalf("heap length %d, want %d", len(heap), 2*WasmPageSize)
	}
	if string(heap[:5]) != "hello" {
		t.Errorf("heap starts %q, want the data page's \"hello\"", heap[:5])
	}
	if heap[8] != 0x5a {
		t.Errorf("heap[8] = %#x, want 0x5a written by the start function", heap[8])
	}
	if g := inst.Globals(); len(g) != 2 || g[0] != 42 || g[1] != -7 {
		t.Fatalf("globals %v, want [42 -7]", g)
	}

	// The guest and the host see the same memory and globals.
	if _, err := inst.Run("poke", I32(100), I32(77)); err != nil {
		t.Fatalf("poke: %v", err)
	}
	if heap[100] != 77 {
		t.Errorf("heap[100] = %d after the guest stored 77", heap[100])
	}
	heap[200] = 99
	if rv, _ := inst.Run("peek", I32(200)); rv.I32() != 99 {
		t.Errorf("guest read %d at 200, want 99 written by the host", rv.I32())
	}
	if rv, _ := inst.Run("bump_global", I64(8)); rv.I64() != 50 || inst.Globals()[0] != 50 {
		t.Errorf("bump_global(8) = %d, global %d; want 50", rv.I64(), inst.Globals()[0])
	}

	// Reset restores data, globals and the start function's effect.
	heap[8] = 0
	if err := inst.Reset(); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	heap = inst.Heap()
	if heap[100] != 0 || heap[200] != 0 || heap[8] != 0x5a || string(heap[:5]) != "hello" {
		t.Errorf("after reset heap[100]=%d heap[200]=%d heap[8]=%#x start=%q", heap[100], heap[200], heap[8], heap[:5])
	}
	if inst.Globals()[0] != 42 {
		t.Errorf("after reset global 0 = %d, want 42", inst.Globals()[0])
	}
}

func TestGrowHeap(t *testing.T) {
	m := loadGuest(t, "guest") // initial 2 pages, maximum 8
	limits := DefaultLimits()
	limits.HeapMemorySize = 6 * WasmPageSize
	inst := newInstance(t, newRegion(t, 1, &limits), m)

	if prev, err := inst.GrowHeap(3); err != nil || prev != 2 {
		t.Fatalf("GrowHeap(3) = %d, %v; want 2", prev, err)
	}
	if rv, _ := inst.Run("grow", I32(1)); rv.I32() != 5 {
		t.Fatalf("guest grow(1) = %d, want 5", rv.I32())
	}
	if rv, _ := inst.Run("grow", I32(1)); rv.I32() != -1 {
		t.Fatalf("guest grow past the region limit = %d, want -1", rv.I32())
	}
	if _, err := inst.GrowHeap(1); !errors.Is(err, ErrLimitsExceeded) {
		t.Fatalf("GrowHeap past the limit: %v, want limits exceeded", err)
	}
	if n := len(inst.Heap()); n != 6*WasmPageSize {
		t.Fatalf("heap is %d bytes after a failed growth, want %d", n, 6*WasmPageSize)
	}
	// The grown memory is usable from the guest.
	if rv, err := inst.Run("poke", I32(6*WasmPageSize-1), I32(1)); err != nil || rv.I32() != 6 {
		t.Fatalf("poke at the last byte = %d, %v; want 6 pages", rv.I32(), err)
	}
	if err := inst.Reset(); err != nil || len(inst.Heap()) != 2*WasmPageSize {
		t.Fatalf("after reset heap is %d bytes (%v), want %d", len(inst.Heap()), err, 2*WasmPageSize)
	}
}

func TestModuleMaximumBoundsGrowth(t *testing.T) {
	m := loadGuest(t, "guest") // maximum 8 pages, under the default 16
	inst := newInstance(t, newRegion(t, 1, nil), m)
	if _, err := inst.GrowHeap(6); err != nil {
		t.Fatalf("GrowHeap to the module maximum: %v", err)
	}
	if _, err := inst.GrowHeap(1); !errors.Is(err, ErrLimitsExceeded) {
		t.Fatalf("GrowHeap past the module maximum: %v, want limits exceeded", err)
	}
}

func TestLimitsExceededAtInstantiation(t *testing.T) {
	m := loadGuest(t, "guest")
	small := DefaultLimits()
	small.HeapMemorySize = WasmPageSize // the module needs 2 pages
	if _, err := newRegion(t, 1, &small).NewInstance(m, nil); !errors.Is(err, ErrLimitsExceeded) {
		t.Errorf("initial heap over heap_memory_size: %v, want limits exceeded", err)
	}
	narrow := DefaultLimits()
	narrow.HeapAddressSpaceSize = 4 << 30 // the module relies on 8 GiB
	if _, err := newRegion(t, 1, &narrow).NewInstance(m, nil); !errors.Is(err, ErrLimitsExceeded) {
		t.Errorf("reservation over heap_address_space_size: %v, want limits exceeded", err)
	}
}

func TestReusedSlotIsClean(t *testing.T) {
	m := loadGuest(t, "guest")
	r := newRegion(t, 1, nil)
	inst, err := r.NewInstance(m, nil)
	if err != nil {
		t.Fatalf("NewInstance: %v", err)
	}
	inst.GrowHeap(2)
	inst.Run("poke", I32(3*WasmPageSize), I32(9))
	inst.Run("poke", I32(300), I32(9))
	inst.Run("bump_global", I64(1000))
	inst.Release()

	next := newInstance(t, r, m)
	heap := next.Heap()
	if len(heap) != 2*WasmPageSize {
		t.Fatalf("reused slot heap is %d bytes, want %d", len(heap), 2*WasmPageSize)
	}
	if heap[300] != 0 || next.Globals()[0] != 42 {
		t.Errorf("reused slot sees heap[300]=%d global=%d from the previous tenant", heap[300], next.Globals()[0])
	}
	if _, err := next.Run("peek", I32(3*WasmPageSize)); !errors.Is(err, ErrRuntimeFault) {
		t.Errorf("reading the previous tenant's grown memory: %v, want a fault", err)
	}
}

func TestEmbedCtx(t *testing.T) {
	m := loadGuest(t, "guest")
	r := newRegion(t, 1, nil)
	// Any C pointer will do; the runtime never dereferences it.
	ctx := unsafe.Pointer(&m.loaded.desc)
	inst, err := r.NewInstance(m, ctx)
	if err != nil {
		t.Fatalf("NewInstance: %v", err)
	}
	defer inst.Release()
	if rv, _ := inst.Run("delegate"); uintptr(rv.I64()) != uintptr(ctx) || inst.EmbedCtx() != ctx {
		t.Fatalf("guest sees delegate %#x, host %p; want %p", rv.I64(), inst.EmbedCtx(), ctx)
	}
}

// The guest starts with the default MXCSR whatever the host uses, and the
// host's own control word survives both a return and a fault.
func TestFloatingPointControlIsolated(t *testing.T) {
	m := loadGuest(t, "guest")
	inst := newInstance(t, newRegion(t, 1, nil), m)
	const roundDown = 0x1f80 | 1<<13
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old := setMXCSR(roundDown)
	defer setMXCSR(old)

	rv, err := inst.Run("guest_mxcsr")
	after := getMXCSR()
	inst.Run("peek", I32(1<<30))
	afterFault := getMXCSR()
	setMXCSR(old)
	if err != nil || uint32(rv.I32())&0xffc0 != 0x1f80 {
		t.Errorf("guest MXCSR %#x (%v), want the default 0x1f80", rv.I32(), err)
	}
	if after&0xffc0 != roundDown || afterFault&0xffc0 != roundDown {
		t.Errorf("host MXCSR %#x after a run and %#x after a fault, want %#x", after, afterFault, roundDown)
	}
}

func TestFaultsFromGo(t *testing.T) {
	m := loadGuest(t, "guest")
	inst := newInstance(t, newRegion(t, 1, nil), m)
	heapBase := uintptr(unsafe.Pointer(&inst.Heap()[0]))

	cases := []struct {
		name string
		fn   string
		args []Val
		code TrapCode
		addr uintptr
	}{
		{"read past the heap", "peek", []Val{I32(2 * WasmPageSize)}, TrapHeapOutOfBounds, heapBase + 2*WasmPageSize},
		{"read far into the guard", "peek", []Val{I32(-1)}, TrapHeapOutOfBounds, heapBase + 0xffffffff},
		{"write past the heap", "poke", []Val{I32(2 * WasmPageSize), I32(1)}, TrapHeapOutOfBounds, heapBase + 2*WasmPageSize},
		{"division by zero", "divide", []Val{I32(1), I32(0)}, TrapIntegerDivByZero, 0},
		{"INT_MIN / -1", "divide", []Val{I32(math.MinInt32), I32(-1)}, TrapIntegerOverflow, 0},
		{"stack overflow", "recurse", []Val{I64(0)}, TrapStackOverflow, 0},
	}
	for _, c := range cases {
		_, err := inst.Run(c.fn, c.args...)
		if !errors.Is(err, ErrRuntimeFault) {
			t.Errorf("%s: %v, want a runtime fault", c.name, err)
			continue
		}
		if inst.State() != StateFault {
			t.Errorf("%s: state %d, want fault", c.name, inst.State())
		}
		f, ok := inst.Fault()
		if !ok || f.TrapCode != c.code || f.Fatal {
			t.Errorf("%s: fault %+v, want code %d, not fatal", c.name, f, c.code)
		}
		if c.addr != 0 && f.Addr != c.addr {
			t.Errorf("%s: fault address %#x, want %#x", c.name, f.Addr, c.addr)
		}
		// A non-fatal fault leaves the instance runnable.
		if rv, err := inst.Run("add", I32(2), I32(2)); err != nil || rv.I32() != 4 || inst.State() != StateReturned {
			t.Errorf("%s: run after the fault = %d, %v, state %d", c.name, rv.I32(), err, inst.State())
		}
	}
}

// The fault handler passes faults of Go code on to the Go runtime, so a nil
// dereference still becomes a recoverable panic.
func TestGoNilDereferenceStillPanics(t *testing.T) {
	newRegion(t, 1, nil) // installs the handler
	var p *int
	defer func() {
		if recover() == nil {
			t.Fatal("nil dereference did not panic")
		}
	}()
	_ = *p
}

func TestConcurrentInstances(t *testing.T) {
	m := loadGuest(t, "guest")
	r := newRegion(t, 4, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			inst, err := r.NewInstance(m, nil)
			if err != nil {
				errs <- err
				return
			}
			defer inst.Release()
			for i := 0; i < 2000; i++ {
				rv, err := inst.Run("add", I32(int32(g)), I32(int32(i)))
				if err != nil || rv.I32() != int32(g+i) {
					errs <- fmt.Errorf("goroutine %d run %d: %d, %v", g, i, rv.I32(), err)
					return
				}
				if i%500 == 0 {
					if _, err := inst.Run("peek", I32(1<<20)); !errors.Is(err, ErrRuntimeFault) {
						errs <- fmt.Errorf("goroutine %d: fault run gave %v", g, err)
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestLifetimesOutliveOwners(t *testing.T) {
	m, err := LoadModule(guests["guest"])
	if err != nil {
		t.Fatalf("LoadModule: %v", err)
	}
	r, err := NewRegion(1, nil)
	if err != nil {
		t.Fatalf("NewRegion: %v", err)
	}
	inst, err := r.NewInstance(m, nil)
	if err != nil {
		t.Fatalf("NewInstance: %v", err)
	}
	m.Release()
	r.Release()
	if rv, err := inst.Run("add", I32(1), I32(2)); err != nil || rv.I32() != 3 {
		t.Fatalf("run after the owners released: %d, %v", rv.I32(), err)
	}
	if _, err := r.NewInstance(m, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NewInstance on released handles: %v, want invalid argument", err)
	}
	inst.Release()
	if r.mem != nil || !m.closed {
		t.Fatalf("after the last instance: region mapped %v, module closed %v", r.mem != nil, m.closed)
	}
}

// A released slot reads back as zeros (looked at by opening it again here)
// and its heap, stack and globals are inaccessible, after a light tenant and
// after one that grew its heap and overflowed its stack.
func TestReleasedSlotIsZeroAndClosed(t *testing.T) {
	m := loadGuest(t, "guest")
	r := newRegion(t, 1, nil)
	lay := r.layout
	for _, heavy := range []bool{false, true} {
		inst, err := r.NewInstance(m, nil)
		if err != nil {
			t.Fatalf("NewInstance: %v", err)
		}
		inst.Run("poke", I32(12345), I32(1))
		if heavy {
			inst.GrowHeap(6)
			for off := 0; off < 8*WasmPageSize; off += hostPageSize {
				inst.Run("poke", I32(int32(off)), I32(3))
			}
			inst.Run("recurse", I64(0))
		}
		open := uintptr(len(inst.Heap()))
		inst.Release()
		for _, part := range []struct {
			name   string
			off, n uintptr
			closed bool
		}{
			{"instance page", 0, instancePageSize, false},
			{"heap", lay.heap, open, true},
			{"stack and globals", lay.stack, lay.sigstackGuard - lay.stack, true},
			{"signal stack", lay.sigstack, sigstackSize, false},
		} {
			mem := r.slotMem(0, part.off, part.n)
			if part.closed {
				if got := protectionOf(t, mem); got != "---p" {
					t.Errorf("heavy=%v: %s is %s after release, want ---p", heavy, part.name, got)
				}
				unix.Mprotect(mem, unix.PROT_READ)
			}
			for i, b := range mem {
				if b != 0 {
					t.Errorf("heavy=%v: %s byte %d is %#x after release", heavy, part.name, i, b)
					break
				}
			}
			if part.closed {
				unix.Mprotect(mem, unix.PROT_NONE)
			}
		}
	}
}

// protectionOf returns the permissions /proc/self/maps gives the mapping
// holding mem's first byte, e.g. "rw-p".
func protectionOf(t *testing.T, mem []byte) string {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	addr := uint64(uintptr(unsafe.Pointer(&mem[0])))
	for _, line := range strings.Split(string(maps), "\n") {
		var lo, hi uint64
		var perms string
		if _, err := fmt.Sscanf(line, "%x-%x %s", &lo, &hi, &perms); err == nil && addr >= lo && addr < hi {
			return perms
		}
	}
	return "unmapped"
}

// A fault outside the sandbox is fatal: with no fatal handler the runtime
// writes one line naming the fault to stderr and aborts. Run in a child
// process, which re-runs this test binary with an environment variable set.
// In a Go program the Go runtime's SIGABRT handler reports the abort and
// exits with status 2; the runtime's line comes first.
func TestFatalFaultAbortsProcess(t *testing.T) {
	if os.Getenv("LUCET_TEST_FATAL_CHILD") == "1" {
		m, err := LoadModule(guests["guest"])
		if err != nil {
			os.Exit(3)
		}
		r, _ := NewRegion(1, nil)
		inst, err := r.NewInstance(m, nil)
		if err != nil {
			os.Exit(3)
		}
		inst.Run("read_absolute", I64(0x10))
		os.Exit(4) // not reached: the fault is fatal
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestFatalFaultAbortsProcess$")
	cmd.Env = append(os.Environ(), "LUCET_TEST_FATAL_CHILD=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child: %v, want it to die of SIGABRT", err)
	}
	ws, _ := exit.Sys().(syscall.WaitStatus)
	abortedByGo := ws.Exited() && ws.ExitStatus() == 2 && strings.Contains(stderr.String(), "SIGABRT: abort")
	if !(ws.Signaled() && ws.Signal() == syscall.SIGABRT) && !abortedByGo {
		t.Fatalf("child ended with %v, want an abort; stderr:\n%s", exit, stderr.String())
	}
	line, _, _ := strings.Cut(stderr.String(), "\n")
	for _, want := range []string{"liblucet: instance", "fatal", "read of address 0x10", "read_absolute"} {
		if !strings.Contains(line, want) {
			t.Errorf("stderr %q lacks %q", line, want)
		}
	}
}
