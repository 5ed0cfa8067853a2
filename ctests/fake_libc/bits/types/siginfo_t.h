/* Fake glibc <bits/types/siginfo_t.h> for parsing the public headers; see README. */
#ifndef FAKE_LIBC_SIGINFO_T_H
#define FAKE_LIBC_SIGINFO_T_H
typedef struct {
    int si_signo;
    int si_errno;
    int si_code;
    int pad;
    long opaque[14];
} siginfo_t;
#endif
