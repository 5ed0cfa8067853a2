#!/bin/sh
# Runs each C test program given as an argument, from the repository root,
# and ends with a summary line; exits non-zero if any program failed.
BUILD=${BUILD:-build}
LUCET_TEST_GUESTS=${LUCET_TEST_GUESTS:-$BUILD/ctests/guests}
export LUCET_TEST_GUESTS
passed=0
failed=0
for t in "$@"; do
    echo "== $t"
    if "$t"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $t (exit status $?)"
        failed=$((failed + 1))
    fi
done
echo "C tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
