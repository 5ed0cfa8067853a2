/*
 * bad_no_descriptor.c: a well-formed shared object with a function but no
 * `lucet_module` descriptor. The loader must refuse it (lucet_error_dl).
 */
#include <stdint.h>

int32_t not_a_module(int32_t x)
{
    return x + 1;
}
