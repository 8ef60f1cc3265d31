/* model.c: the VGG configurations of Table 1 as data, turned into a layer list. */
#include "train/model.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One entry of a configuration: a convolution (channels, 3x3 or 1x1), a max-pool, or LRN. */
enum { CFG_POOL = -1, CFG_LRN = -2, CFG_1X1 = 1 << 16, CFG_END = 0 };

static const int cfg_a[] = {64, CFG_POOL, 128, CFG_POOL, 256, 256, CFG_POOL, 512, 512, CFG_POOL,
                            512, 512, CFG_POOL, CFG_END};
static const int cfg_a_lrn[] = {64, CFG_LRN, CFG_POOL, 128, CFG_POOL, 256, 256, CFG_POOL, 512,
                                512, CFG_POOL, 512, 512, CFG_POOL, CFG_END};
static const int cfg_b[] = {64, 64, CFG_POOL, 128, 128, CFG_POOL, 256, 256, CFG_POOL, 512, 512,
                            CFG_POOL, 512, 512, CFG_POOL, CFG_END};
static const int cfg_c[] = {64, 64, CFG_POOL, 128, 128, CFG_POOL, 256, 256, 256 | CFG_1X1,
                            CFG_POOL, 512, 512, 512 | CFG_1X1, CFG_POOL, 512, 512, 512 | CFG_1X1,
                            CFG_POOL, CFG_END};
static const int cfg_d[] = {64, 64, CFG_POOL, 128, 128, CFG_POOL, 256, 256, 256, CFG_POOL, 512,
                            512, 512, CFG_POOL, 512, 512, 512, CFG_POOL, CFG_END};
static const int cfg_e[] = {64, 64, CFG_POOL, 128, 128, CFG_POOL, 256, 256, 256, 256, CFG_POOL,
                            512, 512, 512, 512, CFG_POOL, 512, 512, 512, 512, CFG_POOL, CFG_END};

static const struct arch_entry {
    const char *name, *alias;
    const int *cfg;
} archs[] = {
    {"A", "vgg11", cfg_a},     {"A-LRN", "vgg11-lrn", cfg_a_lrn}, {"B", "vgg13", cfg_b},
    {"C", "vgg16c", cfg_c},    {"D", "vgg16", cfg_d},             {"E", "vgg19", cfg_e},
};

/* AlexNet's LRN, as the paper uses it. */
static const int lrn_size = 5;
static const float lrn_alpha = 1e-4f, lrn_beta = 0.75f, lrn_k = 2.0f;
static const float bn_eps = 1e-5f, bn_momentum = 0.1f;

const char *model_canonical_name(const char *name)
{
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++)
        if (!strcasecmp(name, archs[i].name) || !strcasecmp(name, archs[i].alias))
            return archs[i].name;
    return NULL;
}

static const int *arch_cfg(const char *canonical)
{
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++)
        if (!strcmp(canonical, archs[i].name))
            return archs[i].cfg;
    return NULL;
}

/* Appends a layer whose input is the previous layer's output; sets its parameter offsets. */
static layer_desc *push_layer(model *m, layer_kind kind, int out_c, int out_h, int out_w)
{
    layer_desc *l = &m->layers[m->num_layers];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    if (m->num_layers > 0) {
        const layer_desc *prev = &m->layers[m->num_layers - 1];
        l->in_c = prev->out_c, l->in_h = prev->out_h, l->in_w = prev->out_w;
    } else {
        l->in_c = m->in_c, l->in_h = m->in_h, l->in_w = m->in_w;
    }
    l->out_c = out_c, l->out_h = out_h, l->out_w = out_w;
    m->num_layers++;
    return l;
}

static void assign_params(model *m, layer_desc *l, size_t weights, size_t biases)
{
    l->weight_offset = m->num_params, l->weight_count = weights;
    m->num_params += weights;
    l->bias_offset = m->num_params, l->bias_count = biases;
    m->num_params += biases;
}

static int check_options(const model_options *o, err *e)
{
    if (o->num_classes < 1)
        return err_set(e, "model: number of classes must be at least 1 (got %d)", o->num_classes);
    if (o->input_size < 32 || o->input_size % 32 != 0 || o->input_size > 4096)
        return err_set(e, "model: input size %d must be a multiple of 32 (five 2x2 poolings), 32..4096",
                       o->input_size);
    if (o->fc_width < 1 || o->fc_width > 65536)
        return err_set(e, "model: FC width %d out of range 1..65536", o->fc_width);
    if (o->width_div < 1 || 64 % o->width_div != 0)
        return err_set(e, "model: width divisor %d must divide 64 (1, 2, 4, 8, 16, 32, 64)",
                       o->width_div);
    if (!(o->dropout >= 0.f && o->dropout < 1.f))
        return err_set(e, "model: dropout %g must be in [0, 1)", (double)o->dropout);
    return 0;
}

