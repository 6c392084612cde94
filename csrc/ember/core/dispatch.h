// dispatch.h — run a generic lambda with `scalar_t` bound to the C++ type of a runtime dtype.
// EMBER_DISPATCH_ALL covers the ten dtypes; the narrower forms keep template instantiations
// (and compile time) down for ops that only make sense on some types.
#pragma once
#include "ember/core/dtype.h"
#include "ember/core/error.h"

#define EMBER_DT_CASE(ENUM, T, ...) case ::ember::DType::ENUM: { using scalar_t = T; __VA_ARGS__(); break; }
#define EMBER_DT_FAIL(dt, op) default: EMBER_FAIL_KIND(Runtime, op, "not implemented for dtype ", ::ember::dtype_name(dt));

#define EMBER_DISPATCH_FLOAT(dt, op, ...) do { switch (dt) {                   \
    EMBER_DT_CASE(Float32, float, __VA_ARGS__) EMBER_DT_CASE(Float64, double, __VA_ARGS__)     \
    EMBER_DT_CASE(Float16, ::ember::Half, __VA_ARGS__) EMBER_DT_CASE(BFloat16, ::ember::BFloat16, __VA_ARGS__) \
    EMBER_DT_FAIL(dt, op) } } while (0)

#define EMBER_DISPATCH_INT(dt, op, ...) do { switch (dt) {                     \
    EMBER_DT_CASE(UInt8, uint8_t, __VA_ARGS__) EMBER_DT_CASE(Int8, int8_t, __VA_ARGS__)         \
    EMBER_DT_CASE(Int16, int16_t, __VA_ARGS__) EMBER_DT_CASE(Int32, int32_t, __VA_ARGS__)       \
    EMBER_DT_CASE(Int64, int64_t, __VA_ARGS__) EMBER_DT_FAIL(dt, op) } } while (0)

#define EMBER_DISPATCH_INT_BOOL(dt, op, ...) do { switch (dt) {                \
    EMBER_DT_CASE(Bool, bool, __VA_ARGS__)                                                        \
    EMBER_DT_CASE(UInt8, uint8_t, __VA_ARGS__) EMBER_DT_CASE(Int8, int8_t, __VA_ARGS__)         \
    EMBER_DT_CASE(Int16, int16_t, __VA_ARGS__) EMBER_DT_CASE(Int32, int32_t, __VA_ARGS__)       \
    EMBER_DT_CASE(Int64, int64_t, __VA_ARGS__) EMBER_DT_FAIL(dt, op) } } while (0)

// All numeric types (no bool).
#define EMBER_DISPATCH_NUMERIC(dt, op, ...) do { switch (dt) {                 \
    EMBER_DT_CASE(UInt8, uint8_t, __VA_ARGS__) EMBER_DT_CASE(Int8, int8_t, __VA_ARGS__)         \
    EMBER_DT_CASE(Int16, int16_t, __VA_ARGS__) EMBER_DT_CASE(Int32, int32_t, __VA_ARGS__)       \
    EMBER_DT_CASE(Int64, int64_t, __VA_ARGS__)                                                    \
    EMBER_DT_CASE(Float32, float, __VA_ARGS__) EMBER_DT_CASE(Float64, double, __VA_ARGS__)     \
    EMBER_DT_CASE(Float16, ::ember::Half, __VA_ARGS__) EMBER_DT_CASE(BFloat16, ::ember::BFloat16, __VA_ARGS__) \
    EMBER_DT_FAIL(dt, op) } } while (0)

#define EMBER_DISPATCH_ALL(dt, op, ...) do { switch (dt) {                     \
    EMBER_DT_CASE(Bool, bool, __VA_ARGS__)                                                        \
    EMBER_DT_CASE(UInt8, uint8_t, __VA_ARGS__) EMBER_DT_CASE(Int8, int8_t, __VA_ARGS__)         \
    EMBER_DT_CASE(Int16, int16_t, __VA_ARGS__) EMBER_DT_CASE(Int32, int32_t, __VA_ARGS__)       \
    EMBER_DT_CASE(Int64, int64_t, __VA_ARGS__)                                                    \
    EMBER_DT_CASE(Float32, float, __VA_ARGS__) EMBER_DT_CASE(Float64, double, __VA_ARGS__)     \
    EMBER_DT_CASE(Float16, ::ember::Half, __VA_ARGS__) EMBER_DT_CASE(BFloat16, ::ember::BFloat16, __VA_ARGS__) \
    EMBER_DT_FAIL(dt, op) } } while (0)

// Byte-size dispatch for ops that only move data (copy, gather, cat): one instantiation per width.
#define EMBER_DISPATCH_BYTES(dt, op, ...) do { switch (::ember::itemsize(dt)) {  \
    case 1: { using scalar_t = uint8_t; __VA_ARGS__(); break; }                                   \
    case 2: { using scalar_t = uint16_t; __VA_ARGS__(); break; }                                  \
    case 4: { using scalar_t = uint32_t; __VA_ARGS__(); break; }                                  \
    default: { using scalar_t = uint64_t; __VA_ARGS__(); break; } } } while (0)
