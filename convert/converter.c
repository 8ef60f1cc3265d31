#include "convert/converter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>
#include <wand/MagickWand.h>

#include "convert/exif.h"
#include "convert/geometry.h"
#include "convert/header.h"
#include "convert/resample.h"

enum { MAX_FACTORS = 32 };

struct converter {
    convert_options opt;
    MagickWand *wand;
    PixelWand *white;           /* background that alpha is flattened on */
    tjhandle dec, enc;
    resampler *resampler;
    int n_factors, num[MAX_FACTORS], den[MAX_FACTORS];
    uint8_t *in;                /* bytes of the file being converted */
    size_t in_cap;
    uint8_t *pix;               /* the decoded image, RGB */
    size_t pix_cap;
    int pix_w, pix_h;
    geometry plan;              /* where pix goes in rgb */
    uint8_t *rgb;               /* the size x size x 3 output pixels */
    unsigned char *jpeg;        /* encoded output (jpg) */
    unsigned char *blob;        /* encoded output (png), owned by ImageMagick */
};

void converter_global_setup(void)
{
    MagickWandGenesis();
    MagickSetResourceLimit(ThreadResource, 1);
}

converter *converter_new(const convert_options *opt, err *e)
{
    converter *c = calloc(1, sizeof *c);
    if (!c) {
        err_set(e, "out of memory");
        return NULL;
    }
    c->opt = *opt;
    c->wand = NewMagickWand();
    c->white = NewPixelWand();
    c->dec = tjInitDecompress();
    c->enc = tjInitCompress();
    c->resampler = resampler_new();
    size_t side = (size_t)opt->size;
    c->rgb = malloc(side * side * 3);
    c->jpeg = tjAlloc((int)tjBufSize(opt->size, opt->size, TJSAMP_444));
    int n_factors = 0;
    tjscalingfactor *f = tjGetScalingFactors(&n_factors);
    if (!c->wand || !c->white || !c->dec || !c->enc || !c->resampler || !c->rgb || !c->jpeg || !f) {
        converter_free(c);
        err_set(e, "cannot set up a converter (out of memory)");
        return NULL;
    }
    PixelSetColor(c->white, "white");
    /* Only 1/1, 1/2, 1/4 and 1/8, as Pillow's draft: libjpeg-turbo 2.1 has SIMD code for
     * those alone; its other scaled IDCTs (5/8, 3/4, 7/8...) measured slower than a full
     * decode and less sharp (benchmark corpus: mean absolute difference 1.41 at 3/4 against
     * 1.31 for the full decode). */
    int n = 0;
    for (int i = 0; i < n_factors && n < MAX_FACTORS; i++)
        if (f[i].num == 1) {
            c->num[n] = f[i].num;
            c->den[n++] = f[i].denom;
        }
    c->n_factors = n;
    return c;
}

void converter_free(converter *c)
{
    if (!c)
        return;
    if (c->wand)
        DestroyMagickWand(c->wand);
    if (c->white)
        DestroyPixelWand(c->white);
    if (c->dec)
        tjDestroy(c->dec);
    if (c->enc)
        tjDestroy(c->enc);
    resampler_free(c->resampler);
    if (c->blob)
        MagickRelinquishMemory(c->blob);
    tjFree(c->jpeg);
    free(c->in);
    free(c->pix);
    free(c->rgb);
    free(c);
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    uint8_t *bigger = realloc(*buf, need);
    if (!bigger)
        return -1;
    *buf = bigger;
    *cap = need;
    return 0;
}

/* ImageMagick's message for the last failure, cut to its first part (no " @ file/line"). */
static int magick_error(converter *c, const char *what, err *e)
{
    ExceptionType type;
    char *desc = MagickGetException(c->wand, &type);
    char *at = desc ? strstr(desc, " `") : NULL;  /* drop " `file' @ error/file.c/..." */
    if (at)
        *at = '\0';
    err_set(e, "%s%s%s", what, desc && *desc ? ": " : "", desc ? desc : "");
    if (desc)
        MagickRelinquishMemory(desc);
    MagickClearException(c->wand);
    return -1;
}

static int check_pixels(const converter *c, uint64_t w, uint64_t h, err *e)
{
    if (w * h > c->opt.max_pixels)
        return err_set(e, "%llux%llu is over the limit of %llu pixels (--max-pixels)",
                       (unsigned long long)w, (unsigned long long)h,
                       (unsigned long long)c->opt.max_pixels);
    return 0;
}

