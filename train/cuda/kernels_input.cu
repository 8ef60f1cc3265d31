/* kernels_input.cu: the input kernel, uint8 records -> normalised NHWC input, one thread per
 * output pixel, with augment.h's per-pixel math (the CPU backend uses the same function). */
#include "train/cuda/dtype.cuh"

static __global__ void input_kernel(const uint8_t *src, int src_h, int src_w, const augment *aug,
                                    int n, int size, int c_pad, input_norm norm, void *out,
                                    cuda_dtype dt)
{
    size_t count = (size_t)n * size * size;
    GRID_STRIDE(i, count) {      /* i: (image, y, x) */
        int x = (int)(i % (size_t)size);
        size_t t = i / (size_t)size;
        int y = (int)(t % (size_t)size);
        size_t img = t / (size_t)size;
        const unsigned char *s = src + img * (size_t)src_h * src_w * 3;
        for (int c = 0; c < c_pad; c++) {
            float v = c < 3 ? augment_pixel(s, src_h, src_w, &aug[img], size, y, x, c, norm.mean,
                                            norm.inv_std)
                            : 0.f;
            dt_store(out, i * (size_t)c_pad + c, dt, v);
        }
    }
}

extern "C" cudaError_t kern_input(const uint8_t *src, int src_h, int src_w, const augment *aug,
                                  int n, int size, int c_pad, input_norm norm, void *out,
                                  cuda_dtype dt, cudaStream_t stream)
{
    size_t count = (size_t)n * size * size;
    input_kernel<<<grid_for(count, 256), 256, 0, stream>>>(src, src_h, src_w, aug, n, size, c_pad,
                                                           norm, out, dt);
    return cudaGetLastError();
}
