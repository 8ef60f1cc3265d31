# train/: vgg-train. The training loop and everything device-independent live in train/;
# the CPU backend (oneDNN) in train/cpu/, the CUDA backend (cuDNN, cuBLAS) in train/cuda/.
TRAIN_SRCS := $(filter-out train/main.c,$(wildcard train/*.c)) $(wildcard train/cpu/*.c)
TRAIN_LIBS := -ldnnl -fopenmp
# The CPU backend's own kernels (loss, SGD, input preparation) are OpenMP loops.
$(BUILD)/train/cpu/%.o: CFLAGS += -fopenmp

ifeq ($(CUDA),1)
CUDA_ARCH ?= -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
             -gencode arch=compute_90,code=compute_90
NVCCFLAGS ?= -O3 -std=c++17 -MMD -MP $(CUDA_ARCH) -Xcompiler -Wall,-Wextra,-Werror -Werror all-warnings -I.
TRAIN_SRCS += $(wildcard train/cuda/*.c)
TRAIN_CU_OBJS := $(patsubst %.cu,$(BUILD)/%.cu.o,$(wildcard train/cuda/*.cu))
TRAIN_LIBS += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudnn -lcublasLt -lcublas -lcudart
$(BUILD)/train/%.o: CFLAGS += -DVGG_HAVE_CUDA -I$(CUDA_HOME)/include
$(BUILD)/tests/%.o: CFLAGS += -DVGG_HAVE_CUDA -I$(CUDA_HOME)/include
endif

TRAIN_OBJS := $(TRAIN_SRCS:%.c=$(BUILD)/%.o) $(TRAIN_CU_OBJS)

$(BUILD)/%.cu.o: %.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -c -o $@ $<

$(BIN)/vgg-train: $(BUILD)/train/main.o $(TRAIN_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TRAIN_LIBS) $(LDLIBS_DEPS) $(if $(filter 1,$(CUDA)),-lstdc++)
TEST_OBJS_train := $(TRAIN_OBJS)
TEST_LIBS_train := $(TRAIN_LIBS) $(if $(filter 1,$(CUDA)),-lstdc++)
# tests/unit/train_cpu: the CPU backend's own tests, linked with the same objects.
TEST_OBJS_train_cpu := $(TRAIN_OBJS)
TEST_LIBS_train_cpu := $(TEST_LIBS_train)

# make imagenet11-small: the small recipe on ../shared/data/imagenet11 (configs/imagenet11-small.ini):
# images to 72x72, a store with a 10% validation split, 60 epochs, then the evaluation of the
# best checkpoint. Everything goes under $(IMAGENET11_WORK).
IMAGENET11 ?= ../shared/data/imagenet11
IMAGENET11_WORK ?= work/imagenet11-72
.PHONY: imagenet11-small
imagenet11-small: $(BIN)/vgg-convert $(BIN)/vgg-pack $(BIN)/vgg-train
	$(BIN)/vgg-convert -q --size 72 $(IMAGENET11) $(IMAGENET11_WORK)/images
	$(BIN)/vgg-pack -q --force --val-fraction 0.1 --seed 1 $(IMAGENET11_WORK)/images \
	    $(IMAGENET11_WORK)/data.lmdb
	$(BIN)/vgg-train --config configs/imagenet11-small.ini \
	    --set data.store=$(IMAGENET11_WORK)/data.lmdb \
	    --set train.run_dir=$(IMAGENET11_WORK)/runs/imagenet11-small
	$(BIN)/vgg-train --eval $(IMAGENET11_WORK)/runs/imagenet11-small/best.safetensors \
	    --data $(IMAGENET11_WORK)/data.lmdb
