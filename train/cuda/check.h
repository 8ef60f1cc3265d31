/* check.h: CUDA runtime, cuDNN and cuBLAS statuses turned into err messages.
 * Each returns 0 on success, else fills e with "cuda: <call>: <status>" and returns -1.
 * The TRY macros return -1 from the calling function (which has an `err *e` in scope). */
#ifndef VGG_TRAIN_CUDA_CHECK_H
#define VGG_TRAIN_CUDA_CHECK_H

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "common/error.h"

int cuda_check(cudaError_t s, const char *call, err *e);
int cudnn_check(cudnnStatus_t s, const char *call, err *e);
int cublas_check(cublasStatus_t s, const char *call, err *e);

#define CUDA_TRY(call) do { if (cuda_check((call), #call, e) < 0) return -1; } while (0)
#define CUDNN_TRY(call) do { if (cudnn_check((call), #call, e) < 0) return -1; } while (0)
#define CUBLAS_TRY(call) do { if (cublas_check((call), #call, e) < 0) return -1; } while (0)

#endif
