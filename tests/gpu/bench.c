/* bench.c: training throughput of the CUDA backend: a full step (input kernel, forward, loss,
 * backward, fused SGD, zeroing) on a fixed pinned batch, timed after warm-up steps, with the
 * GPU memory the backend holds (free memory before create minus after the run). Prints one
 * line: "result impl=vgg-suite arch=D prec=bf16 batch=128 size=224 images_per_s=... mem_gib=...
 * input_wait_s=...".
 *   gpu-bench --arch D --size 224 --batch 128 --precision bf16 --steps 20 */
#include <cuda_runtime_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tests/gpu/gpu_util.h"

#define WARMUP 3

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void die(const err *e)
{
    fprintf(stderr, "gpu-bench: %s\n", e->msg);
    exit(2);
}

int main(int argc, char **argv)
{
    gpu_opts o = {.arch = "D", .size = 224, .classes = 1000, .width_div = 1, .fc_width = 4096,
                  .batch = 128, .steps = 20, .prec = PRECISION_BF16};
    if (gpu_parse(argc, argv, &o) < 0)
        return 2;
    model m;
    float *params, *stats;
    gpu_model(&o, &m, &params, &stats);
    const backend_ops *ops = &backend_cuda_ops;
    backend_config cfg = gpu_backend_config(&m, o.batch, o.size, o.prec);
    size_t free0 = 0, free1 = 0, total = 0;
    cudaMemGetInfo(&free0, &total);
    backend *b;
    err e;
    double t_create = now();
    if (ops->create(&cfg, &b, &e) < 0 || ops->write(b, BUF_PARAMS, params, &e) < 0)
        die(&e);
    t_create = now() - t_create;
    size_t bytes = (size_t)o.batch * o.size * o.size * 3;
    uint8_t *pixels = ops->host_alloc(b, bytes, &e);
    augment *aug = calloc((size_t)o.batch, sizeof *aug);
    int32_t *labels = calloc((size_t)o.batch, sizeof *labels);
    if (!pixels || !aug || !labels)
        die(&e);
    gpu_fill_batch(1, o.batch, o.size, o.size, 0, m.opt.num_classes, pixels, aug, labels);
    sgd_params sgd = {.lr = 1e-3f, .momentum = 0.9f, .weight_decay = 5e-4f, .grad_scale = 1.f};
    backend_metrics met;
    double t0 = 0;
    for (int s = 0; s < WARMUP + o.steps; s++) {
        if (s == WARMUP) {
            if (ops->read_metrics(b, &met, &e) < 0)
                die(&e);
            ops->input_wait_seconds(b);
            t0 = now();
        }
        backend_batch batch = {.n = o.batch, .pixels = pixels, .aug = aug, .labels = labels,
                               .step = (uint64_t)s};
        if (ops->train_step(b, &batch, 0.f, &e) < 0 || ops->sgd_step(b, &sgd, &e) < 0 ||
            ops->zero_grads(b, &e) < 0)
            die(&e);
    }
    if (ops->read_metrics(b, &met, &e) < 0)
        die(&e);
    double secs = now() - t0;
    cudaMemGetInfo(&free1, &total);
    double wait = ops->input_wait_seconds(b);
    printf("result impl=vgg-suite arch=%s prec=%s batch=%d size=%d images_per_s=%.1f "
           "mem_gib=%.2f input_wait_s=%.4f loss=%.4f create_s=%.1f\n", m.arch,
           gpu_precision_name(o.prec), o.batch, o.size, o.batch * o.steps / secs,
           (double)(free0 - free1) / 1073741824.0, wait, met.loss_sum / (double)met.images,
           t_create);
    ops->host_free(b, pixels);
    ops->destroy(b);
    model_free(&m);
    return 0;
}
