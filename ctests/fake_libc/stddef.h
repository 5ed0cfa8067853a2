/* Fake <stddef.h> for parsing the public headers; see README. */
#ifndef FAKE_LIBC_STDDEF_H
#define FAKE_LIBC_STDDEF_H
typedef unsigned long size_t;
typedef long ptrdiff_t;
#define NULL ((void *)0)
#endif
