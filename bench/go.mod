// This module only pins the Wasmtime release whose C API the benchmark links
// against (wasmtime-go ships it prebuilt in its build/ folder). It holds no Go
// code, and being a module of its own keeps bench/ out of the repository's
// root `go test ./...`.
module liblucet-bench

go 1.22

require github.com/bytecodealliance/wasmtime-go/v39 v39.0.1
