/*
 * lucet_val.h: building typed arguments and reading untyped results.
 *
 *     struct lucet_val args[] = { LUCET_VAL_U32(2), LUCET_VAL_F64(0.5) };
 *     if (lucet_instance_run(inst, "scale", 2, args) == lucet_error_ok) {
 *         struct lucet_state st;
 *         lucet_instance_state(inst, &st);
 *         double r = LUCET_UNTYPED_RETVAL_TO_F64(st.val.returned);
 *         lucet_state_release(&st);
 *     }
 *
 * In C the LUCET_VAL_* macros are compound literals; C++ has none, so there
 * they call inline functions of the same meaning.
 */
#ifndef LUCET_VAL_H
#define LUCET_VAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lucet_types.h"
#include "lucet_vmctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Returns rax of a returned run, as the union of its integer views. */
LUCET_API union lucet_retval_gp lucet_retval_gp(const struct lucet_untyped_retval *retval);

/* Returns the low 32 bits of xmm0 of a returned run as a float. */
LUCET_API float lucet_retval_f32(const struct lucet_untyped_retval *retval);

/* Returns the low 64 bits of xmm0 of a returned run as a double. */
LUCET_API double lucet_retval_f64(const struct lucet_untyped_retval *retval);

#ifdef __cplusplus
}

inline struct lucet_val lucet_val_make_u64(enum lucet_val_type ty, uint64_t x)
{
    struct lucet_val v;
    v.ty = ty;
    v.inner_val.as_u64 = x;
    return v;
}

inline struct lucet_val lucet_val_make_i64(enum lucet_val_type ty, int64_t x)
{
    struct lucet_val v;
    v.ty = ty;
    v.inner_val.as_i64 = x;
    return v;
}

inline struct lucet_val lucet_val_make_c_ptr(void *x)
{
    struct lucet_val v;
    v.ty = lucet_val_type_c_ptr;
    v.inner_val.as_c_ptr = x;
    return v;
}

inline struct lucet_val lucet_val_make_f32(float x)
{
    struct lucet_val v;
    v.ty = lucet_val_type_f32;
    v.inner_val.as_u64 = 0;
    v.inner_val.as_f32 = x;
    return v;
}

inline struct lucet_val lucet_val_make_f64(double x)
{
    struct lucet_val v;
    v.ty = lucet_val_type_f64;
    v.inner_val.as_f64 = x;
    return v;
}

#define LUCET_VAL_C_PTR(X) lucet_val_make_c_ptr(X)
#define LUCET_VAL_GUEST_PTR(X) lucet_val_make_u64(lucet_val_type_guest_ptr, (X))
#define LUCET_VAL_U8(X) lucet_val_make_u64(lucet_val_type_u8, (X))
#define LUCET_VAL_U16(X) lucet_val_make_u64(lucet_val_type_u16, (X))
#define LUCET_VAL_U32(X) lucet_val_make_u64(lucet_val_type_u32, (X))
#define LUCET_VAL_U64(X) lucet_val_make_u64(lucet_val_type_u64, (X))
#define LUCET_VAL_I8(X) lucet_val_make_i64(lucet_val_type_i8, (X))
#define LUCET_VAL_I16(X) lucet_val_make_i64(lucet_val_type_i16, (X))
#define LUCET_VAL_I32(X) lucet_val_make_i64(lucet_val_type_i32, (X))
#define LUCET_VAL_I64(X) lucet_val_make_i64(lucet_val_type_i64, (X))
#define LUCET_VAL_USIZE(X) lucet_val_make_u64(lucet_val_type_usize, (X))
#define LUCET_VAL_ISIZE(X) lucet_val_make_i64(lucet_val_type_isize, (X))
#define LUCET_VAL_BOOL(X) lucet_val_make_u64(lucet_val_type_bool, (X))
#define LUCET_VAL_F32(X) lucet_val_make_f32(X)
#define LUCET_VAL_F64(X) lucet_val_make_f64(X)

#else /* C */

