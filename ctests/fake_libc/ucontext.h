/* Fake <ucontext.h> for parsing the public headers; see README. */
#include "sys/ucontext.h"
