/* cpu_footprint.c: the CPU backend's host_bytes (backend.h), from the model's layer table and
 * what a plan allocates (cpu_plan.c): every tensor once, in blocked layouts whose channels are
 * padded to 16; two gradient buffers as large as the largest tensor; pooling and LRN
 * workspaces and dropout masks; the convolution weights reordered into the primitives' layouts
 * with their gradients; one more tensor's worth for the reorders between layouts and the
 * scratchpad. Measured against the peak RSS of runs here, it is within about 20% (low). */
#include "train/cpu/cpu_internal.h"

static size_t padded(int c) { return (size_t)(c + 15) / 16 * 16; }

size_t cpu_host_bytes(const backend_config *cfg)
{
    const model *m = cfg->m;
    const size_t f = sizeof(float), n = (size_t)cfg->max_batch;
    size_t state = (3 * m->num_params + m->num_stats) * f; /* params, grads, momentum, stats */
    if (n == 0)
        return state;
    size_t tensors = n * (size_t)m->in_c * m->in_h * m->in_w * f, largest = tensors;
    size_t extra = 0;
    for (int i = 0; i < m->num_layers; i++) {
        const layer_desc *l = &m->layers[i];
        int plain = l->kind == LAYER_LINEAR || l->kind == LAYER_DROPOUT;
        size_t t = n * (plain ? (size_t)l->out_c : padded(l->out_c)) * l->out_h * l->out_w * f;
        tensors += t;
        largest = t > largest ? t : largest;
        if (l->kind == LAYER_MAXPOOL || l->kind == LAYER_LRN || l->kind == LAYER_DROPOUT)
            extra += t;
        if (l->kind == LAYER_CONV)
            extra += 2 * padded(l->out_c) * padded(l->in_c) * l->kernel * l->kernel * f;
    }
    return state + tensors + 3 * largest + extra;
}