/* The fast path: 1 when the image is now in c->pix with its plan, 0 when this JPEG is for
 * MagickWand (CMYK, rotated, or a header TurboJPEG cannot read), -1 on error. */
static int decode_turbo(converter *c, const uint8_t *data, size_t size, err *e)
{
    int w, h, subsamp, colorspace;
    if (tjDecompressHeader3(c->dec, data, (unsigned long)size, &w, &h, &subsamp,
                            &colorspace) != 0)
        return 0;
    if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK || exif_orientation(data, size) != 1)
        return 0;
    if (check_pixels(c, (uint64_t)w, (uint64_t)h, e) < 0)
        return -1;
    int i = geometry_pick_scale(w, h, c->opt.mode, c->opt.size, c->num, c->den, c->n_factors);
    tjscalingfactor sf = {i < 0 ? 1 : c->num[i], i < 0 ? 1 : c->den[i]};
    int sw = TJSCALED(w, sf), sh = TJSCALED(h, sf);
    if (grow(&c->pix, &c->pix_cap, (size_t)sw * (size_t)sh * 3) < 0)
        return err_set(e, "out of memory for %dx%d pixels", sw, sh);
    if (tjDecompress2(c->dec, data, (unsigned long)size, c->pix, sw, 0, sh, TJPF_RGB, 0) != 0) {
        /* Warnings (e.g. extraneous bytes) still give the whole image; a truncated file
         * does not. */
        const char *msg = tjGetErrorStr2(c->dec);
        if (tjGetErrorCode(c->dec) != TJERR_WARNING || strstr(msg, "Premature end"))
            return err_set(e, "corrupt JPEG: %s", msg);
    }
    /* libjpeg scales each 8x8 block to exactly num/denom of it, so the box scales too. */
    c->plan = geometry_scale_box(geometry_plan(w, h, c->opt.mode, c->opt.size),
                                 (double)sf.num / sf.denom);
    c->pix_w = sw;
    c->pix_h = sh;
    return 1;
}

/* Everything else, into c->pix with its plan: first frame, checked from the header before it
 * is decoded. */
static int decode_magick(converter *c, const uint8_t *data, size_t size, err *e)
{
    uint64_t w, h;
    const char *format = header_format(data, size);
    if (!format)
        return err_set(e, "not an image (or not a format vgg-convert reads)");
    if (header_dimensions(data, size, &w, &h) && check_pixels(c, w, h, e) < 0)
        return -1;
    char name[32];   /* "PNG:image[0]": that coder only, the first frame */
    snprintf(name, sizeof name, "%s:image[0]", format);
    ClearMagickWand(c->wand);
    MagickSetFilename(c->wand, name);
    if (!MagickPingImageBlob(c->wand, data, size))
        return magick_error(c, "not a readable image", e);
    if (check_pixels(c, MagickGetImageWidth(c->wand), MagickGetImageHeight(c->wand), e) < 0)
        return -1;
    ClearMagickWand(c->wand);
    MagickSetFilename(c->wand, name);
    char hint[32];
    snprintf(hint, sizeof hint, "%dx%d", c->opt.size, c->opt.size);
    MagickSetOption(c->wand, "jpeg:size", hint);  /* DCT downscale for CMYK/rotated JPEGs */
    if (!MagickReadImageBlob(c->wand, data, size))
        return magick_error(c, "cannot decode", e);
    ExceptionType type;
    char *desc = MagickGetException(c->wand, &type);
    int truncated = type == CorruptImageWarning && desc && strstr(desc, "Premature end");
    if (desc)
        MagickRelinquishMemory(desc);
    if (truncated)
        return err_set(e, "cannot decode: truncated file");
    MagickClearException(c->wand);
    if (!MagickAutoOrientImage(c->wand))
        return magick_error(c, "cannot apply the EXIF orientation", e);
    if (MagickGetImageAlphaChannel(c->wand) &&
        (!MagickSetImageBackgroundColor(c->wand, c->white) ||
         !MagickSetImageAlphaChannel(c->wand, RemoveAlphaChannel)))
        return magick_error(c, "cannot flatten the alpha channel", e);
    if (MagickGetImageColorspace(c->wand) != sRGBColorspace &&
        !MagickTransformImageColorspace(c->wand, sRGBColorspace))
        return magick_error(c, "cannot convert to sRGB", e);
    size_t iw = MagickGetImageWidth(c->wand), ih = MagickGetImageHeight(c->wand);
    if (grow(&c->pix, &c->pix_cap, iw * ih * 3) < 0)
        return err_set(e, "out of memory for %zux%zu pixels", iw, ih);
    if (!MagickExportImagePixels(c->wand, 0, 0, iw, ih, "RGB", CharPixel, c->pix))
        return magick_error(c, "cannot export pixels", e);
    c->pix_w = (int)iw;
    c->pix_h = (int)ih;
    c->plan = geometry_plan(c->pix_w, c->pix_h, c->opt.mode, c->opt.size);
    return 1;
}

