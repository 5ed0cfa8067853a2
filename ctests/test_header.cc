/*
 * test_header.cc: lucet.h from C++. The header is included twice (its
 * guards must hold), its declarations must have C linkage (this program links
 * against the C library), and the LUCET_VAL_* and LUCET_UNTYPED_RETVAL_TO_*
 * macros must work without C's compound literals. Runs core_trivial.so.
 */
#include "lucet.h"
#include "lucet.h"
#include "lucet_types.h"
#include "lucet_val.h"
#include "lucet_vmctx.h"

#include <string>

#include "ctest.h"

/* The C structs keep their layout in C++. */
static_assert(sizeof(struct lucet_val) == 16, "struct lucet_val layout");
static_assert(sizeof(struct lucet_untyped_retval) == 24, "struct lucet_untyped_retval layout");

static struct lucet_dl_module *mod;
static struct lucet_region *region;
static struct lucet_instance *inst;

static void value_macros(void)
{
    int object = 0;
    struct lucet_val v;

    v = LUCET_VAL_I32(-5);
    CHECK_EQ_INT(v.ty, lucet_val_type_i32);
    CHECK_EQ_INT(LUCET_VAL_TO_I32(v), -5);
    v = LUCET_VAL_U64(UINT64_C(0xfedcba9876543210));
    CHECK_EQ_INT(v.ty, lucet_val_type_u64);
    CHECK_EQ_U64(LUCET_VAL_TO_U64(v), UINT64_C(0xfedcba9876543210));
    v = LUCET_VAL_F32(1.25f);
    CHECK_EQ_INT(v.ty, lucet_val_type_f32);
    CHECK(LUCET_VAL_TO_F32(v) == 1.25f);
    v = LUCET_VAL_F64(-2.5);
    CHECK_EQ_INT(v.ty, lucet_val_type_f64);
    CHECK(LUCET_VAL_TO_F64(v) == -2.5);
    v = LUCET_VAL_C_PTR(&object);
    CHECK_EQ_INT(v.ty, lucet_val_type_c_ptr);
    CHECK(LUCET_VAL_TO_C_PTR(v) == &object);
    v = LUCET_VAL_BOOL(true);
    CHECK_EQ_INT(v.ty, lucet_val_type_bool);
    CHECK(LUCET_VAL_TO_BOOL(v));
    v = LUCET_VAL_GUEST_PTR(0x1000u);
    CHECK_EQ_INT(v.ty, lucet_val_type_guest_ptr);
    CHECK_EQ_U64(LUCET_VAL_TO_GUEST_PTR(v), 0x1000u);
    CHECK_EQ_INT(LUCET_VAL_U8(200).ty, lucet_val_type_u8);
    CHECK_EQ_INT(LUCET_VAL_U16(2).ty, lucet_val_type_u16);
    CHECK_EQ_INT(LUCET_VAL_U32(2).ty, lucet_val_type_u32);
    CHECK_EQ_INT(LUCET_VAL_I8(-2).ty, lucet_val_type_i8);
    CHECK_EQ_INT(LUCET_VAL_I16(-2).ty, lucet_val_type_i16);
    CHECK_EQ_INT(LUCET_VAL_I64(-2).ty, lucet_val_type_i64);
    CHECK_EQ_INT(LUCET_VAL_USIZE(2).ty, lucet_val_type_usize);
    CHECK_EQ_INT(LUCET_VAL_ISIZE(-2).ty, lucet_val_type_isize);
}

static void run_guest(void)
{
    struct lucet_val bump_arg[] = { LUCET_VAL_I32(-7) };
    struct lucet_val scale_args[] = { LUCET_VAL_I64(INT64_C(1) << 40), LUCET_VAL_F64(0.25) };
    struct lucet_state st;

    CHECK_OK(lucet_instance_run(inst, "bump", 1, bump_arg));
    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(st.tag, lucet_state_tag_returned);
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned), -7);
    CHECK_EQ_U64(LUCET_UNTYPED_RETVAL_TO_U32(st.val.returned), 0xfffffff9u);
    lucet_state_release(&st);

    CHECK_OK(lucet_instance_run(inst, "scale", 2, scale_args));
    CHECK_OK(lucet_instance_state(inst, &st));
    CHECK_EQ_INT(LUCET_UNTYPED_RETVAL_TO_I64(st.val.returned), INT64_C(1) << 38);
    CHECK_EQ_U64(LUCET_UNTYPED_RETVAL_TO_U64(st.val.returned), UINT64_C(1) << 38);
    CHECK(LUCET_UNTYPED_RETVAL_TO_C_PTR(st.val.returned) == (void *)((uintptr_t)1 << 38));
    lucet_state_release(&st);

    CHECK(std::string(lucet_error_name(lucet_error_region_full)) == "lucet_error_region_full");
    CHECK(std::string(lucet_state_tag_name(lucet_state_tag_fault)) == "lucet_state_tag_fault");
}

int main()
{
    if (!ctest_setup_instance("core_trivial.so", 1, &mod, &region, &inst))
        return 1;
    RUN_CASE(value_macros);
    RUN_CASE(run_guest);
    ctest_teardown_instance(mod, region, inst);
    CTEST_EXIT();
}
