# pack/: vgg-pack. main.c holds the CLI; the rest is linked into the tests too.
PACK_SRCS := $(filter-out pack/main.c,$(wildcard pack/*.c))
PACK_OBJS := $(PACK_SRCS:%.c=$(BUILD)/%.o)

$(BIN)/vgg-pack: $(BUILD)/pack/main.o $(PACK_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_DEPS)
TEST_OBJS_pack := $(PACK_OBJS)
