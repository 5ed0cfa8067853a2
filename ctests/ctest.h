/*
 * ctest.h: a few macros for the C test programs. Each program runs its cases
 * in order, prints one line per case ("ok <name>" or "FAIL <name>: <why>")
 * and exits non-zero if any case failed.
 */
#ifndef LUCET_CTEST_H
#define LUCET_CTEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lucet.h"

static int ctest_failures;
static int ctest_case_failed;

/* Directory holding the guest modules; set by ctests/run.sh. */
static inline const char *ctest_guest_path(const char *name)
{
    static char path[4096];
    const char *dir = getenv("LUCET_TEST_GUESTS");

    snprintf(path, sizeof path, "%s/%s", dir != NULL ? dir : "build/ctests/guests", name);
    return path;
}

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            printf("    %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            ctest_case_failed = 1;                                                        \
        }                                                                                 \
    } while (0)

#define CHECK_EQ_INT(got, want)                                                           \
    do {                                                                                  \
        long long ctest_g_ = (long long)(got), ctest_w_ = (long long)(want);              \
        if (ctest_g_ != ctest_w_) {                                                       \
            printf("    %s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got,        \
                   ctest_g_, ctest_w_);                                                   \
            ctest_case_failed = 1;                                                        \
        }                                                                                 \
    } while (0)

#define CHECK_EQ_U64(got, want)                                                           \
    do {                                                                                  \
        uint64_t ctest_g_ = (uint64_t)(got), ctest_w_ = (uint64_t)(want);                 \
        if (ctest_g_ != ctest_w_) {                                                       \
            printf("    %s:%d: %s is %#" PRIx64 ", want %#" PRIx64 "\n", __FILE__,        \
                   __LINE__, #got, ctest_g_, ctest_w_);                                   \
            ctest_case_failed = 1;                                                        \
        }                                                                                 \
    } while (0)

/* Checks that a call returns the wanted lucet_error, naming both on failure. */
#define CHECK_ERR(call, want)                                                             \
    do {                                                                                  \
        enum lucet_error ctest_e_ = (call);                                               \
        if (ctest_e_ != (want)) {                                                         \
            printf("    %s:%d: %s returned %s, want %s (%s)\n", __FILE__, __LINE__, #call, \
                   lucet_error_name(ctest_e_), lucet_error_name(want),                    \
                   lucet_error_message());                                                \
            ctest_case_failed = 1;                                                        \
        }                                                                                 \
    } while (0)

#define CHECK_OK(call) CHECK_ERR(call, lucet_error_ok)

#define CHECK_STR_CONTAINS(haystack, needle)                                              \
    do {                                                                                  \
        const char *ctest_h_ = (haystack);                                                \
        if (ctest_h_ == NULL || strstr(ctest_h_, (needle)) == NULL) {                     \
            printf("    %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,     \
                   ctest_h_ ? ctest_h_ : "(null)", (needle));                             \
            ctest_case_failed = 1;                                                        \
        }                                                                                 \
    } while (0)

/* Runs one case: a void function taking no arguments. */
#define RUN_CASE(fn)                                                                      \
    do {                                                                                  \
        ctest_case_failed = 0;                                                            \
        fn();                                                                             \
        printf("%s %s\n", ctest_case_failed ? "FAIL" : "ok", #fn);                        \
        fflush(stdout);                                                                   \
        ctest_failures += ctest_case_failed;                                              \
    } while (0)

#define CTEST_EXIT() return ctest_failures == 0 ? 0 : 1

#endif /* LUCET_CTEST_H */
