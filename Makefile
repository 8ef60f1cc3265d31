# vgg-suite: vgg-convert, vgg-pack, vgg-train.
#   make            build bin/*
#   make deps       install the Debian packages the project needs (only what is missing)
#   make test       build and run every test (the command CI runs)
#   make CUDA=0     build without the CUDA backend even when nvcc and cuDNN are present
#   make install PREFIX=/usr/local
# Each directory contributes its sources and rules through its own module.mk.

VERSION := 0.1.0
PREFIX ?= /usr/local
BUILD  ?= build
BIN    ?= bin

PKG_CONFIG ?= pkg-config
PKGS := MagickWand lmdb libarchive inih libturbojpeg

CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-format-truncation \
          -pthread -fno-strict-aliasing -I. -DVGG_VERSION='"$(VERSION)"' -MMD -MP
LDLIBS_DEPS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm -pthread
CFLAGS_DEPS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
BUILD := build-san
BIN := build-san/bin
endif

# The CUDA backend is optional: built when nvcc and cuDNN are found, unless CUDA=0.
CUDA_HOME ?= /usr/local/cuda
NVCC ?= $(CUDA_HOME)/bin/nvcc
ifeq ($(origin CUDA),undefined)
CUDA := $(shell test -x $(NVCC) && test -f $(CUDA_HOME)/include/cudnn.h && echo 1 || echo 0)
endif
# Objects differ with and without the CUDA backend (VGG_HAVE_CUDA): a stamp that changes with
# the setting makes `make CUDA=0` after a CUDA build (or back) recompile rather than mix them.
CUDA_STAMP := $(BUILD)/cuda-$(CUDA).stamp
$(shell mkdir -p $(BUILD) && { test -f $(CUDA_STAMP) || { rm -f $(BUILD)/cuda-*.stamp; touch $(CUDA_STAMP); }; })

PROGRAMS := $(BIN)/vgg-convert $(BIN)/vgg-pack $(BIN)/vgg-train
TEST_BINS :=
TEST_SCRIPTS :=

.PHONY: all deps test test-unit test-e2e clean install bench bench-convert bench-pack bench-train
all: $(PROGRAMS)

include common/module.mk
include convert/module.mk
include pack/module.mk
include train/module.mk
include data/module.mk
include tests/gpu/module.mk
include tests/module.mk
include tests/fuzz/module.mk
include tests/hardening.mk

# Objects are kept even when only a test program needed them (no rebuild on the next make).
.SECONDARY:

$(BUILD)/%.o: %.c $(CUDA_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CFLAGS_DEPS) -c -o $@ $<

# Debian 12 packages: build, runtime, and what the tests and benchmarks compare against.
DEB_PACKAGES := build-essential pkg-config libmagickwand-dev liblmdb-dev libarchive-dev \
                libinih-dev libturbojpeg0-dev libdnnl-dev libcriterion-dev imagemagick \
                python3-lmdb python3-numpy python3-pil python3-torch python3-torchvision \
                clang libclang-rt-14-dev valgrind time git

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "make deps: all packages present"; fi

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 docs/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

# Benchmarks print figures (docs/benchmarks.md); BENCH_QUICK=1 for a run of under a minute.
bench: all
	BIN=$(abspath $(BIN)) bash tests/bench/run-all.sh

bench-convert bench-pack bench-train: bench-%: all
	BIN=$(abspath $(BIN)) bash tests/bench/$*.sh

clean:
	rm -rf build build-san build-fuzz bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
