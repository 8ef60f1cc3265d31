/* fuzz_image.c: one encoded image through vgg-convert's converter (convert/converter.h):
 * header sniffing, the pixel limit, TurboJPEG or MagickWand decoding, resizing and encoding.
 * The pixel limit is small so that image bombs are refused from their header, as in a run. */
#include "convert/converter.h"
#include "convert/header.h"

#include <stdlib.h>
#include <wand/MagickWand.h>

enum { MAX_PIXELS = 1 << 20 };

static converter *conv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    MagickWandGenesis();
    converter_global_setup();
    convert_options opt = {.size = 32, .mode = MODE_CROP, .format = FORMAT_JPG, .quality = 90,
                           .max_pixels = MAX_PIXELS, .jobs = 1, .quiet = 1};
    err e;
    conv = converter_new(&opt, &e);
    if (!conv)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t w, h;
    int known = header_dimensions(data, size, &w, &h);
    const uint8_t *out;
    size_t out_size;
    err e;
    int rc = converter_run(conv, data, size, &out, &out_size, &e);
    if (rc == 0 && (out_size == 0 || (known && w * h > MAX_PIXELS)))
        abort();
    return 0;
}
