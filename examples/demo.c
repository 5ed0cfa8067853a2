/*
 * demo.c: loads the guest module, runs an export with arguments, prints the
 * result and what the guest wrote into its heap, then shows a guest fault
 * (a read past the end of the heap) coming back as an error.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lucet.h"

static int check(enum lucet_error err, const char *what)
{
    if (err != lucet_error_ok) {
        fprintf(stderr, "%s: %s: %s\n", what, lucet_error_name(err), lucet_error_message());
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "build/examples/guest.so";
    struct lucet_dl_module *mod;
    struct lucet_region *region;
    struct lucet_instance *inst;
    struct lucet_state state;
    enum lucet_error err;
    char description[LUCET_FAULT_DESCRIPTION_MAX];

    if (!check(lucet_dl_module_load(path, &mod), "load module") ||
        !check(lucet_mmap_region_create(4, NULL, &region), "create region") ||
        !check(lucet_region_new_instance(region, mod, &inst), "create instance"))
        return 1;

    /* A normal run: arguments in, a result and heap contents out. */
    struct lucet_val args[] = { LUCET_VAL_I32(20), LUCET_VAL_I32(256) };
    if (!check(lucet_instance_run(inst, "factorial_to_heap", 2, args), "run factorial_to_heap") ||
        !check(lucet_instance_state(inst, &state), "state"))
        return 1;
    printf("factorial_to_heap(20, 256) returned %lld\n",
           (long long)LUCET_UNTYPED_RETVAL_TO_I64(state.val.returned));
    printf("the guest wrote at heap offset 256: \"%s\"\n", (char *)lucet_instance_heap(inst) + 256);
    lucet_state_release(&state);

    /* A guest fault: a read one byte past the 64 KiB heap. */
    uint32_t past_end = lucet_instance_heap_len(inst);
    err = lucet_instance_run(inst, "peek", 1, (struct lucet_val[]){ LUCET_VAL_I32((int32_t)past_end) });
    printf("peek(%u) -> %s\n", past_end, lucet_error_name(err));
    if (err == lucet_error_runtime_fault &&
        lucet_instance_fault_describe(inst, description, sizeof description) == lucet_error_ok)
        printf("caught: %s\n", description);

    /* The instance is still usable after a non-fatal fault. */
    err = lucet_instance_run(inst, "peek", 1, (struct lucet_val[]){ LUCET_VAL_I32(256) });
    if (check(err, "run peek") && check(lucet_instance_state(inst, &state), "state"))
        printf("peek(256) after the fault returned '%c'\n",
               (char)LUCET_UNTYPED_RETVAL_TO_I32(state.val.returned));

    lucet_instance_release(inst);
    lucet_region_release(region);
    lucet_dl_module_release(mod);
    return err == lucet_error_ok ? 0 : 1;
}
