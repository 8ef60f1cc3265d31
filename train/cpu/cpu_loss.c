/* cpu_loss.c: numerically stable softmax cross-entropy with label smoothing, and top-k hits. */
#include <math.h>

#include "train/cpu/cpu_kernels.h"

void cpu_softmax_xent(const float *logits, int n, int k, const int32_t *labels, float eps,
                      float *grad, backend_metrics *m)
{
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * k;
        int label = labels[i];
        double zmax = z[0], zsum = 0.0;
        for (int j = 1; j < k; j++)
            zmax = z[j] > zmax ? z[j] : zmax;
        double se = 0.0;
        for (int j = 0; j < k; j++) {
            se += exp((double)z[j] - zmax);
            zsum += z[j];
        }
        double lse = zmax + log(se);
        /* loss = (1-eps) * (lse - z_y) + eps/k * sum_j (lse - z_j) */
        double loss = (1.0 - eps) * (lse - z[label]) + eps * (lse - zsum / k);
        int rank = 0; /* classes scoring strictly above the true one */
        for (int j = 0; j < k; j++)
            rank += z[j] > z[label];
        m->loss_sum += loss;
        m->correct_top1 += rank == 0;
        m->correct_top5 += rank < 5;
        m->images++;
        if (!isfinite(loss))
            m->nonfinite = 1;
        if (grad) {
            float *g = grad + (size_t)i * k;
            for (int j = 0; j < k; j++) {
                double target = eps / k + (j == label ? 1.0 - eps : 0.0);
                g[j] = (float)((exp((double)z[j] - lse) - target) / n);
            }
        }
    }
}
