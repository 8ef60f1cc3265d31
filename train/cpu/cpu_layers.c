/* cpu_layers.c: the builders of each layer kind (tensor l in, tensor l + 1 out). */
#include "train/cpu/cpu_build.h"

typedef int (*layer_builder)(cpu_build *bd, int l, err *e);

static const struct {
    layer_builder forward, backward;
} builders[] = {
    [LAYER_CONV] = {cpu_conv_forward, cpu_conv_backward},
    [LAYER_BN] = {cpu_bn_forward, cpu_bn_backward},
    [LAYER_LRN] = {cpu_lrn_forward, cpu_lrn_backward},
    [LAYER_MAXPOOL] = {cpu_pool_forward, cpu_pool_backward},
    [LAYER_LINEAR] = {cpu_linear_layer_forward, cpu_linear_layer_backward},
    [LAYER_DROPOUT] = {cpu_dropout_layer_forward, cpu_dropout_layer_backward},
};

static int known(cpu_build *bd, int l, err *e)
{
    unsigned kind = bd->m->layers[l].kind;
    if (kind < sizeof builders / sizeof builders[0] && builders[kind].forward)
        return 1;
    err_set(e, "cpu backend: layer %d: unknown kind %u", l, kind);
    return 0;
}

int cpu_layer_forward(cpu_build *bd, int l, err *e)
{
    return known(bd, l, e) ? builders[bd->m->layers[l].kind].forward(bd, l, e) : -1;
}

int cpu_layer_backward(cpu_build *bd, int l, err *e)
{
    return known(bd, l, e) ? builders[bd->m->layers[l].kind].backward(bd, l, e) : -1;
}
