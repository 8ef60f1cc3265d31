# data/: the embedded synthetic sample (see data/README.md), and the Make-driven pipeline
# that takes raw pictures through vgg-convert, vgg-pack, vgg-train and its evaluation:
#   make demo                        the sample, end to end, on a small CPU config
#   make pipeline RAW=path/to/raw CONFIG=configs/vgg16.ini [WORK=work] [SIZE=224] [VAL=0.1]
SAMPLE_GEN_SRCS := $(wildcard data/*.c)
SAMPLE_GEN := $(BUILD)/data/gen-sample
# The e2e tests find the generator here (tests/e2e/demo_sample.sh).
export SAMPLE_GEN_PATH := $(abspath $(SAMPLE_GEN))
test-all test-e2e: $(SAMPLE_GEN)

$(SAMPLE_GEN): $(SAMPLE_GEN_SRCS:%.c=$(BUILD)/%.o) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_DEPS)

# ---- Stage bookkeeping ------------------------------------------------------------------
# Each stage ends by writing a stamp file that records the parameters it ran with. A stage
# runs again when a prerequisite file is newer than its stamp, or when `stale` says so: the
# stamp records other parameters, one of its products is missing, or something under the
# watched paths (files and folders, so added and removed files count too) is newer than the
# stamp. The programs themselves are order-only prerequisites: rebuilding a program does not
# redo the data it made (remove WORK, or the stage's stamp, to redo it).
.PHONY: FORCE
FORCE:
differ = $(if $(subst $(1),,$(2))$(subst $(2),,$(1)),1,$(if $(1),,1))
missing = $(foreach p,$(1),$(if $(wildcard $(p)),,1))
newer = $(if $(2),$(if $(wildcard $(1)),$(shell find $(2) -newer $(1) -print -quit 2>/dev/null)))
stale = $(if $(call differ,$(file <$(1)),$(2))$(call missing,$(4))$(call newer,$(1),$(3)),FORCE)

# $(call convert_cmd,COMMAND): runs a vgg-convert command line (its last word the output
# folder). Exit 1 means some inputs were skipped (listed in convert-errors.tsv): the pipeline
# goes on with the rest; 2 (fatal) stops it.
convert_cmd = echo '$(1)'; $(1) || { rc=$$?; [ $$rc -eq 1 ] && \
    echo "pipeline: some inputs were skipped, see $(lastword $(1))/convert-errors.tsv"; [ $$rc -eq 1 ]; }

# $(call pipeline_rules,NAME,RAW,WORK,SIZE,VAL,CONFIG): the stages of one pipeline, writing
#   WORK/images/       vgg-convert's output (<class>/<name>.jpg, SIZE x SIZE)
#   WORK/data.lmdb     the store, VAL of each class held out for validation
#   WORK/runs/<config>/ checkpoints, metrics.csv, curves.png, eval.txt
# and the phony target NAME-results that prints where all of it is.
define pipeline_rules
$(1)_RUN := $(3)/runs/$(basename $(notdir $(6)))
$(1)_CONVERT := --size $(4)
$(1)_PACK := --val-fraction $(5)

$(3)/.convert.stamp: $$(call stale,$(3)/.convert.stamp,$$($(1)_CONVERT) $(2),$(2) $(3)/images,$(3)/images) \
                     | $(BIN)/vgg-convert
	@mkdir -p $(3)
	@$$(call convert_cmd,$(BIN)/vgg-convert $$($(1)_CONVERT) $(2) $(3)/images)
	@echo '$$($(1)_CONVERT) $(2)' > $$@

$(3)/.pack.stamp: $(3)/.convert.stamp $$(call stale,$(3)/.pack.stamp,$$($(1)_PACK),,$(3)/data.lmdb) \
                  | $(BIN)/vgg-pack
	$(BIN)/vgg-pack --force $$($(1)_PACK) $(3)/images $(3)/data.lmdb
	@echo '$$($(1)_PACK)' > $$@

$$($(1)_RUN)/.train.stamp: $(3)/.pack.stamp $(6) \
        $$(call stale,$$($(1)_RUN)/.train.stamp,$(6),,$$($(1)_RUN)/best.safetensors) | $(BIN)/vgg-train
	rm -rf $$($(1)_RUN)
	$(BIN)/vgg-train --config $(6) --set data.store=$(3)/data.lmdb --set train.run_dir=$$($(1)_RUN)
	@echo '$(6)' > $$@

$$($(1)_RUN)/eval.txt: $$($(1)_RUN)/.train.stamp | $(BIN)/vgg-train
	$(BIN)/vgg-train --eval $$($(1)_RUN)/best.safetensors --data $(3)/data.lmdb > $$@.tmp
	@mv $$@.tmp $$@

.PHONY: $(1)-results
$(1)-results: $$($(1)_RUN)/eval.txt
	@RAW='$(2)' WORK=$(3) RUN=$$($(1)_RUN) BIN=$(BIN) bash data/pipeline_summary.sh $(1)
endef

# ---- make demo --------------------------------------------------------------------------
DEMO_WORK := work/demo
DEMO_RAW := $(DEMO_WORK)/raw
DEMO_SAMPLE := --per-class 300 --seed 1
DEMO_JOBS := $(shell nproc 2>/dev/null || echo 2)

$(DEMO_WORK)/.raw.stamp: $(SAMPLE_GEN_SRCS) $(call stale,$(DEMO_WORK)/.raw.stamp,$(DEMO_SAMPLE),,$(DEMO_RAW)) \
                         | $(SAMPLE_GEN)
	@mkdir -p $(DEMO_WORK)
	rm -rf $(DEMO_RAW).tmp
	$(SAMPLE_GEN) $(DEMO_SAMPLE) $(DEMO_RAW).tmp
	rm -rf $(DEMO_RAW) && mv $(DEMO_RAW).tmp $(DEMO_RAW)
	@echo '$(DEMO_SAMPLE)' > $@

$(DEMO_WORK)/.convert.stamp: $(DEMO_WORK)/.raw.stamp
$(eval $(call pipeline_rules,demo,$(DEMO_RAW),$(DEMO_WORK),72,0.2,configs/demo.ini))

.PHONY: demo pipeline
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory -j$(DEMO_JOBS) demo-results

# ---- make pipeline ----------------------------------------------------------------------
WORK ?= work
SIZE ?= 224
VAL ?= 0.1
ifneq ($(RAW),)
ifneq ($(CONFIG),)
$(eval $(call pipeline_rules,pipeline,$(RAW),$(patsubst %/,%,$(WORK)),$(SIZE),$(VAL),$(CONFIG)))
endif
endif

pipeline: $(if $(and $(RAW),$(CONFIG)),pipeline-results,pipeline-usage)
.PHONY: pipeline-usage
pipeline-usage:
	@echo "usage: make pipeline RAW=path/to/raw CONFIG=configs/vgg16.ini [WORK=work] [SIZE=224] [VAL=0.1]" >&2
	@exit 2
