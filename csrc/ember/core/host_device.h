// host_device.h — EMBER_HOST_DEVICE marks a function that CPU kernels and CUDA kernels share:
// __host__ __device__ under nvcc, nothing otherwise. One definition, so the CPU tests exercise
// the exact code the GPU runs (scalar_math.h, unary_math.h).
#pragma once

#if defined(__CUDACC__)
#define EMBER_HOST_DEVICE __host__ __device__
#else
#define EMBER_HOST_DEVICE
#endif
