/* init.c: torchvision's initialisation. Each layer draws from its own stream (seed, layer), so
 * re-initialising one layer (--init-from with another class count) gives the same values as
 * a fresh model would have. */
#include "train/init.h"

#include <math.h>

#include "train/draw.h"

static void init_layer(const model *m, int layer, uint64_t seed, float *params)
{
    const layer_desc *l = &m->layers[layer];
    float *w = params + l->weight_offset, *b = params + l->bias_offset;
    rng r;
    draw_seed(&r, seed, DRAW_INIT, (uint64_t)layer, 0);
    double std = 0.0;
    if (l->kind == LAYER_CONV)
        std = sqrt(2.0 / ((double)l->out_c * l->kernel * l->kernel));
    else if (l->kind == LAYER_LINEAR)
        std = 0.01;
    for (size_t i = 0; i < l->weight_count; i++)
        w[i] = l->kind == LAYER_BN ? 1.0f : (float)(std * draw_normal(&r));
    for (size_t i = 0; i < l->bias_count; i++)
        b[i] = 0.0f;
}

void init_model(const model *m, uint64_t seed, float *params, float *stats)
{
    for (int i = 0; i < m->num_layers; i++) {
        const layer_desc *l = &m->layers[i];
        init_layer(m, i, seed, params);
        if (l->kind == LAYER_BN)
            for (int c = 0; c < l->out_c; c++) {
                stats[l->stats_offset + c] = 0.0f;
                stats[l->stats_offset + l->out_c + c] = 1.0f;
            }
    }
}
