/* loader.h: dynamic-linker helpers for the module loader; see loader.c. */
#ifndef LUCET_CORE_LOADER_H
#define LUCET_CORE_LOADER_H

#include <stddef.h>
#include <stdint.h>

#define LUCET_SEGMENT_READ 1u
#define LUCET_SEGMENT_WRITE 2u
#define LUCET_SEGMENT_EXEC 4u
/* Read-only after relocation, whatever its PT_LOAD says. */
#define LUCET_SEGMENT_RELRO 8u

struct lucet_segment {
    uintptr_t start;
    uintptr_t end;
    uint32_t flags;
};

/* Opens path with RTLD_NOW | RTLD_LOCAL, or writes dlerror() into err. */
void *lucet_loader_open(const char *path, char *err, size_t errlen);
void *lucet_loader_symbol(void *handle, const char *name);
/* Looks name up among the process's global symbols. */
void *lucet_loader_global_symbol(const char *name);
void lucet_loader_close(void *handle);

/*
 * Writes up to max PT_LOAD and PT_GNU_RELRO ranges of the object behind
 * handle into out; returns how many there are (possibly more than max), or -1.
 */
int lucet_loader_segments(void *handle, struct lucet_segment *out, int max);

#endif /* LUCET_CORE_LOADER_H */
