/* converter.h: one image in memory to a size x size RGB image, through both decoders. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <turbojpeg.h>
#include <wand/MagickWand.h>

#include "convert/converter.h"

static convert_options options(void)
{
    return (convert_options){.size = 224, .mode = MODE_CROP, .format = FORMAT_JPG,
                             .quality = 95, .max_pixels = 100000000, .jobs = 1};
}

static void setup(void) { converter_global_setup(); }
TestSuite(converter, .init = setup);

/* An encoded test picture made by ImageMagick: `spec` is a pseudo-image ("plasma:red-blue"),
 * then optional colourspace and the output format. Caller frees with MagickRelinquishMemory. */
static unsigned char *picture(const char *spec, size_t w, size_t h, const char *colorspace,
                              const char *format, size_t *len)
{
    MagickWand *m = NewMagickWand();
    char size[32];
    snprintf(size, sizeof size, "%zux%zu", w, h);
    MagickSetSize(m, w, h);
    MagickSetOption(m, "seed", "3");
    cr_assert(MagickReadImage(m, spec));
    if (colorspace)
        MagickTransformImageColorspace(m, strcmp(colorspace, "CMYK") == 0 ? CMYKColorspace
                                                                          : GRAYColorspace);
    MagickSetImageFormat(m, format);
    unsigned char *blob = MagickGetImageBlob(m, len);
    DestroyMagickWand(m);
    return blob;
}

/* Decodes a JPEG output to RGB (caller frees). */
static uint8_t *decode(const uint8_t *jpg, size_t n, int *w, int *h)
{
    tjhandle t = tjInitDecompress();
    int ss, cs;
    cr_assert_eq(tjDecompressHeader3(t, jpg, n, w, h, &ss, &cs), 0);
    uint8_t *rgb = malloc((size_t)*w * *h * 3);
    cr_assert_eq(tjDecompress2(t, jpg, n, rgb, *w, 0, *h, TJPF_RGB, 0), 0);
    tjDestroy(t);
    return rgb;
}

static double mean_abs_diff(const uint8_t *a, const uint8_t *b)
{
    double total = 0;
    for (int i = 0; i < 224 * 224 * 3; i++)
        total += abs(a[i] - b[i]);
    return total / (224 * 224 * 3);
}

static void convert_to_rgb(converter *c, const void *in, size_t n, uint8_t **rgb)
{
    const uint8_t *out;
    size_t out_size;
    err e;
    cr_assert_eq(converter_run(c, in, n, &out, &out_size, &e), 0, "%s", e.msg);
    int w, h;
    *rgb = decode(out, out_size, &w, &h);
    cr_assert_eq(w, 224);
    cr_assert_eq(h, 224);
}

Test(converter, dct_downscaled_jpeg_matches_a_full_decode)
{
    convert_options opt = options();
    err e;
    converter *c = converter_new(&opt, &e);
    size_t n;
    unsigned char *jpg = picture("plasma:red-blue", 1000, 750, NULL, "JPEG", &n);
    uint8_t *fast;
    convert_to_rgb(c, jpg, n, &fast);

    /* The oracle: ImageMagick, full decode, Lanczos, centre crop, no JPEG round trip. */
    MagickWand *m = NewMagickWand();
    MagickReadImageBlob(m, jpg, n);
    MagickCropImage(m, 750, 750, 125, 0);
    MagickResizeImage(m, 224, 224, LanczosFilter, 1.0);
    uint8_t *ref = malloc(224 * 224 * 3);
    MagickExportImagePixels(m, 0, 0, 224, 224, "RGB", CharPixel, ref);
    DestroyMagickWand(m);
    /* The JPEG encoding of the output alone costs this much (plasma is a worst case: noise
     * at every scale); the DCT shortcut may add only a little to it. Measured: +0.04; a crop
     * rounded to whole pixels (ImageMagick's resize) gave +0.8, a wrong crop or colour +20. */
    tjhandle t = tjInitCompress();
    unsigned char *enc = NULL;
    unsigned long enc_size = 0;
    tjCompress2(t, ref, 224, 0, 224, TJPF_RGB, &enc, &enc_size, TJSAMP_444, 95, 0);
    tjDestroy(t);
    int w, h;
    uint8_t *ref_jpeg = decode(enc, enc_size, &w, &h);
    double mad = mean_abs_diff(fast, ref), floor = mean_abs_diff(ref_jpeg, ref);
    cr_assert_lt(mad, floor + 0.4, "mean absolute difference %.2f to a full decode (JPEG alone: %.2f)",
                 mad, floor);
    tjFree(enc);
    free(ref_jpeg);
    free(ref);
    free(fast);
    MagickRelinquishMemory(jpg);
    converter_free(c);
}

