/* plot.c: two line charts with MagickWand's drawing API. */
#include "train/plot.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <wand/MagickWand.h>

#include "common/atomic.h"

enum { WIDTH = 1000, HEIGHT = 420, PANEL_W = 500, LEFT = 70, RIGHT = 20, TOP = 40, BOTTOM = 50 };

typedef struct series {
    const char *label, *color;
    size_t field;               /* offset of the value in epoch_row */
} series;

typedef struct panel {
    const char *title;
    series s[2];
    double scale;               /* value multiplier for display (100 for percentages) */
} panel;

static double value(const epoch_row *r, size_t field) { return *(const double *)((const char *)r + field); }

static void set_color(DrawingWand *d, const char *color, int fill)
{
    PixelWand *p = NewPixelWand();
    PixelSetColor(p, color);
    if (fill)
        DrawSetFillColor(d, p);
    else
        DrawSetStrokeColor(d, p);
    DestroyPixelWand(p);
}

static void text(DrawingWand *d, double x, double y, const char *s, const char *color)
{
    DrawSetStrokeOpacity(d, 0);
    set_color(d, color, 1);
    DrawAnnotation(d, x, y, (const unsigned char *)s);
    DrawSetStrokeOpacity(d, 1);
}

static void draw_panel(DrawingWand *d, int x0, const panel *p, const epoch_row *rows, int n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < n; i++) {
            double v = value(&rows[i], p->s[k].field) * p->scale;
            if (isfinite(v))
                lo = fmin(lo, v), hi = fmax(hi, v);
        }
    if (!isfinite(lo))
        lo = 0, hi = 1;
    if (hi - lo < 1e-9)
        hi = lo + 1;
    double pad = (hi - lo) * 0.05;
    lo = fmax(lo - pad, 0), hi += pad; /* losses and accuracies are never negative */
    double px0 = x0 + LEFT, px1 = x0 + PANEL_W - RIGHT, py0 = HEIGHT - BOTTOM, py1 = TOP;
    int first = rows[0].epoch, last = rows[n - 1].epoch > first ? rows[n - 1].epoch : first + 1;
#define X(ep) (px0 + ((ep) - first) * (px1 - px0) / (last - first))
#define Y(v) (py0 - ((v) - lo) * (py0 - py1) / (hi - lo))
    DrawSetFillOpacity(d, 0);
    set_color(d, "black", 0);
    DrawSetStrokeWidth(d, 1);
    DrawRectangle(d, px0, py1, px1, py0);
    DrawSetFillOpacity(d, 1);
    char buf[64];
    for (int t = 0; t <= 5; t++) { /* y ticks */
        double v = lo + (hi - lo) * t / 5.0, y = Y(v);
        set_color(d, "black", 0);
        DrawLine(d, px0 - 5, y, px0, y);
        snprintf(buf, sizeof buf, "%.3g", v);
        text(d, x0 + 8, y + 4, buf, "black");
    }
    int step = (last - first) / 8 + 1;
    for (int ep = first; ep <= last; ep += step) { /* x ticks */
        set_color(d, "black", 0);
        DrawLine(d, X(ep), py0, X(ep), py0 + 5);
        snprintf(buf, sizeof buf, "%d", ep);
        text(d, X(ep) - 4, py0 + 18, buf, "black");
    }
    text(d, (px0 + px1) / 2 - 18, HEIGHT - 10, "epoch", "black");
    text(d, px0, TOP - 15, p->title, "black");
    DrawSetStrokeWidth(d, 2);
    for (int k = 0; k < 2; k++) {
        const series *s = &p->s[k];
        set_color(d, s->color, 0);
        DrawSetFillOpacity(d, 0);
        for (int i = 0; i < n; i++) {
            double v = value(&rows[i], s->field) * p->scale;
            double v1 = i + 1 < n ? value(&rows[i + 1], s->field) * p->scale : NAN;
            if (isfinite(v) && isfinite(v1))
                DrawLine(d, X(rows[i].epoch), Y(v), X(rows[i + 1].epoch), Y(v1));
            if (isfinite(v))
                DrawCircle(d, X(rows[i].epoch), Y(v), X(rows[i].epoch) + 2, Y(v));
        }
        DrawSetFillOpacity(d, 1);
        double ly = TOP + 15 + 18 * k; /* legend */
        DrawLine(d, px1 - 130, ly - 4, px1 - 105, ly - 4);
        text(d, px1 - 98, ly, s->label, "black");
    }
    DrawSetStrokeWidth(d, 1);
#undef X
#undef Y
}

int plot_curves(const char *path, const epoch_row *rows, int n, err *e)
{
    if (n < 1)
        return err_set(e, "%s: no epochs to plot", path);
    static const panel panels[2] = {
        {"loss", {{"train", "#1f77b4", offsetof(epoch_row, train_loss)},
                  {"validation", "#d62728", offsetof(epoch_row, val_loss)}}, 1.0},
        {"top-1 accuracy (%)", {{"train", "#1f77b4", offsetof(epoch_row, train_top1)},
                                {"validation", "#d62728", offsetof(epoch_row, val_top1)}}, 100.0},
    };
    MagickWandGenesis();
    MagickWand *w = NewMagickWand();
    PixelWand *bg = NewPixelWand();
    DrawingWand *d = NewDrawingWand();
    PixelSetColor(bg, "white");
    int rc = -1;
    if (MagickNewImage(w, WIDTH, HEIGHT, bg) == MagickFalse)
        goto magick_failed;
    DrawSetFontSize(d, 13);
    /* A named font renders 3-4x faster than ImageMagick's default lookup, when present. */
    size_t nfonts = 0;
    char **fonts = MagickQueryFonts("DejaVu-Sans", &nfonts);
    if (nfonts > 0)
        DrawSetFont(d, "DejaVu-Sans");
    for (size_t i = 0; i < nfonts; i++)
        MagickRelinquishMemory(fonts[i]);
    MagickRelinquishMemory(fonts);
    DrawSetStrokeAntialias(d, MagickTrue);
    for (int p = 0; p < 2; p++)
        draw_panel(d, p * PANEL_W, &panels[p], rows, n);
    if (MagickDrawImage(w, d) == MagickFalse || MagickSetImageFormat(w, "PNG") == MagickFalse)
        goto magick_failed;
    atomic_file af;
    if (atomic_open(&af, path, e) < 0)
        goto out;
    if (MagickWriteImageFile(w, af.f) == MagickFalse) {
        atomic_abort(&af);
        goto magick_failed;
    }
    rc = atomic_commit(&af, e);
    goto out;
magick_failed: {
    ExceptionType type;
    char *why = MagickGetException(w, &type);
    err_set(e, "%s: cannot draw the curves: %s", path, why && *why ? why : "ImageMagick error");
    MagickRelinquishMemory(why);
}
out:
    DestroyDrawingWand(d);
    DestroyPixelWand(bg);
    DestroyMagickWand(w);
    return rc;
}
