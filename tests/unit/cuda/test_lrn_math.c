/* LRN's per-element math (train/cuda/lrn_math.h), which the CUDA kernel runs, against a direct
 * double-precision transcription of PyTorch's LocalResponseNorm and, for the backward, against
 * central finite differences of it. */
#include <criterion/criterion.h>
#include <math.h>

#include "train/cuda/lrn_math.h"

enum { C = 11 };

static double ref_forward(const double *x, int c, int size, double alpha, double beta, double k)
{
    double sum = 0;
    for (int q = c - size / 2; q <= c + (size - 1) / 2; q++)
        if (q >= 0 && q < C)
            sum += x[q] * x[q];
    return x[c] * pow(k + alpha / size * sum, -beta);
}

/* The window of channel c, as the kernel fills it. */
static void window(const double *v, int c, int size, float *w)
{
    for (int q = 0; q < LRN_WINDOW(size); q++) {
        int at = c - (size - 1) + q;
        w[q] = at >= 0 && at < C ? (float)v[at] : 0.f;
    }
}

static void inputs(double *x, double *dy)
{
    for (int c = 0; c < C; c++) {
        x[c] = 3.0 * sin(1.7 * c + 0.3);
        dy[c] = cos(2.3 * c);
    }
}

static void check(int size, double alpha, double beta, double k)
{
    double x[C], dy[C];
    inputs(x, dy);
    float xw[LRN_WINDOW(LRN_MAX_SIZE)], dyw[LRN_WINDOW(LRN_MAX_SIZE)];
    for (int c = 0; c < C; c++) {
        window(x, c, size, xw);
        window(dy, c, size, dyw);
        double y = ref_forward(x, c, size, alpha, beta, k);
        cr_assert(fabs(lrn_forward(xw, size, alpha, beta, k) - y) <= 1e-5 * (1 + fabs(y)),
                  "size %d channel %d: forward %g, PyTorch %g", size, c,
                  lrn_forward(xw, size, alpha, beta, k), y);
        /* d/dx_c of sum_j dy_j y_j(x) */
        double h = 1e-5, save = x[c], up = 0, down = 0;
        x[c] = save + h;
        for (int j = 0; j < C; j++)
            up += dy[j] * ref_forward(x, j, size, alpha, beta, k);
        x[c] = save - h;
        for (int j = 0; j < C; j++)
            down += dy[j] * ref_forward(x, j, size, alpha, beta, k);
        x[c] = save;
        double numeric = (up - down) / (2 * h);
        float got = lrn_backward(xw, dyw, size, alpha, beta, k);
        cr_assert(fabs(got - numeric) <= 1e-3 * (1 + fabs(numeric)),
                  "size %d channel %d: backward %g, finite differences %g", size, c, got, numeric);
    }
}

Test(lrn_math, matches_pytorch_with_alexnet_parameters)
{
    check(5, 1e-4, 0.75, 2.0);
}

Test(lrn_math, matches_pytorch_where_the_squares_dominate)
{
    check(5, 2.0, 0.75, 1.0);
    check(3, 1.5, 0.5, 0.5);
}

Test(lrn_math, matches_pytorch_with_an_even_window)
{
    check(4, 2.0, 0.75, 1.0);
}
