/* kernels_loss.cu: softmax cross-entropy with label smoothing (one block per image) and the
 * metric sums. */
#include "train/cuda/dtype.cuh"

#define LOSS_THREADS 256

/* Block-wide reductions over LOSS_THREADS threads; every thread gets the result. */
static __device__ float block_max(float v, float *sh)
{
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = LOSS_THREADS / 2; s > 0; s >>= 1) {
        if ((int)threadIdx.x < s)
            sh[threadIdx.x] = fmaxf(sh[threadIdx.x], sh[threadIdx.x + s]);
        __syncthreads();
    }
    float r = sh[0];
    __syncthreads();
    return r;
}

static __device__ double block_sum(double v, double *sh)
{
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = LOSS_THREADS / 2; s > 0; s >>= 1) {
        if ((int)threadIdx.x < s)
            sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();
    return r;
}

static __global__ void softmax_xent_kernel(const float *logits, const int32_t *labels,
                                           int classes, float eps, float grad_scale,
                                           void *dlogits, cuda_dtype dt, float *loss, int *rank,
                                           int n)
{
    __shared__ float shf[LOSS_THREADS];
    __shared__ double shd[LOSS_THREADS];
    int img = blockIdx.x, label = labels[img];
    const float *z = logits + (size_t)img * classes;
    float zy = z[label];

    float mx = -INFINITY;
    for (int c = threadIdx.x; c < classes; c += LOSS_THREADS)
        mx = fmaxf(mx, z[c]);
    mx = block_max(mx, shf);
    double sum_exp = 0, sum_z = 0, above = 0;
    for (int c = threadIdx.x; c < classes; c += LOSS_THREADS) {
        sum_exp += expf(z[c] - mx);
        sum_z += z[c];
        above += z[c] > zy;
    }
    sum_exp = block_sum(sum_exp, shd);
    sum_z = block_sum(sum_z, shd);
    above = block_sum(above, shd);
    float lse = mx + logf((float)sum_exp);
    if (threadIdx.x == 0) {
        loss[img] = (1.f - eps) * (lse - zy) + eps * (lse - (float)(sum_z / classes));
        rank[img] = (int)above;
    }
    if (!dlogits)
        return;
    float off = eps / (float)classes, scale = grad_scale / (float)n;
    for (int c = threadIdx.x; c < classes; c += LOSS_THREADS) {
        float g = expf(z[c] - lse) - off - (c == label ? 1.f - eps : 0.f);
        dt_store(dlogits, (size_t)img * classes + c, dt, g * scale);
    }
}

extern "C" cudaError_t kern_softmax_xent(const float *logits, const int32_t *labels, int n,
                                         int classes, float eps, float grad_scale, void *dlogits,
                                         cuda_dtype dt, float *loss, int *rank,
                                         cudaStream_t stream)
{
    softmax_xent_kernel<<<n, LOSS_THREADS, 0, stream>>>(logits, labels, classes, eps, grad_scale,
                                                         dlogits, dt, loss, rank, n);
    return cudaGetLastError();
}

static __global__ void metrics_add_kernel(const float *loss, const int *rank, int n,
                                          device_metrics *m)
{
    __shared__ double sh[LOSS_THREADS];
    double sum = 0, top1 = 0, top5 = 0, bad = 0;
    for (int j = threadIdx.x; j < n; j += LOSS_THREADS) {
        sum += loss[j];
        top1 += rank[j] < 1;
        top5 += rank[j] < 5;
        bad += !isfinite(loss[j]);
    }
    sum = block_sum(sum, sh);
    top1 = block_sum(top1, sh);
    top5 = block_sum(top5, sh);
    bad = block_sum(bad, sh);
    if (threadIdx.x == 0) {
        m->loss_sum += sum;
        m->top1 += (unsigned long long)top1;
        m->top5 += (unsigned long long)top5;
        m->images += (unsigned long long)n;
        if (bad > 0)
            m->nonfinite = 1;
    }
}

extern "C" cudaError_t kern_metrics_add(const float *loss, const int *rank, int n,
                                        device_metrics *m, cudaStream_t stream)
{
    metrics_add_kernel<<<1, LOSS_THREADS, 0, stream>>>(loss, rank, n, m);
    return cudaGetLastError();
}
