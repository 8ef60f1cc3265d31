#include "pack/sheet.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wand/MagickWand.h>

#include "common/atomic.h"

/* Fills pick[label * per_class + k] with record indices of the split, -1 where a class has
 * fewer. Reads headers only. */
static int pick_samples(store_txn *t, const store_meta *m, store_split sp, int per_class,
                        int64_t *pick, err *e)
{
    int *have = calloc((size_t)m->num_classes, sizeof *have);
    if (!have)
        return err_set(e, "out of memory");
    int missing = m->num_classes;
    for (uint64_t i = 0; i < m->split_count[sp] && missing > 0; i++) {
        store_record rec;
        if (store_get(t, sp, i, 0, &rec, e) < 0) {
            free(have);
            return -1;
        }
        int *h = &have[rec.label];
        if (*h < per_class) {
            pick[(size_t)rec.label * per_class + *h] = (int64_t)i;
            if (++*h == per_class || (uint64_t)*h == m->class_count[sp][rec.label])
                missing--;
        }
    }
    free(have);
    return 0;
}

static void label_row(MagickWand *canvas, const char *name, int y)
{
    DrawingWand *d = NewDrawingWand();
    PixelWand *fg = NewPixelWand(), *under = NewPixelWand();
    PixelSetColor(fg, "white");
    PixelSetColor(under, "rgba(0,0,0,0.6)");
    DrawSetFillColor(d, fg);
    DrawSetTextUnderColor(d, under);
    DrawSetFontSize(d, 16);
    MagickAnnotateImage(canvas, d, 4, y + 18, 0, name);   /* no font: the row stays unlabelled */
    DestroyPixelWand(fg);
    DestroyPixelWand(under);
    DestroyDrawingWand(d);
}

static int compose(store_txn *t, const store_meta *m, store_split sp, int per_class,
                   const int64_t *pick, MagickWand *canvas, err *e)
{
    MagickWand *tile = NewMagickWand();
    int rc = 0;
    for (int c = 0; c < m->num_classes && rc == 0; c++) {
        for (int k = 0; k < per_class && rc == 0; k++) {
            int64_t i = pick[(size_t)c * per_class + k];
            store_record rec;
            if (i < 0)
                break;
            rc = store_get(t, sp, (uint64_t)i, 0, &rec, e);
            if (rc == 0 && (MagickConstituteImage(tile, (size_t)rec.width, (size_t)rec.height,
                                                  "RGB", CharPixel, rec.pixels) == MagickFalse ||
                            MagickCompositeImage(canvas, tile, OverCompositeOp,
                                                 (ssize_t)k * m->width,
                                                 (ssize_t)c * m->height) == MagickFalse))
                rc = err_set(e, "cannot compose the sheet");
            ClearMagickWand(tile);
        }
        label_row(canvas, m->class_names[c], c * m->height);
    }
    DestroyMagickWand(tile);
    return rc;
}

static int save(MagickWand *canvas, const char *path, err *e)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/') || MagickSetImageFormat(canvas, dot + 1) == MagickFalse)
        return err_set(e, "%s: unknown image format (use a name ending in .png or .jpg)", path);
    MagickSetImageAlphaChannel(canvas, DeactivateAlphaChannel);   /* plain RGB */
    atomic_file af;
    if (atomic_open(&af, path, e) < 0)
        return -1;
    if (MagickWriteImageFile(canvas, af.f) == MagickFalse) {
        atomic_abort(&af);
        return err_set(e, "%s: cannot write the sheet", path);
    }
    return atomic_commit(&af, e);
}

int sheet_write(store *s, const char *path, int per_class, err *e)
{
    const store_meta *m = store_get_meta(s);
    store_split sp = m->split_count[STORE_TRAIN] ? STORE_TRAIN : STORE_VAL;
    int64_t *pick = malloc((size_t)m->num_classes * per_class * sizeof *pick);
    store_txn *t = NULL;
    if (!pick)
        return err_set(e, "out of memory");
    memset(pick, 0xFF, (size_t)m->num_classes * per_class * sizeof *pick);   /* -1 */
    int rc = store_txn_begin(s, &t, e);
    if (rc == 0)
        rc = pick_samples(t, m, sp, per_class, pick, e);
    MagickWand *canvas = NewMagickWand();
    PixelWand *bg = NewPixelWand();
    PixelSetColor(bg, "gray20");
    if (rc == 0 && MagickNewImage(canvas, (size_t)per_class * m->width,
                                  (size_t)m->num_classes * m->height, bg) == MagickFalse)
        rc = err_set(e, "%s: cannot make a %dx%d sheet", path, per_class * m->width,
                     m->num_classes * m->height);
    if (rc == 0)
        rc = compose(t, m, sp, per_class, pick, canvas, e);
    if (rc == 0)
        rc = save(canvas, path, e);
    DestroyPixelWand(bg);
    DestroyMagickWand(canvas);
    store_txn_end(t);
    free(pick);
    return rc;
}
