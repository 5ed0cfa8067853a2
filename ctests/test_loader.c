/*
 * test_loader.c: lucet_dl_module_load refuses everything that is not a
 * sound module, with the documented error and without crashing: files that
 * are not shared objects, objects without the descriptor, a foreign magic or
 * ABI version, counts and pointers that do not fit the object, inconsistent
 * tables and signatures, and imports it cannot resolve. A module importing a
 * global loads but cannot be instantiated.
 *
 * Guests: one bad_*.so per defect (each file says what is wrong with it),
 * and core_trivial.so as a sound module.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctest.h"

static char tmpdir[] = "/tmp/lucet-ctest-loader-XXXXXX";

/* Loads path expecting `want`; checks that *mod_out stays untouched and that
 * the message is non-empty and mentions `detail` (when not NULL). */
static void check_load_fails(const char *path, enum lucet_error want, const char *detail)
{
    struct lucet_dl_module *sentinel = (struct lucet_dl_module *)&sentinel;
    struct lucet_dl_module *mod = sentinel;
    enum lucet_error got = lucet_dl_module_load(path, &mod);

    if (got != want) {
        printf("    loading %s: %s, want %s (%s)\n", path, lucet_error_name(got),
               lucet_error_name(want), lucet_error_message());
        ctest_case_failed = 1;
        if (got == lucet_error_ok)
            lucet_dl_module_release(mod);
        return;
    }
    CHECK(mod == sentinel);
    CHECK(lucet_error_message()[0] != '\0');
    if (detail != NULL)
        CHECK_STR_CONTAINS(lucet_error_message(), detail);
}

static const char *temp_file(const char *name, const char *contents)
{
    static char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(contents, f);
        fclose(f);
    }
    return path;
}

static void text_file_is_not_a_shared_object(void)
{
    check_load_fails(temp_file("module.so", "this is a text file, not an ELF object\n"),
                     lucet_error_dl, NULL);
    check_load_fails(temp_file("empty.so", ""), lucet_error_dl, NULL);
    /* A file that starts like ELF but is cut short. */
    check_load_fails(temp_file("truncated.so", "\177ELF\002\001\001"), lucet_error_dl, NULL);
    check_load_fails(tmpdir, lucet_error_dl, NULL);
}

static void nonexistent_path(void)
{
    char path[512];

    snprintf(path, sizeof path, "%s/no-such-module.so", tmpdir);
    check_load_fails(path, lucet_error_dl, NULL);
    /* dlopen("") would open the main program: an empty path is refused first. */
    check_load_fails("", lucet_error_invalid_argument, "empty");
}

static void shared_object_without_descriptor(void)
{
    check_load_fails(ctest_guest_path("bad_no_descriptor.so"), lucet_error_dl, "lucet_module");
}

static void wrong_magic(void)
{
    check_load_fails(ctest_guest_path("bad_magic.so"), lucet_error_module, "magic");
}

static void wrong_abi_version(void)
{
    check_load_fails(ctest_guest_path("bad_abi.so"), lucet_error_module, "version");
}

/*
 * For the remaining module errors the message is checked for a word naming
 * the part at fault, to make sure the refusal is for the defect under test.
 */
static void function_count_too_large(void)
{
    check_load_fails(ctest_guest_path("bad_function_count.so"), lucet_error_module, "function");
}

static void export_array_past_the_object(void)
{
    check_load_fails(ctest_guest_path("bad_export_count.so"), lucet_error_module, "export");
}

static void function_code_in_data(void)
{
    check_load_fails(ctest_guest_path("bad_code_ptr.so"), lucet_error_module, "function 0");
}

static void function_code_past_the_object(void)
{
    check_load_fails(ctest_guest_path("bad_code_len.so"), lucet_error_module, "function 0");
}

static void export_of_missing_function(void)
{
    check_load_fails(ctest_guest_path("bad_export_func.so"), lucet_error_module, "ghost");
}

static void data_page_outside_the_object(void)
{
    check_load_fails(ctest_guest_path("bad_data_page.so"), lucet_error_module, "data page 1");
}

static void import_slot_in_read_only_memory(void)
{
    check_load_fails(ctest_guest_path("bad_import_slot.so"), lucet_error_module, "import");
    check_load_fails(ctest_guest_path("bad_import_slot_relro.so"), lucet_error_module, "import");
}

