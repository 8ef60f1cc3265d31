# convert/: vgg-convert. main.c holds the CLI; the rest is linked into the tests too.
CONVERT_SRCS := $(filter-out convert/main.c,$(wildcard convert/*.c))
CONVERT_OBJS := $(CONVERT_SRCS:%.c=$(BUILD)/%.o)

$(BIN)/vgg-convert: $(BUILD)/convert/main.o $(CONVERT_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_DEPS)
TEST_OBJS_convert := $(CONVERT_OBJS)
