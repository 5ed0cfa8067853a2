// Package asm holds the context switch between host threads and guest
// stacks, in GNU assembler. It has no Go API: importing it links the
// lucet_context_* symbols declared in context.h into the binary, where the
// C parts of package core call them.
package asm

// The .S file beside this one is assembled by the C toolchain only in a
// package that uses cgo, hence the otherwise empty import.

// #cgo CFLAGS: -Wall -Wextra
import "C"
