#!/bin/sh
# Installs the library into a temporary prefix and builds the demo against
# the installed copy through pkg-config, as a user of the package would;
# then runs it. Prints one ok/FAIL line per step and exits non-zero on
# failure.
set -u
BUILD=${BUILD:-build}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
status=0

step() {
    name=$1
    shift
    if out=$("$@" 2>&1); then
        echo "ok $name"
    else
        echo "FAIL $name"
        echo "$out" | sed 's/^/    /'
        status=1
    fi
}

step "make install" make -s install PREFIX="$prefix"
for f in lib/liblucet.so lib/liblucet.so.0 include/lucet.h include/lucet_module.h lib/pkgconfig/lucet.pc; do
    step "installed $f" test -e "$prefix/$f"
done
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
step "pkg-config finds lucet" pkg-config --exists lucet
step "demo builds against the installed library" \
    sh -c "cc -std=c11 -Wall -Wextra -Werror examples/demo.c -o '$prefix/demo' \$(pkg-config --cflags --libs lucet)"
step "demo runs against the installed library" \
    sh -c "LD_LIBRARY_PATH='$prefix/lib' '$prefix/demo' '$BUILD/examples/guest.so' | grep -q 'caught: heap out of bounds'"
step "soname is liblucet.so.0" \
    sh -c "readelf -d '$prefix/lib/liblucet.so.0' | grep -q 'SONAME.*liblucet.so.0'"
exit $status
