// Command capi is built with -buildmode=c-shared into liblucet.so. The
// public functions of include/lucet.h are defined in lucet.c beside this
// file; those that manage lifetimes call into the Go functions exported here
// (lucetgo_*), while the hot ones (running, state, heap access) stay in C.
package main

func main() {}