/* c->pix -> c->rgb, as c->plan places it. */
static int resize_into_rgb(converter *c, err *e)
{
    const geometry *g = &c->plan;
    size_t side = (size_t)c->opt.size, stride = side * 3;
    if (g->resize_w != c->opt.size || g->resize_h != c->opt.size)
        memset(c->rgb, 0, side * stride);  /* pad: black bars */
    uint8_t *dst = c->rgb + (size_t)g->place_y * stride + (size_t)g->place_x * 3;
    if (resample_rgb(c->resampler, c->pix, c->pix_w, c->pix_h, g->box_x, g->box_y, g->box_w,
                     g->box_h, dst, g->resize_w, g->resize_h, stride) < 0)
        return err_set(e, "out of memory while resizing");
    return 0;
}

static int encode(converter *c, const uint8_t **out, size_t *out_size, err *e)
{
    int size = c->opt.size;
    if (c->opt.format == FORMAT_JPG) {
        /* ImageMagick's choice: no chroma subsampling at quality 90 and above. */
        int samp = c->opt.quality >= 90 ? TJSAMP_444 : TJSAMP_420;
        unsigned long len = 0;
        if (tjCompress2(c->enc, c->rgb, size, 0, size, TJPF_RGB, &c->jpeg, &len, samp,
                        c->opt.quality, TJFLAG_NOREALLOC) != 0)
            return err_set(e, "cannot encode JPEG: %s", tjGetErrorStr2(c->enc));
        *out = c->jpeg;
        *out_size = len;
        return 0;
    }
    ClearMagickWand(c->wand);
    if (!MagickConstituteImage(c->wand, (size_t)size, (size_t)size, "RGB", CharPixel, c->rgb))
        return magick_error(c, "cannot take the output pixels", e);
    /* Always colour type 2 (RGB, 8 bits): ImageMagick would pick gray or palette types. */
    MagickSetOption(c->wand, "png:color-type", "2");
    MagickSetOption(c->wand, "png:bit-depth", "8");
    MagickSetImageFormat(c->wand, "PNG");
    MagickStripImage(c->wand);
    if (c->blob)
        MagickRelinquishMemory(c->blob);
    size_t len = 0;
    c->blob = MagickGetImageBlob(c->wand, &len);
    if (!c->blob)
        return magick_error(c, "cannot encode PNG", e);
    *out = c->blob;
    *out_size = len;
    return 0;
}

static int is_jpeg(const uint8_t *d, size_t n) { return n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF; }

int converter_run(converter *c, const void *data, size_t size, const uint8_t **out,
                  size_t *out_size, err *e)
{
    if (size == 0)
        return err_set(e, "empty file");
    int r = is_jpeg(data, size) ? decode_turbo(c, data, size, e) : 0;
    if (r == 0)
        r = decode_magick(c, data, size, e);
    if (r < 0 || resize_into_rgb(c, e) < 0)
        return -1;
    return encode(c, out, out_size, e);
}

int converter_run_file(converter *c, const char *path, size_t max_bytes, const uint8_t **out,
                       size_t *out_size, err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(e, errno, "cannot open", NULL);
    struct stat st;
    size_t n = 0;
    int r = fstat(fd, &st) == 0 ? 0 : err_sys(e, errno, "cannot stat", NULL);
    if (r == 0 && (uint64_t)st.st_size > max_bytes)
        r = err_set(e, "file larger than %zu bytes", max_bytes);
    if (r == 0 && grow(&c->in, &c->in_cap, (size_t)st.st_size + 1) < 0)
        r = err_set(e, "out of memory");
    while (r == 0 && n < (size_t)st.st_size) {
        ssize_t got = read(fd, c->in + n, (size_t)st.st_size - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            r = got < 0 ? err_sys(e, errno, "read error", NULL) : err_set(e, "file shrank");
        else
            n += (size_t)got;
    }
    close(fd);
    return r < 0 ? -1 : converter_run(c, c->in, n, out, out_size, e);
}
