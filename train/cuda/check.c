/* check.c: status -> message (see check.h). */
#include "train/cuda/check.h"

#include <string.h>

/* The function name of a call's source text: "cudaMalloc(&p, n)" -> "cudaMalloc". */
static int name_len(const char *call)
{
    const char *paren = strchr(call, '(');
    return paren ? (int)(paren - call) : (int)strlen(call);
}

int cuda_check(cudaError_t s, const char *call, err *e)
{
    if (s == cudaSuccess)
        return 0;
    return err_set(e, "cuda: %.*s: %s", name_len(call), call, cudaGetErrorString(s));
}

int cudnn_check(cudnnStatus_t s, const char *call, err *e)
{
    if (s == CUDNN_STATUS_SUCCESS)
        return 0;
    return err_set(e, "cuda: %.*s: %s", name_len(call), call, cudnnGetErrorString(s));
}

int cublas_check(cublasStatus_t s, const char *call, err *e)
{
    if (s == CUBLAS_STATUS_SUCCESS)
        return 0;
    return err_set(e, "cuda: %.*s: %s", name_len(call), call, cublasGetStatusString(s));
}
