/* image_decode.c: MagickWand decode, cover-resize and centre crop. */
#include "train/image_decode.h"

#include <math.h>
#include <wand/MagickWand.h>

static int magick_error(MagickWand *w, const char *path, err *e)
{
    ExceptionType type;
    char *why = MagickGetException(w, &type);
    err_set(e, "%s: cannot read the image: %s", path, why && *why ? why : "unknown format");
    MagickRelinquishMemory(why);
    return -1;
}

int image_decode_rgb(const char *path, int h, int w, uint8_t *out, err *e)
{
    MagickWandGenesis();
    MagickWand *wand = NewMagickWand();
    PixelWand *white = NewPixelWand();
    PixelSetColor(white, "white");
    int rc = -1;
    if (MagickReadImage(wand, path) == MagickFalse) {
        magick_error(wand, path, e);
        goto out;
    }
    MagickResetIterator(wand);
    MagickNextImage(wand); /* the first frame only */
    size_t sw = MagickGetImageWidth(wand), sh = MagickGetImageHeight(wand);
    if (sw == 0 || sh == 0) {
        err_set(e, "%s: empty image", path);
        goto out;
    }
    if (MagickAutoOrientImage(wand) == MagickFalse ||
        MagickTransformImageColorspace(wand, sRGBColorspace) == MagickFalse ||
        MagickSetImageBackgroundColor(wand, white) == MagickFalse ||
        MagickSetImageAlphaChannel(wand, RemoveAlphaChannel) == MagickFalse) {
        magick_error(wand, path, e);
        goto out;
    }
    sw = MagickGetImageWidth(wand), sh = MagickGetImageHeight(wand);
    double scale = fmax((double)w / (double)sw, (double)h / (double)sh);
    size_t rw = (size_t)fmax(w, lround((double)sw * scale));
    size_t rh = (size_t)fmax(h, lround((double)sh * scale));
    int resize = rw != sw || rh != sh; /* an image of the right size passes unchanged */
    if ((resize && MagickResizeImage(wand, rw, rh, LanczosFilter, 1.0) == MagickFalse) ||
        MagickCropImage(wand, (size_t)w, (size_t)h, (ssize_t)(rw - (size_t)w) / 2,
                        (ssize_t)(rh - (size_t)h) / 2) == MagickFalse ||
        MagickExportImagePixels(wand, 0, 0, (size_t)w, (size_t)h, "RGB", CharPixel, out) ==
            MagickFalse) {
        magick_error(wand, path, e);
        goto out;
    }
    rc = 0;
out:
    DestroyPixelWand(white);
    DestroyMagickWand(wand);
    return rc;
}
