/* Fake <sys/ucontext.h> for parsing the public headers; see README. */
#ifndef FAKE_LIBC_SYS_UCONTEXT_H
#define FAKE_LIBC_SYS_UCONTEXT_H
typedef struct {
    unsigned long opaque[121];
} ucontext_t;
#endif