int model_build(const char *name, const model_options *opt, model *m, err *e)
{
    memset(m, 0, sizeof *m);
    const char *canonical = model_canonical_name(name);
    if (!canonical)
        return err_set(e, "model: unknown architecture '%s' (A, A-LRN, B, C, D, E or vgg11, "
                          "vgg11-lrn, vgg13, vgg16c, vgg16, vgg19)", name);
    if (check_options(opt, e) < 0)
        return -1;
    const int *cfg = arch_cfg(canonical);
    int entries = 0;
    while (cfg[entries] != CFG_END)
        entries++;
    /* Each entry yields at most 2 layers (conv + BN); the classifier adds 5. */
    m->layers = calloc((size_t)(2 * entries + 5), sizeof *m->layers);
    if (!m->layers)
        return err_set(e, "model: out of memory");
    strcpy(m->arch, canonical);
    m->opt = *opt;
    m->in_c = 3, m->in_h = opt->input_size, m->in_w = opt->input_size;

    int c = 3, h = opt->input_size, w = opt->input_size, torch_index = 0;
    for (int i = 0; i < entries; i++) {
        int v = cfg[i];
        if (v == CFG_POOL) {
            layer_desc *l = push_layer(m, LAYER_MAXPOOL, c, h / 2, w / 2);
            l->kernel = 2, l->torch_index = torch_index++;
            h /= 2, w /= 2;
        } else if (v == CFG_LRN) {
            layer_desc *l = push_layer(m, LAYER_LRN, c, h, w);
            l->lrn_size = lrn_size, l->lrn_alpha = lrn_alpha, l->lrn_beta = lrn_beta;
            l->lrn_k = lrn_k, l->torch_index = torch_index++;
        } else {
            int kernel = (v & CFG_1X1) ? 1 : 3, out = (v & ~CFG_1X1) / opt->width_div;
            layer_desc *l = push_layer(m, LAYER_CONV, out, h, w);
            l->kernel = kernel, l->torch_index = torch_index++;
            assign_params(m, l, (size_t)out * c * kernel * kernel, (size_t)out);
            if (opt->batch_norm) {
                layer_desc *bn = push_layer(m, LAYER_BN, out, h, w);
                bn->bn_eps = bn_eps, bn->bn_momentum = bn_momentum;
                bn->torch_index = torch_index++;
                assign_params(m, bn, (size_t)out, (size_t)out);
                bn->stats_offset = m->num_stats;
                m->num_stats += 2 * (size_t)out;
                bn->relu = 1;
            } else {
                l->relu = 1;
            }
            torch_index++; /* the ReLU module */
            c = out;
        }
    }
    /* classifier: Linear(0) ReLU(1) Dropout(2) Linear(3) ReLU(4) Dropout(5) Linear(6) */
    int in_features = c * h * w;
    for (int k = 0; k < 3; k++) {
        int out = k < 2 ? opt->fc_width : opt->num_classes;
        layer_desc *l = push_layer(m, LAYER_LINEAR, out, 1, 1);
        l->in_c = in_features, l->in_h = 1, l->in_w = 1;
        l->in_classifier = 1, l->torch_index = 3 * k, l->relu = k < 2;
        assign_params(m, l, (size_t)out * in_features, (size_t)out);
        if (k < 2) {
            layer_desc *d = push_layer(m, LAYER_DROPOUT, out, 1, 1);
            d->dropout_p = opt->dropout, d->in_classifier = 1, d->torch_index = 3 * k + 2;
        }
        in_features = out;
    }
    return 0;
}

void model_free(model *m)
{
    free(m->layers);
    m->layers = NULL;
    m->num_layers = 0;
}

double model_layer_flops(const layer_desc *l)
{
    switch (l->kind) {
    case LAYER_CONV:
        return 2.0 * l->kernel * l->kernel * l->in_c * (double)l->out_c * l->out_h * l->out_w;
    case LAYER_LINEAR:
        return 2.0 * l->in_c * (double)l->out_c;
    default:
        return 0.0;
    }
}

double model_flops(const model *m)
{
    double total = 0.0;
    for (int i = 0; i < m->num_layers; i++)
        total += model_layer_flops(&m->layers[i]);
    return total;
}

const char *model_layer_kind_name(layer_kind kind)
{
    static const char *const names[] = {"conv", "batchnorm", "lrn", "maxpool", "linear", "dropout"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}
