# train/: vgg-train. The training loop and everything device-independent live in train/;
# the CPU backend (oneDNN) in train/cpu/, the CUDA backend (cuDNN, cuBLAS) in train/cuda/.
TRAIN_SRCS := $(filter-out train/main.c,$(wildcard train/*.c)) $(wildcard train/cpu/*.c)
TRAIN_LIBS := -ldnnl

ifeq ($(CUDA),1)
CUDA_ARCH ?= -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
             -gencode arch=compute_90,code=compute_90
NVCCFLAGS ?= -O3 -std=c++17 $(CUDA_ARCH) -Xcompiler -Wall,-Wextra,-Werror -Werror all-warnings -I.
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
