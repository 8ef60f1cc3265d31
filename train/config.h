/* config.h: the training configuration, read from an INI file (inih) into one typed struct.
 *
 * Sections and keys, with defaults, are documented in docs/configs.md; the schema lives in
 * config.c as one table. An unknown section or key, a bad value or a missing required key is
 * an error "file:line: message". `--set section.key=value` overrides after the file. The
 * effective configuration is written back as INI (config_format), which config_parse_string
 * reads again (checkpoints carry it).
 */
#ifndef VGG_TRAIN_CONFIG_H
#define VGG_TRAIN_CONFIG_H

#include <stdint.h>

#include "common/error.h"
#include "train/schedule.h"

typedef enum augment_mode { AUG_NONE, AUG_SCALE, AUG_RESIZED } augment_mode;
typedef enum device_kind { DEVICE_AUTO, DEVICE_CPU, DEVICE_CUDA } device_kind;

enum { CONFIG_PATH_MAX = 1024 };

typedef struct train_config {
    struct {
        char arch[16];
        int batch_norm, fc_width, width_div, input_size;
        float dropout;
    } model;
    struct {
        char store[CONFIG_PATH_MAX];
        int workers, prefetch;
        int skip_corrupt;       /* leave records that fail verification out of their batch */
    } data;
    struct {
        int mode;               /* augment_mode */
        float scale_min, scale_max;  /* scale: smaller side rescaled to S in [min, max] pixels */
        float area_min, area_max;    /* resized: crop area fraction of the image */
        int flip;
        float lighting;         /* PCA lighting std (AlexNet: 0.1); 0 = off */
    } augment;
    struct {
        float lr, momentum, weight_decay;
        int nesterov, decay_bias_bn;
    } optim;
    schedule_config schedule;
    struct {
        int epochs, batch, accumulate;
        float label_smoothing;
        int64_t seed;
        char run_dir[CONFIG_PATH_MAX];
        int threads;
        int device;             /* device_kind */
        int precision;          /* precision (backend.h), or CONFIG_PRECISION_AUTO */
    } train;
} train_config;

/* train.precision = auto: the backend's auto_precision (bf16 on a GPU, fp32 on the CPU). */
enum { CONFIG_PRECISION_AUTO = 3 };

/* Defaults for every key (required keys empty). */
void config_defaults(train_config *c);
/* Defaults, then the file at `path`, then the `nsets` "section.key=value" overrides, then the
 * checks (required keys, ranges, cross-key rules). */
int config_load(const char *path, const char *const *sets, int nsets, train_config *c, err *e);
/* The same from INI text (a checkpoint's config; `name` is used in messages). */
int config_parse_string(const char *text, const char *name, const char *const *sets, int nsets,
                        train_config *c, err *e);
/* The effective configuration as INI text (malloc'd, caller frees); NULL on out of memory. */
char *config_format(const train_config *c);

#endif
