/* fixture.h: small image folders made at test time, for the pack tests. */
#ifndef VGG_TEST_PACK_FIXTURE_H
#define VGG_TEST_PACK_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/* A fresh temporary folder (removed by fixture_rmrf). */
char *fixture_tmpdir(void);
void fixture_rmrf(const char *path);

/* Writes <dir>/<class>/img<i>.jpg, a JPEG of a pattern unique to (seed, i), quality 90. */
void fixture_jpeg(const char *dir, const char *class_name, int i, int height, int width,
                  int seed);
/* Writes arbitrary bytes to <dir>/<class>/<name>. */
void fixture_file(const char *dir, const char *class_name, const char *name, const void *data,
                  size_t size);
/* The pixels TurboJPEG decodes from a file (independent of pack/decode.c); caller frees. */
uint8_t *fixture_decode(const char *path, int *height, int *width);

#endif
