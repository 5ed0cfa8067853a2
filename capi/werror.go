//go:build lucet_werror

package main

// Built with -tags lucet_werror (as make test does), the package's C is
// compiled with warnings as errors, so that it stays -Wall -Wextra clean
// without failing ordinary builds on a compiler with new warnings.

// #cgo CFLAGS: -Werror
import "C"
