/* Fake <stdbool.h> for parsing the public headers; see README. */
#ifndef FAKE_LIBC_STDBOOL_H
#define FAKE_LIBC_STDBOOL_H
#define bool _Bool
#define true 1
#define false 0
#endif
