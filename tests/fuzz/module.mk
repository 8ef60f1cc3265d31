# tests/fuzz/: libFuzzer harnesses, one per parser of untrusted bytes, built with clang
# (-fsanitize=fuzzer,address,undefined) into build-fuzz/, and their seed corpora in
# tests/fuzz/corpus/<name>/ (regression inputs for fixed crashes live there too).
#   make fuzz                    each harness for FUZZ_SECONDS (default 60) in turn
#   make fuzz-ci                 each harness for about 20 s (what .ci/run runs)
#   make fuzz-<name>             one harness, e.g. make fuzz-config FUZZ_SECONDS=600
# New inputs the fuzzer finds go to build-fuzz/corpus/<name>/, never into the repository;
# a crash leaves its input in build-fuzz/crash-<name>-* and fails the target; rerun one input
# with build-fuzz/fuzz-<name> FILE, then add it to the corpus as a regression input.
FUZZ_CC      ?= clang
FUZZ_BUILD   := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 20
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wno-unused-parameter -Wno-unknown-attributes -pthread -I. \
                -DVGG_VERSION='"$(VERSION)"' $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_NAMES   := record_header store_meta config safetensors names image

# What each harness links besides its own source and common/.
FUZZ_SRCS_record_header :=
FUZZ_SRCS_store_meta    :=
FUZZ_SRCS_config        := train/config.c train/schedule.c train/model.c
FUZZ_SRCS_safetensors   := train/safetensors.c train/json_out.c
FUZZ_SRCS_names         :=
FUZZ_SRCS_image         := $(filter-out convert/main.c,$(wildcard convert/*.c))

FUZZ_COMMON_OBJS := $(COMMON_SRCS:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz-%)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(CFLAGS_DEPS) -MMD -MP -c -o $@ $<

define fuzz_rules
$(FUZZ_BUILD)/fuzz-$(1): $(FUZZ_BUILD)/tests/fuzz/fuzz_$(1).o $(FUZZ_SRCS_$(1):%.c=$(FUZZ_BUILD)/%.o) \
                         $(FUZZ_COMMON_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$^ $(LDLIBS_DEPS)

.PHONY: fuzz-$(1)
fuzz-$(1): $(FUZZ_BUILD)/fuzz-$(1)
	@bash tests/fuzz/run.sh $(1) $$(FUZZ_SECONDS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_rules,$(n))))

.PHONY: fuzz fuzz-ci fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@for n in $(FUZZ_NAMES); do bash tests/fuzz/run.sh $$n $(FUZZ_SECONDS) || exit 1; done

fuzz-ci: $(FUZZ_BINS)
	@for n in $(FUZZ_NAMES); do bash tests/fuzz/run.sh $$n $(FUZZ_CI_SECONDS) || exit 1; done

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
