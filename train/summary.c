/* summary.c: a model as a table. */
#include "train/summary.h"

/* 1234567 -> "1,234,567" */
static const char *grouped(size_t v, char *buf, size_t len)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%zu", v), o = 0;
    for (int i = 0; i < n && (size_t)o + 2 < len; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = 0;
    return buf;
}

void summary_print(FILE *f, const model *m)
{
    const model_options *o = &m->opt;
    fprintf(f, "VGG %s: input 3x%dx%d, %d classes, FC %d, channels /%d%s, dropout %g\n", m->arch,
            m->in_h, m->in_w, o->num_classes, o->fc_width, o->width_div,
            o->batch_norm ? ", batch norm" : "", (double)o->dropout);
    fprintf(f, "%3s  %-10s %-14s %-14s %14s %12s\n", "#", "layer", "name", "output", "params",
            "MFLOPs");
    char name[32], shape[32], params[32], kind[16];
    for (int i = 0; i < m->num_layers; i++) {
        const layer_desc *l = &m->layers[i];
        snprintf(name, sizeof name, "%s.%d", l->in_classifier ? "classifier" : "features",
                 l->torch_index);
        if (l->kind == LAYER_LINEAR || l->kind == LAYER_DROPOUT)
            snprintf(shape, sizeof shape, "%d", l->out_c);
        else
            snprintf(shape, sizeof shape, "%dx%dx%d", l->out_c, l->out_h, l->out_w);
        if (l->kind == LAYER_CONV)
            snprintf(kind, sizeof kind, "conv%dx%d", l->kernel, l->kernel);
        else
            snprintf(kind, sizeof kind, "%s", model_layer_kind_name(l->kind));
        fprintf(f, "%3d  %-10s %-14s %-14s %14s %12.1f%s\n", i + 1, kind, name, shape,
                grouped(l->weight_count + l->bias_count, params, sizeof params),
                model_layer_flops(l) / 1e6, l->relu ? "  +relu" : "");
    }
    fprintf(f, "total parameters: %s\n", grouped(m->num_params, params, sizeof params));
    fprintf(f, "forward FLOPs per image: %.3f G (multiply-add = 2)\n", model_flops(m) / 1e9);
}
