# tests/: unit tests (Criterion), one binary per area from tests/unit/<area>/*.c linked with
# that area's objects (TEST_OBJS_<area>, set by each module.mk), and end-to-end tests
# (tests/e2e/*.sh: exit 0 pass, 77 skip, anything else fail). tests/run.sh runs them all and
# prints one closing line "N passed, N failed, N skipped".
TEST_AREAS := $(notdir $(wildcard tests/unit/*))
TEST_BINS  := $(TEST_AREAS:%=$(BUILD)/tests/test-%)

define test_area_rule
$(BUILD)/tests/test-$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/unit/$(1)/*.c)) \
                          $$(TEST_OBJS_$(1)) $(COMMON_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ -lcriterion $$(TEST_LIBS_$(1)) $$(LDLIBS_DEPS)
endef
$(foreach a,$(TEST_AREAS),$(eval $(call test_area_rule,$(a))))

.PHONY: test-unit test-e2e test-all
# `make test` works on a fresh machine: the packages first (a second make then sees their
# pkg-config flags), then everything.
test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory test-all

test-all: $(PROGRAMS) $(TEST_BINS)
	@BIN=$(abspath $(BIN)) bash tests/run.sh $(TEST_BINS) -- tests/e2e/*.sh

test-unit: $(TEST_BINS)
	@bash tests/run.sh $(TEST_BINS) --

test-e2e: $(PROGRAMS)
	@BIN=$(abspath $(BIN)) bash tests/run.sh -- tests/e2e/*.sh