Test(converter, cmyk_and_gray_come_out_as_rgb_colours)
{
    convert_options opt = options();
    err e;
    converter *c = converter_new(&opt, &e);
    size_t n;
    uint8_t *rgb;
    unsigned char *cmyk = picture("xc:red", 300, 200, "CMYK", "JPEG", &n);
    convert_to_rgb(c, cmyk, n, &rgb);
    cr_assert(rgb[0] > 200 && rgb[1] < 50 && rgb[2] < 50, "CMYK red came out %d,%d,%d",
              rgb[0], rgb[1], rgb[2]);
    free(rgb);
    MagickRelinquishMemory(cmyk);
    unsigned char *gray = picture("xc:gray50", 300, 200, "Gray", "JPEG", &n);
    convert_to_rgb(c, gray, n, &rgb);
    cr_assert(abs(rgb[0] - 128) < 4 && rgb[0] == rgb[1] && rgb[1] == rgb[2]);
    free(rgb);
    MagickRelinquishMemory(gray);
    converter_free(c);
}

Test(converter, sixteen_bit_png_and_png_output)
{
    convert_options opt = options();
    opt.format = FORMAT_PNG;
    opt.size = 32;
    err e;
    converter *c = converter_new(&opt, &e);
    MagickWand *m = NewMagickWand();
    MagickReadImage(m, "xc:blue[64x48]");
    MagickSetImageDepth(m, 16);
    MagickSetImageFormat(m, "PNG");
    size_t n;
    unsigned char *png = MagickGetImageBlob(m, &n);
    const uint8_t *out;
    size_t out_size;
    cr_assert_eq(converter_run(c, png, n, &out, &out_size, &e), 0, "%s", e.msg);
    /* IHDR: 32x32, bit depth 8, colour type 2 (RGB). */
    cr_assert_eq(memcmp(out, "\x89PNG", 4), 0);
    cr_assert_eq(out[19], 32);
    cr_assert_eq(out[23], 32);
    cr_assert_eq(out[24], 8);
    cr_assert_eq(out[25], 2);
    MagickRelinquishMemory(png);
    DestroyMagickWand(m);
    converter_free(c);
}

Test(converter, refuses_too_many_pixels_empty_and_junk)
{
    convert_options opt = options();
    opt.max_pixels = 299 * 200;
    err e;
    converter *c = converter_new(&opt, &e);
    size_t n;
    const uint8_t *out;
    size_t out_size;
    unsigned char *jpg = picture("xc:red", 300, 200, NULL, "JPEG", &n);
    cr_assert_eq(converter_run(c, jpg, n, &out, &out_size, &e), -1);
    cr_assert_str_eq(e.msg, "300x200 is over the limit of 59800 pixels (--max-pixels)");
    unsigned char *gif = picture("xc:red", 300, 200, NULL, "GIF", &n);
    cr_assert_eq(converter_run(c, gif, n, &out, &out_size, &e), -1);
    cr_assert(strstr(e.msg, "300x200 is over the limit") != NULL, "%s", e.msg);
    cr_assert_eq(converter_run(c, "", 0, &out, &out_size, &e), -1);
    cr_assert_str_eq(e.msg, "empty file");
    cr_assert_eq(converter_run(c, "hello, world", 12, &out, &out_size, &e), -1);
    cr_assert(strstr(e.msg, "not an image") != NULL, "%s", e.msg);  /* from its first bytes */
    MagickRelinquishMemory(jpg);
    MagickRelinquishMemory(gif);
    converter_free(c);
}
