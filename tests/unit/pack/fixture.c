#include "fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>

char *fixture_tmpdir(void)
{
    char *dir = strdup("/tmp/vgg-pack-test-XXXXXX");
    cr_assert(dir && mkdtemp(dir));
    return dir;
}

void fixture_rmrf(const char *path)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    cr_assert_eq(system(cmd), 0);
}

void fixture_file(const char *dir, const char *class_name, const char *name, const void *data,
                  size_t size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, class_name);
    mkdir(dir, 0755);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, class_name, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, size, f), size);
    cr_assert_eq(fclose(f), 0);
}

void fixture_jpeg(const char *dir, const char *class_name, int i, int height, int width,
                  int seed)
{
    size_t n = (size_t)height * width * 3;
    uint8_t *rgb = malloc(n);
    cr_assert(rgb);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            for (int c = 0; c < 3; c++)
                rgb[((size_t)y * width + x) * 3 + c] =
                    (uint8_t)(seed * 37 + i * 11 + x * (c + 1) * 3 + y * (3 - c) * 2);
    tjhandle tj = tjInitCompress();
    unsigned char *jpeg = NULL;
    unsigned long size = 0;
    cr_assert_eq(tjCompress2(tj, rgb, width, 0, height, TJPF_RGB, &jpeg, &size, TJSAMP_420, 90,
                             0), 0);
    char name[64];
    snprintf(name, sizeof name, "img%03d.jpg", i);
    fixture_file(dir, class_name, name, jpeg, size);
    tjFree(jpeg);
    tjDestroy(tj);
    free(rgb);
}

uint8_t *fixture_decode(const char *path, int *height, int *width)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)size);
    cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    tjhandle tj = tjInitDecompress();
    int sub, cs;
    cr_assert_eq(tjDecompressHeader3(tj, buf, (unsigned long)size, width, height, &sub, &cs), 0);
    uint8_t *rgb = malloc((size_t)*height * *width * 3);
    cr_assert_eq(tjDecompress2(tj, buf, (unsigned long)size, rgb, *width, 0, *height, TJPF_RGB,
                               0), 0);
    tjDestroy(tj);
    free(buf);
    return rgb;
}
