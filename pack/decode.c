#include "pack/decode.h"

#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>
#include <wand/MagickWand.h>

struct decoder {
    tjhandle tj;
    MagickWand *wand;
};

decoder *decoder_new(void)
{
    decoder *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->tj = tjInitDecompress();
    d->wand = NewMagickWand();
    if (!d->tj || !d->wand) {
        decoder_free(d);
        return NULL;
    }
    return d;
}

void decoder_free(decoder *d)
{
    if (!d)
        return;
    if (d->tj)
        tjDestroy(d->tj);
    if (d->wand)
        DestroyMagickWand(d->wand);
    free(d);
}

static int is_jpeg(const void *data, size_t size)
{
    const unsigned char *p = data;
    return size >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF;
}

/* 1: TurboJPEG can decode it to RGB (height/width set); 0: leave it to MagickWand. */
static int tj_header(decoder *d, const void *data, size_t size, int *height, int *width)
{
    int subsamp, colorspace;
    if (!is_jpeg(data, size) ||
        tjDecompressHeader3(d->tj, data, (unsigned long)size, width, height, &subsamp,
                            &colorspace) != 0)
        return 0;
    return *width > 0 && *height > 0 && colorspace != TJCS_CMYK && colorspace != TJCS_YCCK;
}

static int magick_fail(decoder *d, err *e)
{
    ExceptionType severity;
    char *msg = MagickGetException(d->wand, &severity);
    err_set(e, "cannot decode image: %s", msg && *msg ? msg : "unknown format");
    MagickRelinquishMemory(msg);
    ClearMagickWand(d->wand);
    return -1;
}

static int magick_read(decoder *d, const void *data, size_t size, err *e)
{
    ClearMagickWand(d->wand);
    if (size == 0 || MagickReadImageBlob(d->wand, data, size) == MagickFalse)
        return magick_fail(d, e);
    MagickResetIterator(d->wand);   /* first frame of a multi-frame file */
    if (MagickGetImageWidth(d->wand) == 0 || MagickGetImageHeight(d->wand) == 0) {
        ClearMagickWand(d->wand);
        return err_set(e, "cannot decode image: no pixels in it");
    }
    return 0;
}

int decoder_probe(decoder *d, const void *data, size_t size, int *height, int *width, err *e)
{
    if (tj_header(d, data, size, height, width))
        return 0;
    if (magick_read(d, data, size, e) < 0)
        return -1;
    *height = (int)MagickGetImageHeight(d->wand);
    *width = (int)MagickGetImageWidth(d->wand);
    ClearMagickWand(d->wand);
    return 0;
}

static int wrong_size(int h, int w, int height, int width, err *e)
{
    return err_set(e, "image is %dx%d, the store is %dx%d (all images of a store have one size)",
                   w, h, width, height);
}

int decoder_decode(decoder *d, const void *data, size_t size, int height, int width,
                   uint8_t *out, err *e)
{
    int h, w;
    if (tj_header(d, data, size, &h, &w)) {
        if (h != height || w != width)
            return wrong_size(h, w, height, width, e);
        if (tjDecompress2(d->tj, data, (unsigned long)size, out, width, 0, height, TJPF_RGB,
                          0) == 0)
            return 0;
        /* Warnings such as "Corrupt JPEG data: 2 extraneous bytes" leave a whole image (Pillow
         * accepts those too); a truncated file does not. */
        const char *msg = tjGetErrorStr2(d->tj);
        if (tjGetErrorCode(d->tj) == TJERR_WARNING && !strstr(msg, "Premature end"))
            return 0;
        return err_set(e, "cannot decode JPEG: %s", msg);
    }
    if (magick_read(d, data, size, e) < 0)
        return -1;
    h = (int)MagickGetImageHeight(d->wand);
    w = (int)MagickGetImageWidth(d->wand);
    if (h != height || w != width) {
        ClearMagickWand(d->wand);
        return wrong_size(h, w, height, width, e);
    }
    if (MagickGetImageColorspace(d->wand) != sRGBColorspace &&
        MagickTransformImageColorspace(d->wand, sRGBColorspace) == MagickFalse)
        return magick_fail(d, e);
    if (MagickExportImagePixels(d->wand, 0, 0, (size_t)width, (size_t)height, "RGB", CharPixel,
                                out) == MagickFalse)
        return magick_fail(d, e);
    ClearMagickWand(d->wand);
    return 0;
}
