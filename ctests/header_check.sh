#!/bin/sh
# Checks that the public headers compile cleanly as C99, C11 and C++11 with
# -Wall -Wextra -pedantic -Werror, leave the includer's feature-test macros
# alone, and parse with pycparser (as binding generators read them), both
# against the system's C library headers and against the minimal stand-ins
# in ctests/fake_libc. Prints one "ok" or "FAIL" line per check and exits
# non-zero if any failed. Run from the repository root.
CC=${CC:-gcc}
CXX=${CXX:-g++}
PYTHON=${PYTHON:-python3}
INCLUDE=${INCLUDE:-include}
FAKE_LIBC=${FAKE_LIBC:-ctests/fake_libc}

failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lucet-header-check.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

# Runs a compiler command; on failure shows its output.
check_compile() {
    name=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then
        ok "$name"
    else
        fail "$name" "$*"
        sed 's/^/    /' "$tmp/out"
    fi
}

# A translation unit using every public header and the macros of lucet_val.h.
cat >"$tmp/use.c" <<'EOF'
#include "lucet.h"
#include "lucet.h"
#include "lucet_module.h"

int use_header(void);
int use_header(void)
{
    struct lucet_val args[] = { LUCET_VAL_I32(-1), LUCET_VAL_U64(2), LUCET_VAL_F32(1.0f),
                                LUCET_VAL_F64(2.0), LUCET_VAL_C_PTR(0), LUCET_VAL_BOOL(1) };
    struct lucet_untyped_retval rv = { { 0 }, { 0 } };
    const struct lucet_module *desc = 0;

    (void)desc;
    return LUCET_VAL_TO_I32(args[0]) + (int)LUCET_VAL_TO_U64(args[1]) +
           LUCET_UNTYPED_RETVAL_TO_I32(rv) + (LUCET_UNTYPED_RETVAL_TO_C_PTR(rv) != 0) +
           (int)LUCET_UNTYPED_RETVAL_TO_F64(rv) + (int)LUCET_WASM_PAGE_SIZE;
}
EOF
cp "$tmp/use.c" "$tmp/use.cc"

for std in c99 c11; do
    check_compile "compiles as $std -pedantic" \
        "$CC" -std=$std -Wall -Wextra -pedantic -Werror -I"$INCLUDE" -c -o "$tmp/use.o" "$tmp/use.c"
done
check_compile "compiles as c++11 -pedantic" \
    "$CXX" -std=c++11 -Wall -Wextra -pedantic -Werror -I"$INCLUDE" -c -o "$tmp/use.o" "$tmp/use.cc"

# lucet.h must not define feature-test macros: they would hide names (here
# MAP_ANONYMOUS, a default-source name) from an includer who did not ask,
# or reveal POSIX names (SA_SIGINFO) in strict C.
cat >"$tmp/features_default.c" <<'EOF'
#include "lucet.h"
#include <sys/mman.h>
int anonymous = MAP_ANONYMOUS;
EOF
check_compile "keeps default feature macros (gnu11)" \
    "$CC" -std=gnu11 -Wall -Werror -I"$INCLUDE" -c -o "$tmp/f.o" "$tmp/features_default.c"
cat >"$tmp/features_strict.c" <<'EOF'
#include "lucet.h"
#include <signal.h>
#ifdef SA_SIGINFO
#error "lucet.h turned on POSIX features in strict C99"
#endif
int strict_c99;
EOF
check_compile "reveals no POSIX names (strict c99)" \
    "$CC" -std=c99 -Wall -Werror -I"$INCLUDE" -c -o "$tmp/f.o" "$tmp/features_strict.c"
# In strict C99 the C library defines none of these itself.
cat >"$tmp/features_defined.c" <<'EOF'
#include "lucet.h"
#if defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) || defined(_DEFAULT_SOURCE) || \
    defined(_BSD_SOURCE) || defined(_SVID_SOURCE) || defined(_POSIX_SOURCE) ||     \
    defined(_POSIX_C_SOURCE)
#error "lucet.h defined a feature-test macro"
#endif
int no_feature_macros;
EOF
check_compile "defines no feature macros (strict c99)" \
    "$CC" -std=c99 -Wall -Werror -I"$INCLUDE" -c -o "$tmp/f.o" "$tmp/features_defined.c"

