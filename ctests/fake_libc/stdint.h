/* Fake <stdint.h> for parsing the public headers; see README. */
#ifndef FAKE_LIBC_STDINT_H
#define FAKE_LIBC_STDINT_H
typedef signed char int8_t;
typedef short int16_t;
typedef int int32_t;
typedef long int64_t;
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef long intptr_t;
typedef unsigned long uintptr_t;
#define INT64_C(c) c##L
#define UINT64_C(c) c##UL
#define UINT32_MAX 4294967295U
#endif
