/* options.h: what one vgg-convert run is asked to do (filled by main.c from the CLI). */
#ifndef VGG_CONVERT_OPTIONS_H
#define VGG_CONVERT_OPTIONS_H

#include <stdint.h>

typedef enum resize_mode {
    MODE_CROP,      /* shorter side to size, then centre crop (the VGG paper's rescaling) */
    MODE_SQUASH,    /* both sides to size, aspect ignored (the original converter) */
    MODE_PAD,       /* longer side to size, centred on black (letterbox) */
} resize_mode;

typedef enum output_format { FORMAT_JPG, FORMAT_PNG } output_format;

typedef struct convert_options {
    const char *const *inputs;
    int n_inputs;
    const char *out_dir;
    const char *labels_path;    /* NULL: classes from folders / archive names */
    int size;                   /* output side, pixels */
    resize_mode mode;
    output_format format;
    int quality;                /* JPEG quality 1..100 */
    uint64_t max_pixels;        /* larger images are refused from their header */
    int jobs;                   /* worker threads */
    int force;                  /* redo outputs that are up to date */
    int quiet;
} convert_options;

#endif