/* A struct lucet_val of type lucet_val_type_T whose member C holds X. */
#define LUCET_VAL_T(T, C, X) \
    ((struct lucet_val[1]){ { .ty = lucet_val_type_##T, .inner_val.C = (X) } }[0])

#define LUCET_VAL_C_PTR(X) LUCET_VAL_T(c_ptr, as_c_ptr, X)
#define LUCET_VAL_GUEST_PTR(X) LUCET_VAL_T(guest_ptr, as_u64, X)
#define LUCET_VAL_U8(X) LUCET_VAL_T(u8, as_u64, X)
#define LUCET_VAL_U16(X) LUCET_VAL_T(u16, as_u64, X)
#define LUCET_VAL_U32(X) LUCET_VAL_T(u32, as_u64, X)
#define LUCET_VAL_U64(X) LUCET_VAL_T(u64, as_u64, X)
#define LUCET_VAL_I8(X) LUCET_VAL_T(i8, as_i64, X)
#define LUCET_VAL_I16(X) LUCET_VAL_T(i16, as_i64, X)
#define LUCET_VAL_I32(X) LUCET_VAL_T(i32, as_i64, X)
#define LUCET_VAL_I64(X) LUCET_VAL_T(i64, as_i64, X)
#define LUCET_VAL_USIZE(X) LUCET_VAL_T(usize, as_u64, X)
#define LUCET_VAL_ISIZE(X) LUCET_VAL_T(isize, as_i64, X)
#define LUCET_VAL_BOOL(X) LUCET_VAL_T(bool, as_u64, X)
#define LUCET_VAL_F32(X) LUCET_VAL_T(f32, as_f32, X)
#define LUCET_VAL_F64(X) LUCET_VAL_T(f64, as_f64, X)

#endif /* __cplusplus */

/* Reading a struct lucet_val back as a C type. */
#define LUCET_VAL_TO_T(T, C, V) ((T)((V).inner_val.C))

#define LUCET_VAL_TO_C_PTR(X) LUCET_VAL_TO_T(void *, as_c_ptr, X)
#define LUCET_VAL_TO_GUEST_PTR(X) LUCET_VAL_TO_T(guest_ptr_t, as_u64, X)
#define LUCET_VAL_TO_U8(X) LUCET_VAL_TO_T(uint8_t, as_u64, X)
#define LUCET_VAL_TO_U16(X) LUCET_VAL_TO_T(uint16_t, as_u64, X)
#define LUCET_VAL_TO_U32(X) LUCET_VAL_TO_T(uint32_t, as_u64, X)
#define LUCET_VAL_TO_U64(X) LUCET_VAL_TO_T(uint64_t, as_u64, X)
#define LUCET_VAL_TO_I8(X) LUCET_VAL_TO_T(int8_t, as_i64, X)
#define LUCET_VAL_TO_I16(X) LUCET_VAL_TO_T(int16_t, as_i64, X)
#define LUCET_VAL_TO_I32(X) LUCET_VAL_TO_T(int32_t, as_i64, X)
#define LUCET_VAL_TO_I64(X) LUCET_VAL_TO_T(int64_t, as_i64, X)
#define LUCET_VAL_TO_USIZE(X) LUCET_VAL_TO_T(size_t, as_u64, X)
#define LUCET_VAL_TO_ISIZE(X) LUCET_VAL_TO_T(ssize_t, as_i64, X)
#define LUCET_VAL_TO_BOOL(X) LUCET_VAL_TO_T(bool, as_u64, X)
#define LUCET_VAL_TO_F32(X) LUCET_VAL_TO_T(float, as_f32, X)
#define LUCET_VAL_TO_F64(X) LUCET_VAL_TO_T(double, as_f64, X)

/* Reading the struct lucet_untyped_retval of a returned run as a C type. */
#define LUCET_UNTYPED_RETVAL_TO_GP_T(T, C, X) ((T)lucet_retval_gp(&(X)).C)

#define LUCET_UNTYPED_RETVAL_TO_C_PTR(X) LUCET_UNTYPED_RETVAL_TO_GP_T(void *, as_c_ptr, X)
#define LUCET_UNTYPED_RETVAL_TO_GUEST_PTR(X) LUCET_UNTYPED_RETVAL_TO_GP_T(guest_ptr_t, as_u64, X)
#define LUCET_UNTYPED_RETVAL_TO_U8(X) LUCET_UNTYPED_RETVAL_TO_GP_T(uint8_t, as_u64, X)
#define LUCET_UNTYPED_RETVAL_TO_U16(X) LUCET_UNTYPED_RETVAL_TO_GP_T(uint16_t, as_u64, X)
#define LUCET_UNTYPED_RETVAL_TO_U32(X) LUCET_UNTYPED_RETVAL_TO_GP_T(uint32_t, as_u64, X)
#define LUCET_UNTYPED_RETVAL_TO_U64(X) LUCET_UNTYPED_RETVAL_TO_GP_T(uint64_t, as_u64, X)
#define LUCET_UNTYPED_RETVAL_TO_I8(X) LUCET_UNTYPED_RETVAL_TO_GP_T(int8_t, as_i64, X)
#define LUCET_UNTYPED_RETVAL_TO_I16(X) LUCET_UNTYPED_RETVAL_TO_GP_T(int16_t, as_i64, X)
#define LUCET_UNTYPED_RETVAL_TO_I32(X) LUCET_UNTYPED_RETVAL_TO_GP_T(int32_t, as_i64, X)
#define LUCET_UNTYPED_RETVAL_TO_I64(X) LUCET_UNTYPED_RETVAL_TO_GP_T(int64_t, as_i64, X)
#define LUCET_UNTYPED_RETVAL_TO_USIZE(X) LUCET_UNTYPED_RETVAL_TO_GP_T(size_t, as_u64, X)
#define LUCET_UNTYPED_RETVAL_TO_ISIZE(X) LUCET_UNTYPED_RETVAL_TO_GP_T(ssize_t, as_i64, X)
#define LUCET_UNTYPED_RETVAL_TO_BOOL(X) LUCET_UNTYPED_RETVAL_TO_GP_T(bool, as_u64, X)
#define LUCET_UNTYPED_RETVAL_TO_F32(X) lucet_retval_f32(&(X))
#define LUCET_UNTYPED_RETVAL_TO_F64(X) lucet_retval_f64(&(X))

#endif /* LUCET_VAL_H */
