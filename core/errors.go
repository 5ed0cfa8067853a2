package core

import "fmt"

// ErrorCode is the kind of a failure; its values are those of enum
// lucet_error in include/lucet_types.h, in the same order.
type ErrorCode int

const (
	CodeOK ErrorCode = iota
	CodeInvalidArgument
	CodeRegionFull
	CodeModule
	CodeLimitsExceeded
	CodeNoLinearMemory
	CodeSymbolNotFound
	CodeFuncNotFound
	CodeRuntimeFault
	CodeRuntimeTerminated
	CodeDl
	CodeInternal
	CodeUnsupported
)

var codeNames = [...]string{
	CodeOK:                "ok",
	CodeInvalidArgument:   "invalid argument",
	CodeRegionFull:        "region full",
	CodeModule:            "invalid module",
	CodeLimitsExceeded:    "limits exceeded",
	CodeNoLinearMemory:    "no linear memory",
	CodeSymbolNotFound:    "symbol not found",
	CodeFuncNotFound:      "function not found",
	CodeRuntimeFault:      "runtime fault",
	CodeRuntimeTerminated: "runtime terminated",
	CodeDl:                "dynamic loading failed",
	CodeInternal:          "internal error",
	CodeUnsupported:       "unsupported",
}

func (c ErrorCode) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("error code %d", int(c))
}

// Error is every error this package returns: a kind, and a message that
// carries the numbers behind it ("region full: 16 of 16 slots in use").
type Error struct {
	Code ErrorCode
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrRegionFull) and friends match on the kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Msg == "" && t.Code == e.Code
}

// Sentinels for errors.Is; each matches every Error of its kind.
var (
	ErrInvalidArgument   = &Error{Code: CodeInvalidArgument}
	ErrRegionFull        = &Error{Code: CodeRegionFull}
	ErrModule            = &Error{Code: CodeModule}
	ErrLimitsExceeded    = &Error{Code: CodeLimitsExceeded}
	ErrNoLinearMemory    = &Error{Code: CodeNoLinearMemory}
	ErrSymbolNotFound    = &Error{Code: CodeSymbolNotFound}
	ErrFuncNotFound      = &Error{Code: CodeFuncNotFound}
	ErrRuntimeFault      = &Error{Code: CodeRuntimeFault}
	ErrRuntimeTerminated = &Error{Code: CodeRuntimeTerminated}
	ErrDl                = &Error{Code: CodeDl}
	ErrInternal          = &Error{Code: CodeInternal}
	ErrUnsupported       = &Error{Code: CodeUnsupported}
)

func errorf(code ErrorCode, format string, args ...any) error {
	return &Error{Code: code, Msg: code.String() + ": " + fmt.Sprintf(format, args...)}
}