# Preprocess for pycparser: GNU extensions that pycparser does not know are
# defined away, as binding generators do.
printf '#include "lucet.h"\n' >"$tmp/parse.c"
GNU_AWAY="-D__attribute__(x)= -D__extension__= -D__restrict= -D__inline= -D__asm__(x)= -D__inline__="
preprocess() { # output, std, extra flags...
    out=$1
    std=$2
    shift 2
    # shellcheck disable=SC2086
    "$CC" -E -P -std=$std $GNU_AWAY "$@" -I"$INCLUDE" "$tmp/parse.c" >"$out" 2>"$tmp/out"
}
for std in c99 c11; do
    if preprocess "$tmp/system_$std.i" $std; then :; else
        fail "preprocess ($std, system headers)" "$(cat "$tmp/out")"
    fi
    if preprocess "$tmp/fake_$std.i" $std -nostdinc -I"$FAKE_LIBC"; then :; else
        fail "preprocess ($std, fake libc)" "$(cat "$tmp/out")"
    fi
done

"$PYTHON" - "$INCLUDE" "$tmp"/system_c99.i "$tmp"/system_c11.i "$tmp"/fake_c99.i "$tmp"/fake_c11.i <<'EOF' || failed=1
"""Parses preprocessed lucet.h with pycparser and compares what it finds with
the declarations in the header source and with the API's documented layouts."""
import os
import re
import sys

try:
    import pycparser
    from pycparser import c_ast
except ImportError:
    print("FAIL pycparser: the pycparser module is not installed for this python")
    sys.exit(1)

include_dir, inputs = sys.argv[1], sys.argv[2:]
source = ""
for name in ("lucet.h", "lucet_types.h", "lucet_val.h", "lucet_vmctx.h"):
    with open(os.path.join(include_dir, name)) as f:
        source += f.read()

# What the header source declares: exported functions and enums.
want_functions = set(re.findall(r"\bLUCET_API\b[^;{]*?\b(lucet_\w+)\s*\(", source))
want_enums = {
    name: re.findall(r"^\s*(\w+)\s*(?:=[^,]*)?,", body, re.M)
    for name, body in re.findall(r"\benum (lucet_\w+) \{([^}]*)\}", source)
}
# Struct members as Lucet's C API lays them out.
want_structs = {
    "lucet_val": ["ty", "inner_val"],
    "lucet_alloc_limits": ["heap_memory_size", "heap_address_space_size", "stack_size",
                           "globals_size"],
    "lucet_untyped_retval": ["fp", "gp"],
    "lucet_state": ["tag", "val"],
    "lucet_terminated": ["reason", "provided"],
    "lucet_trapcode": ["code", "tag"],
    "lucet_runtime_fault": ["fatal", "trapcode", "rip_addr", "rip_addr_details", "signal_info",
                            "context"],
    "lucet_module_addr_details": ["module_code_resolvable", "in_module_code", "file_name",
                                  "sym_name"],
}


class Collector(c_ast.NodeVisitor):
    def __init__(self):
        self.functions, self.enums, self.structs = set(), {}, {}

    def visit_Decl(self, node):
        if isinstance(node.type, c_ast.FuncDecl) and node.name:
            self.functions.add(node.name)
        self.generic_visit(node)

    def visit_Enum(self, node):
        if node.name and node.values is not None:
            self.enums[node.name] = [e.name for e in node.values.enumerators]

    def visit_Struct(self, node):
        if node.name and node.decls is not None:
            self.structs[node.name] = [d.name for d in node.decls]
        self.generic_visit(node)


failed = False


def report(ok, name, why=""):
    global failed
    print(("ok " if ok else "FAIL ") + name + ("" if ok else ": " + why))
    failed = failed or not ok


if not want_functions or not want_enums:
    report(False, "reading the header source", "no LUCET_API functions or enums found")
for path in inputs:
    label = os.path.basename(path).replace(".i", "").replace("_", " headers, ")
    try:
        with open(path) as f:
            ast = pycparser.CParser().parse(f.read(), path)
    except Exception as e:  # pycparser raises ParseError, or others on odd input
        report(False, "pycparser parses lucet.h (%s)" % label, str(e))
        continue
    report(True, "pycparser parses lucet.h (%s)" % label)
    seen = Collector()
    seen.visit(ast)
    missing = sorted(want_functions - seen.functions)
    report(not missing, "all %d functions declared (%s)" % (len(want_functions), label),
           "missing " + ", ".join(missing))
    bad = [n for n, values in want_enums.items() if seen.enums.get(n) != values]
    report(not bad, "all %d enums complete (%s)" % (len(want_enums), label),
           "differ: " + ", ".join(bad))
    bad = [n for n, fields in want_structs.items() if seen.structs.get(n) != fields]
    report(not bad, "struct layouts (%s)" % label, "differ: " + ", ".join(bad))
sys.exit(1 if failed else 0)
EOF

exit $failed
