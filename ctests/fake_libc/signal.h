/* Fake <signal.h> for parsing the public headers; see README. */
#include "bits/types/siginfo_t.h"
