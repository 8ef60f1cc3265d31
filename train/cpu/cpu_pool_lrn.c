/* cpu_pool_lrn.c: max pooling and local response normalisation layers. */
#include "train/cpu/cpu_build.h"

int cpu_pool_forward(cpu_build *bd, int l, err *e)
{
    const layer_desc *L = &bd->m->layers[l];
    dnnl_dims_t dd = {bd->n, L->out_c, L->out_h, L->out_w}, k = {L->kernel, L->kernel},
                zero = {0, 0};
    dnnl_memory_desc_t dany = cpu_md_tag(4, dd, dnnl_format_tag_any);
    dnnl_pooling_desc_t pdsc;
    dnnl_primitive_t prim;
    if (cpu_check(dnnl_pooling_forward_desc_init(&pdsc, dnnl_forward_training, dnnl_pooling_max,
                                                 &bd->md[l], &dany, k, k, zero, zero),
                  "max pooling", e) < 0 ||
        cpu_make(bd, &pdsc, 0, NULL, &bd->fwd_pd[l], &prim, "max pooling", e) < 0)
        return -1;
    return cpu_forward_with_workspace(bd, l, prim, e);
}

int cpu_pool_backward(cpu_build *bd, int l, err *e)
{
    const layer_desc *L = &bd->m->layers[l];
    dnnl_dims_t k = {L->kernel, L->kernel}, zero = {0, 0};
    dnnl_pooling_desc_t pdsc;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t prim;
    if (cpu_check(dnnl_pooling_backward_desc_init(&pdsc, dnnl_pooling_max, &bd->md[l],
                                                  &bd->md[l + 1], k, k, zero, zero),
                  "max pooling backward", e) < 0 ||
        cpu_make(bd, &pdsc, 0, bd->fwd_pd[l], &pd, &prim, "max pooling backward", e) < 0)
        return -1;
    return cpu_backward_with_workspace(bd, l, prim, pd, 0, e);
}

/* ---- local response normalisation across channels ----
 * oneDNN's across-channel LRN divides alpha by the window size, like PyTorch's
 * LocalResponseNorm: b = a / (k + alpha/size * sum a^2)^beta over a centred window. */

int cpu_lrn_forward(cpu_build *bd, int l, err *e)
{
    const layer_desc *L = &bd->m->layers[l];
    dnnl_lrn_desc_t d;
    dnnl_primitive_t prim;
    if (cpu_check(dnnl_lrn_forward_desc_init(&d, dnnl_forward_training, dnnl_lrn_across_channels,
                                             &bd->md[l], L->lrn_size, L->lrn_alpha, L->lrn_beta,
                                             L->lrn_k),
                  "lrn", e) < 0 ||
        cpu_make(bd, &d, 0, NULL, &bd->fwd_pd[l], &prim, "lrn", e) < 0)
        return -1;
    return cpu_forward_with_workspace(bd, l, prim, e);
}

int cpu_lrn_backward(cpu_build *bd, int l, err *e)
{
    const layer_desc *L = &bd->m->layers[l];
    dnnl_lrn_desc_t d;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t prim;
    if (cpu_check(dnnl_lrn_backward_desc_init(&d, dnnl_lrn_across_channels, &bd->md[l + 1],
                                              &bd->md[l], L->lrn_size, L->lrn_alpha, L->lrn_beta,
                                              L->lrn_k),
                  "lrn backward", e) < 0 ||
        cpu_make(bd, &d, 0, bd->fwd_pd[l], &pd, &prim, "lrn backward", e) < 0)
        return -1;
    return cpu_backward_with_workspace(bd, l, prim, pd, 1, e);
}
