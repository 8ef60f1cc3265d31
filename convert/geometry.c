#include "convert/geometry.h"

static int scaled_round(int v, int num, int den) { return (int)(((long long)v * num + den / 2) / den); }
static int max_int(int a, int b) { return a > b ? a : b; }

geometry geometry_plan(int w, int h, resize_mode mode, int size)
{
    geometry g = {0, 0, w, h, size, size, 0, 0};
    if (mode == MODE_CROP) {
        /* The centred square of side min(w, h) is what "shorter side to size, centre crop"
         * keeps; cropping it first saves resizing pixels that would be thrown away. */
        int side = w < h ? w : h;
        g.box_x = (w - side) / 2.0;
        g.box_y = (h - side) / 2.0;
        g.box_w = g.box_h = side;
    } else if (mode == MODE_PAD) {
        int longer = max_int(w, h);
        g.resize_w = max_int(1, scaled_round(w, size, longer));
        g.resize_h = max_int(1, scaled_round(h, size, longer));
        g.place_x = (size - g.resize_w) / 2;
        g.place_y = (size - g.resize_h) / 2;
    }
    return g;
}

geometry geometry_scale_box(geometry g, double factor)
{
    g.box_x *= factor;
    g.box_y *= factor;
    g.box_w *= factor;
    g.box_h *= factor;
    return g;
}

/* The side that must keep at least `size` pixels: the shorter one, except in pad mode. */
static int needed_side(int w, int h, resize_mode mode)
{
    if (mode == MODE_PAD)
        return max_int(w, h);
    return w < h ? w : h;
}

int geometry_pick_scale(int w, int h, resize_mode mode, int size, const int *num,
                        const int *denom, int n)
{
    int side = needed_side(w, h, mode), best = -1;
    for (int i = 0; i < n; i++) {
        if (num[i] > denom[i])
            continue;
        int scaled = (int)(((long long)side * num[i] + denom[i] - 1) / denom[i]);
        int fits = scaled >= size || num[i] == denom[i];
        if (fits && (best < 0 || (long long)num[i] * denom[best] < (long long)num[best] * denom[i]))
            best = i;
    }
    return best;
}
