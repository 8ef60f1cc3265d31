/* Decoder choice for vgg-pack: the same JPEGs decoded to RGB by TurboJPEG and by MagickWand,
 * files preloaded in memory. Built and run by tests/bench/pack.sh. Usage: pack_decoders FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <turbojpeg.h>
#include <wand/MagickWand.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int n = argc - 1;
    unsigned char **data = calloc((size_t)n, sizeof *data);
    size_t *size = calloc((size_t)n, sizeof *size);
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(argv[i + 1], "rb");
        if (!f)
            return 2;
        fseek(f, 0, SEEK_END);
        size[i] = (size_t)ftell(f);
        rewind(f);
        data[i] = malloc(size[i]);
        if (fread(data[i], 1, size[i], f) != size[i])
            return 2;
        fclose(f);
    }
    unsigned char *out = malloc(4096 * 4096 * 3);
    tjhandle tj = tjInitDecompress();
    double t0 = now();
    for (int i = 0; i < n; i++) {
        int w, h, sub, cs;
        tjDecompressHeader3(tj, data[i], (unsigned long)size[i], &w, &h, &sub, &cs);
        tjDecompress2(tj, data[i], (unsigned long)size[i], out, w, 0, h, TJPF_RGB, 0);
    }
    double tj_s = now() - t0;
    MagickWandGenesis();
    SetMagickResourceLimit(ThreadResource, 1);
    MagickWand *wand = NewMagickWand();
    t0 = now();
    for (int i = 0; i < n; i++) {
        MagickReadImageBlob(wand, data[i], size[i]);
        MagickExportImagePixels(wand, 0, 0, MagickGetImageWidth(wand), MagickGetImageHeight(wand),
                                "RGB", CharPixel, out);
        ClearMagickWand(wand);
    }
    double mw_s = now() - t0;
    printf("decode %d JPEGs, one thread: TurboJPEG %.0f us/image (%.0f images/s), MagickWand "
           "%.0f us/image (%.0f images/s)\n", n, tj_s / n * 1e6, n / tj_s, mw_s / n * 1e6,
           n / mw_s);
    DestroyMagickWand(wand);
    MagickWandTerminus();
    return 0;
}
