/*
 * loader.c: what the module loader needs from the dynamic linker: opening an
 * object and the address ranges of its segments, so that every pointer in a
 * descriptor can be checked before it is followed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "loader.h"
#include "lucet_vmctx.h"

struct segment_search {
    const struct link_map *map;
    struct lucet_segment *out;
    int max;
    int count;
    int found;
};

static int collect_segments(struct dl_phdr_info *info, size_t size, void *data)
{
    struct segment_search *s = data;

    (void)size;
    if (info->dlpi_addr != s->map->l_addr || info->dlpi_name == NULL ||
        strcmp(info->dlpi_name, s->map->l_name) != 0)
        return 0;
    s->found = 1;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uint32_t flags = 0;

        if (ph->p_type == PT_LOAD)
            flags = (ph->p_flags & PF_R ? LUCET_SEGMENT_READ : 0) |
                    (ph->p_flags & PF_W ? LUCET_SEGMENT_WRITE : 0) |
                    (ph->p_flags & PF_X ? LUCET_SEGMENT_EXEC : 0);
        else if (ph->p_type == PT_GNU_RELRO)
            flags = LUCET_SEGMENT_RELRO;
        else
            continue;
        if (s->count < s->max) {
            s->out[s->count].start = info->dlpi_addr + ph->p_vaddr;
            s->out[s->count].end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
            s->out[s->count].flags = flags;
        }
        s->count++;
    }
    return 1;
}

int lucet_loader_segments(void *handle, struct lucet_segment *out, int max)
{
    struct link_map *map = NULL;
    struct segment_search search = { .out = out, .max = max };

    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == NULL)
        return -1;
    search.map = map;
    dl_iterate_phdr(collect_segments, &search);
    return search.found ? search.count : -1;
}

/*
 * Guest modules call the lucet_vmctx_* functions by name, and the dynamic
 * linker resolves those in the global scope. A host that loaded liblucet
 * with RTLD_LOCAL (Python's ctypes does, by default) left it out of that
 * scope; opening it again with RTLD_NOLOAD | RTLD_GLOBAL puts it in,
 * without loading anything. When this code is linked into a program rather
 * than a library, the program is already global and this changes nothing.
 */
static void make_runtime_global(void)
{
    Dl_info self;

    if (dladdr((void *)lucet_vmctx_get_heap, &self) != 0 && self.dli_fname != NULL)
        dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
}

void *lucet_loader_open(const char *path, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    void *handle;

    pthread_once(&once, make_runtime_global);
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);

    if (handle == NULL) {
        const char *msg = dlerror();
        snprintf(err, errlen, "%s", msg != NULL ? msg : "dlopen failed");
    }
    return handle;
}

void *lucet_loader_symbol(void *handle, const char *name)
{
    return dlsym(handle, name);
}

void *lucet_loader_global_symbol(const char *name)
{
    return dlsym(RTLD_DEFAULT, name);
}

void lucet_loader_close(void *handle)
{
    dlclose(handle);
}
