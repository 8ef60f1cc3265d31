/* cpu_omp.h: OpenMP work-sharing for the CPU kernels, a no-op in a build without -fopenmp
 * (oneDNN itself always runs on its OpenMP pool). */
#ifndef VGG_TRAIN_CPU_OMP_H
#define VGG_TRAIN_CPU_OMP_H

#ifdef _OPENMP
#include <omp.h>
#define CPU_PARALLEL_FOR _Pragma("omp parallel for schedule(static)")
#else
#define CPU_PARALLEL_FOR
#endif

#endif