static void inconsistent_table(void)
{
    check_load_fails(ctest_guest_path("bad_table_sig.so"), lucet_error_module, "table");
}

static void start_function_with_result(void)
{
    check_load_fails(ctest_guest_path("bad_start_sig.so"), lucet_error_module, "start");
}

static void signature_array_missing(void)
{
    check_load_fails(ctest_guest_path("bad_signatures_null.so"), lucet_error_module, "signature");
}

static void heap_size_not_in_pages(void)
{
    check_load_fails(ctest_guest_path("bad_heap_initial.so"), lucet_error_module, "heap");
}

static void unresolvable_import(void)
{
    /* lucet.h promises the message names the import. */
    check_load_fails(ctest_guest_path("bad_import_missing.so"), lucet_error_symbol_not_found,
                     "ctest_nobody_defines_this");
    CHECK_STR_CONTAINS(lucet_error_message(), "ctest_host");
}

static void global_import_is_unsupported(void)
{
    struct lucet_dl_module *mod = NULL, *good = NULL;
    struct lucet_region *region = NULL;
    struct lucet_instance *sentinel = (struct lucet_instance *)&region;
    struct lucet_instance *inst = sentinel;

    CHECK_OK(lucet_dl_module_load(ctest_guest_path("bad_global_import.so"), &mod));
    CHECK_OK(lucet_dl_module_load(ctest_guest_path("core_trivial.so"), &good));
    CHECK_OK(lucet_mmap_region_create(1, NULL, &region));
    CHECK_ERR(lucet_region_new_instance(region, mod, &inst), lucet_error_unsupported);
    CHECK(inst == sentinel);
    CHECK_STR_CONTAINS(lucet_error_message(), "ctest_imported_global");
    /* The refusal left the only slot free. */
    CHECK_OK(lucet_region_new_instance(region, good, &inst));
    lucet_instance_release(inst);
    lucet_region_release(region);
    lucet_dl_module_release(good);
    lucet_dl_module_release(mod);
}

/* Two loads of one object are two handles; each can go on its own. */
static void same_object_loaded_twice(void)
{
    struct lucet_dl_module *a = NULL, *b = NULL;
    struct lucet_region *region = NULL;
    struct lucet_instance *inst = NULL;
    struct lucet_state st;

    CHECK_OK(lucet_dl_module_load(ctest_guest_path("core_trivial.so"), &a));
    CHECK_OK(lucet_dl_module_load(ctest_guest_path("core_trivial.so"), &b));
    CHECK(a != NULL && b != NULL && a != b);
    lucet_dl_module_release(a);
    CHECK_OK(lucet_mmap_region_create(1, NULL, &region));
    CHECK_OK(lucet_region_new_instance(region, b, &inst));
    CHECK_OK(lucet_instance_run(inst, "bump", 1, (struct lucet_val[]){ LUCET_VAL_I32(9) }));
    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned), 9);
    lucet_state_release(&st);
    lucet_instance_release(inst);
    lucet_region_release(region);
    lucet_dl_module_release(b);
}

static void cleanup(void)
{
    static const char *const names[] = { "module.so", "empty.so", "truncated.so" };
    char path[512];

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

int main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        printf("FAIL setup: mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    RUN_CASE(text_file_is_not_a_shared_object);
    RUN_CASE(nonexistent_path);
    RUN_CASE(shared_object_without_descriptor);
    RUN_CASE(wrong_magic);
    RUN_CASE(wrong_abi_version);
    RUN_CASE(function_count_too_large);
    RUN_CASE(export_array_past_the_object);
    RUN_CASE(function_code_in_data);
    RUN_CASE(function_code_past_the_object);
    RUN_CASE(export_of_missing_function);
    RUN_CASE(data_page_outside_the_object);
    RUN_CASE(import_slot_in_read_only_memory);
    RUN_CASE(inconsistent_table);
    RUN_CASE(start_function_with_result);
    RUN_CASE(signature_array_missing);
    RUN_CASE(heap_size_not_in_pages);
    RUN_CASE(unresolvable_import);
    RUN_CASE(global_import_is_unsupported);
    RUN_CASE(same_object_loaded_twice);
    cleanup();
    CTEST_EXIT();
}
