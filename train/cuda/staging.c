/* staging.c: the input path. The loader's pinned uint8 batch crosses on the copy stream, which
 * waits only for the previous input kernel, so the copy overlaps the previous step's compute;
 * the compute stream waits for the copy, then runs the input kernel.
 *
 * GPU waiting time: every queued operation records work_end[parity] on the compute stream
 * (re-recorded, so it marks the end of the last one). A batch's copy records copy_done[parity];
 * if the copy finished after the previous work did, the difference is time the GPU had nothing
 * to do for want of data. The pair is read once both events have completed. */
#include <string.h>

#include "train/cuda/check.h"
#include "train/cuda/cuda_internal.h"

void staging_collect_waits(backend *b)
{
    for (int q = 0; q < 2; q++) {
        if (!b->wait_pending[q] || cudaEventQuery(b->work_end[q]) != cudaSuccess ||
            cudaEventQuery(b->copy_done[q]) != cudaSuccess)
            continue;
        float ms = 0.f;
        if (cudaEventElapsedTime(&ms, b->work_end[q], b->copy_done[q]) == cudaSuccess && ms > 0.f)
            b->input_wait += ms / 1000.0;
        b->wait_pending[q] = 0;
    }
}

int staging_mark_work_end(backend *b, err *e)
{
    CUDA_TRY(cudaEventRecord(b->work_end[b->parity], b->compute));
    b->work_recorded[b->parity] = 1;
    return 0;
}

int staging_input(backend *b, const backend_batch *batch, int measure_wait, err *e)
{
    int n = batch->n, classes = b->plan.num_classes;
    if (batch->labels) {
        for (int j = 0; j < n; j++)
            if (batch->labels[j] < 0 || batch->labels[j] >= classes)
                return err_set(e, "cuda backend: label %d of image %d is not in 0..%d",
                               (int)batch->labels[j], j, classes - 1);
        memcpy(b->h_labels, batch->labels, (size_t)n * sizeof *b->h_labels);
    }
    memcpy(b->h_aug, batch->aug, (size_t)n * sizeof *b->h_aug);

    int p = b->parity;
    size_t bytes = (size_t)n * b->cfg.src_h * b->cfg.src_w * 3;
    CUDA_TRY(cudaStreamWaitEvent(b->copy, b->prep_done, 0));
    CUDA_TRY(cudaMemcpyAsync(b->d_pixels, batch->pixels, bytes, cudaMemcpyHostToDevice, b->copy));
    CUDA_TRY(cudaMemcpyAsync(b->d_aug, b->h_aug, (size_t)n * sizeof *b->d_aug,
                             cudaMemcpyHostToDevice, b->copy));
    /* Labels are read by the loss, late in the step: two buffers, so that the next batch's
     * copy (which waits only for this step's input kernel) cannot overwrite them in use. */
    b->labels_now = b->d_labels + (size_t)p * b->cfg.max_batch;
    if (batch->labels)
        CUDA_TRY(cudaMemcpyAsync(b->labels_now, b->h_labels, (size_t)n * sizeof *b->d_labels,
                                 cudaMemcpyHostToDevice, b->copy));
    CUDA_TRY(cudaEventRecord(b->copy_done[p], b->copy));
    CUDA_TRY(cudaStreamWaitEvent(b->compute, b->copy_done[p], 0));
    CUDA_TRY(kern_input(b->d_pixels, b->cfg.src_h, b->cfg.src_w, b->d_aug, n, b->m->in_h,
                        b->plan.in_c, b->norm, layer_in(b, 0), b->dt, b->compute));
    CUDA_TRY(cudaEventRecord(b->prep_done, b->compute));
    /* The caller may reuse batch->pixels (and we h_aug, h_labels) once the copy is done. */
    CUDA_TRY(cudaEventSynchronize(b->copy_done[p]));

    b->wait_pending[p] = measure_wait && b->work_recorded[p];
    b->parity = 1 - p;
    staging_collect_waits(b);   /* the other pair: complete now (see the top of the file) */
    b->wait_pending[b->parity] = 0;
    b->work_recorded[b->parity] = 0;
    return 0;
}
