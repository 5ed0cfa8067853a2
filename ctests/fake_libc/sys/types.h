/* Fake <sys/types.h> for parsing the public headers; see README. */
#ifndef FAKE_LIBC_SYS_TYPES_H
#define FAKE_LIBC_SYS_TYPES_H
typedef long ssize_t;
#endif
