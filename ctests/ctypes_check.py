"""Drives liblucet through ctypes, as a Python embedder would: no C
compiler, no knowledge of siginfo_t or ucontext_t. Loads the demo guest,
runs an export, reads the heap, and reads a fault through the plain fault
accessors. Prints one ok/FAIL line per check; exits non-zero on failure.

Usage: python3 ctests/ctypes_check.py BUILD_DIR
"""
import ctypes
import os
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
lib = ctypes.CDLL(os.path.join(build, "liblucet.so"))
failed = False


def check(name, cond, detail=""):
    global failed
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + detail))
    failed = failed or not cond


class Val(ctypes.Structure):
    # struct lucet_val: the type, then an 8-byte union.
    _fields_ = [("ty", ctypes.c_int), ("bits", ctypes.c_uint64)]


LUCET_VAL_I32 = 8  # enum lucet_val_type: lucet_val_type_i32
OK, RUNTIME_FAULT = 0, 8  # enum lucet_error
HEAP_OUT_OF_BOUNDS = 1  # enum lucet_trapcode_type
SIGSEGV = 11

lib.lucet_error_name.restype = ctypes.c_char_p
lib.lucet_error_message.restype = ctypes.c_char_p
lib.lucet_instance_heap.restype = ctypes.POINTER(ctypes.c_uint8)
lib.lucet_instance_heap_len64.restype = ctypes.c_uint64
for f in ("lucet_dl_module_load", "lucet_mmap_region_create", "lucet_region_new_instance",
          "lucet_instance_run", "lucet_instance_state"):
    getattr(lib, f).restype = ctypes.c_int

mod, region, inst = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
guest = os.path.join(build, "examples", "guest.so").encode()
rc = lib.lucet_dl_module_load(guest, ctypes.byref(mod))
check("load the demo guest", rc == OK, lib.lucet_error_message().decode())
rc = lib.lucet_mmap_region_create(ctypes.c_uint64(2), None, ctypes.byref(region))
check("create a region with default limits", rc == OK, lib.lucet_error_message().decode())
rc = lib.lucet_region_new_instance(region, mod, ctypes.byref(inst))
check("create an instance", rc == OK, lib.lucet_error_message().decode())

# factorial_to_heap(5, 100) returns 120 and writes "5! = 120" at offset 100.
args = (Val * 2)(Val(LUCET_VAL_I32, 5), Val(LUCET_VAL_I32, 100))
rc = lib.lucet_instance_run(inst, b"factorial_to_heap", ctypes.c_size_t(2), args)
check("run factorial_to_heap", rc == OK, lib.lucet_error_message().decode())
# struct lucet_state: the tag, then at offset 8 the union, whose returned
# member is fp[16] then gp[8]. A generous buffer holds the whole struct.
state = (ctypes.c_uint8 * 4096)()
rc = lib.lucet_instance_state(inst, state)
tag = int.from_bytes(bytes(state[0:4]), "little")
gp = int.from_bytes(bytes(state[24:32]), "little", signed=True)
check("state is returned with 120", rc == OK and tag == 0 and gp == 120, "tag %d gp %d" % (tag, gp))
heap = lib.lucet_instance_heap(inst)
text = bytes(heap[100:108])
check("the guest wrote its heap", text == b"5! = 120", repr(text))
heap_len = lib.lucet_instance_heap_len64(inst)

# peek(heap_len) reads one byte past the heap.
args = (Val * 1)(Val(LUCET_VAL_I32, heap_len))
rc = lib.lucet_instance_run(inst, b"peek", ctypes.c_size_t(1), args)
check("a read past the heap is a runtime fault", rc == RUNTIME_FAULT,
      lib.lucet_error_name(rc).decode())
code, fatal, addr, signum = ctypes.c_int(), ctypes.c_bool(), ctypes.c_size_t(), ctypes.c_int()
lib.lucet_instance_fault_trapcode(inst, ctypes.byref(code))
lib.lucet_instance_fault_is_fatal(inst, ctypes.byref(fatal))
lib.lucet_instance_fault_address(inst, ctypes.byref(addr))
lib.lucet_instance_fault_signal(inst, ctypes.byref(signum))
heap_base = ctypes.cast(heap, ctypes.c_void_p).value
check("fault accessors: heap out of bounds, not fatal, SIGSEGV",
      code.value == HEAP_OUT_OF_BOUNDS and not fatal.value and signum.value == SIGSEGV,
      "code %d fatal %s signal %d" % (code.value, fatal.value, signum.value))
check("fault address is the first byte past the heap", addr.value == heap_base + heap_len,
      "%#x vs %#x" % (addr.value, heap_base + heap_len))
buf = ctypes.create_string_buffer(512)
lib.lucet_instance_fault_describe(inst, buf, ctypes.c_size_t(len(buf)))
check("description names the fault", b"heap out of bounds" in buf.value, repr(buf.value))
check("error message explains the fault", b"heap out of bounds" in lib.lucet_error_message(),
      repr(lib.lucet_error_message()))

lib.lucet_instance_release(inst)
lib.lucet_region_release(region)
lib.lucet_dl_module_release(mod)
sys.exit(1 if failed else 0)
