/* checkpoint.h: a model's weights in safetensors, named like torchvision's VGG state_dict
 * (features.N.weight/bias, BN running_mean/running_var/num_batches_tracked, classifier.N.*),
 * so `load_state_dict(safetensors.torch.load_file(path))` works in PyTorch. Metadata (strings):
 *   format "vgg-train/1", arch, options ("num_classes=.. input_size=.. batch_norm=.. fc_width=..
 *   width_div=.. dropout=.."), classes (one name a line), source ("HxW"), mean, std,
 *   epoch, step (micro-batches done), config (the effective INI), state (what --resume
 *   needs, "key=value" lines).
 * The optimizer's momentum goes to a companion file "<name>.optim.safetensors" (same names),
 * so that the main file stays loadable by torchvision (strict load_state_dict rejects unknown
 * keys); its "step" metadata must match the main file's. Each file is atomic, and the pair is
 * too: the momentum is staged at "<companion>.pending", the main file renamed into place, then
 * the pending file; --resume completes a save that a kill -9 cut between the two renames.
 */
#ifndef VGG_TRAIN_CHECKPOINT_H
#define VGG_TRAIN_CHECKPOINT_H

#include <stdint.h>

#include "common/error.h"
#include "common/store.h"
#include "train/model.h"

/* Training progress, saved so --resume continues the same run. */
typedef struct train_state {
    int epoch;                  /* epochs completed */
    int64_t batch_in_epoch;     /* micro-batches done in epoch `epoch` (a Ctrl-C mid-epoch) */
    uint64_t step;              /* micro-batches done in total (seeds dropout, counts BN updates) */
    double plateau_scale, plateau_best;
    int plateau_bad_epochs;
    double best_top1;           /* best validation top-1 so far (-1 before any) */
    double epoch_loss_sum;      /* training sums of the epoch so far (resumed mid-epoch) */
    int64_t epoch_correct, epoch_images;
    int64_t epoch_skipped;      /* damaged records left out so far in the epoch (skip_corrupt) */
} train_state;

typedef struct checkpoint_meta {
    char arch[16];
    model_options opt;
    char **class_names;         /* opt.num_classes names */
    int src_h, src_w;           /* shape of the records the model was trained on */
    float mean[3], std[3];      /* input normalisation, pixel units */
    char *config_text;          /* effective configuration (INI), may be NULL */
    train_state state;
} checkpoint_meta;

/* Writes path (and, when momentum is not NULL, its .optim companion, staged first). */
int checkpoint_save(const char *path, const model *m, const checkpoint_meta *meta,
                    const float *params, const float *stats, const float *momentum, err *e);

/* 0 when the store at store_path has the checkpoint's classes, in its order (labels mean the
 * same); otherwise -1 naming the first difference. */
int checkpoint_classes_match(const checkpoint_meta *meta, const store_meta *sm,
                             const char *store_path, const char *ckpt_path, err *e);

/* Reads the metadata of a vgg-train checkpoint (fails for files without it). */
int checkpoint_read_meta(const char *path, checkpoint_meta *meta, err *e);
void checkpoint_meta_free(checkpoint_meta *meta);

/* Loads weights (and BN statistics) into params/stats; every tensor of `m` must be present
 * with its shape, and no other tensor: otherwise "a checkpoint of another architecture".
 * With replace_last (--init-from), a last layer of another class count is left as it is
 * (*replaced set to 1). */
int checkpoint_load_weights(const char *path, const model *m, int replace_last, float *params,
                            float *stats, int *replaced, err *e);
/* Loads the momentum of `step` from the companion of `path`, or from a pending companion of
 * that step, which it then renames over the companion (a save cut between its renames). */
int checkpoint_load_momentum(const char *path, const model *m, uint64_t step, float *momentum,
                             err *e);

/* The companion file name of a checkpoint path. */
void checkpoint_optim_path(const char *path, char *out, size_t len);

#endif
