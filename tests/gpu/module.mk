# tests/gpu/: the CUDA backend's tests.
# - tests/unit/cuda: its GPU-free host logic (plan, loss scaling), run by `make test` with or
#   without CUDA. (This file must be included before tests/module.mk, which reads TEST_OBJS_cuda.)
# - gpu-parity and gpu-bench: the programs tests/gpu/check.sh runs on a machine with a GPU,
#   built with the CUDA backend (CUDA=1) as part of `make`, so CI compiles and links them.
TEST_OBJS_cuda := $(BUILD)/train/cuda/plan.o $(BUILD)/train/cuda/loss_scale.o \
                  $(BUILD)/train/model.o
TEST_LIBS_cuda := -lm

ifeq ($(CUDA),1)
GPU_PROGS := $(BUILD)/tests/gpu-parity $(BUILD)/tests/gpu-bench
all: $(GPU_PROGS)

$(BUILD)/tests/gpu-%: $(BUILD)/tests/gpu/%.o $(BUILD)/tests/gpu/gpu_util.o $(TRAIN_OBJS) \
                      $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TRAIN_LIBS) $(LDLIBS_DEPS) -fopenmp -lstdc++
endif
