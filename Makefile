# cinit and cspawn. `make` builds build/cinit (static) and build/cspawn;
# `make check` runs every test through prove; `make demo` shows cinit at work.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
CLANG ?= clang

ifeq ($(SANITIZE),1)
BUILD ?= build/san
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# ASan cannot be linked statically; the sanitizer build of cinit is dynamic.
STATIC =
OPT = -O1
else
BUILD ?= build
SAN_FLAGS =
STATIC = -static
OPT = -O2
endif

CFLAGS ?= $(OPT) -g
ALL_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. $(SAN_FLAGS) $(CFLAGS)
LDFLAGS ?=
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

CONF_SRC = $(wildcard conf/*.c)
SUPERVISE_SRC = $(wildcard supervise/*.c)
INIT_SRC = $(filter-out init/main.c,$(wildcard init/*.c))
SPAWN_SRC = $(wildcard spawn/*.c)
# The OCI runtime spec's documents as structs (config.json, state, features).
OCI_SRC = $(wildcard oci/*.c)
# The manager's rooms (see README, Layout): the commands, networks, images.
MANAGE_SRC = $(filter-out manage/main.c,$(wildcard manage/*.c))
NET_SRC = $(wildcard net/*.c)
IMAGE_SRC = $(wildcard image/*.c)
UNIT_SRC = $(wildcard tests/unit/*.c)
TEST_HELPER_SRC = $(wildcard tests/helpers/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBCONF = $(BUILD)/libconf.a
LIBSUPERVISE = $(BUILD)/libsupervise.a
LIBINIT = $(BUILD)/libinit.a
LIBSPAWN = $(BUILD)/libspawn.a
LIBOCI = $(BUILD)/liboci.a
LIBMANAGE = $(BUILD)/libmanage.a
LIBNET = $(BUILD)/libnet.a
LIBIMAGE = $(BUILD)/libimage.a
# cspawn's own archives, the commands first (the linker reads them in order).
CSPAWN_ARCHIVES = $(LIBMANAGE) $(LIBIMAGE) $(LIBNET) $(LIBSPAWN) $(LIBOCI) $(LIBCONF)

CINIT_LIBS = -lev -linih -lm
# Libraries of each room of cspawn; a room adds its own here.
NET_LIBS =
IMAGE_LIBS = $(shell pkg-config --libs libcurl libarchive jansson libcrypto 2>/dev/null)
OCI_LIBS = -ljansson
CSPAWN_LIBS = $(IMAGE_LIBS) $(NET_LIBS) $(OCI_LIBS) -lseccomp

UNIT_BINS = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%.t,$(UNIT_SRC))
HELPER_BINS = $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(TEST_HELPER_SRC))

.PHONY: all check check-sanitize demo deps install clean format fuzz bench tests
all: $(BUILD)/cinit $(BUILD)/cspawn

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

$(LIBCONF): $(call obj,$(CONF_SRC))
$(LIBSUPERVISE): $(call obj,$(SUPERVISE_SRC))
$(LIBINIT): $(call obj,$(INIT_SRC))
$(LIBSPAWN): $(call obj,$(SPAWN_SRC))
$(LIBOCI): $(call obj,$(OCI_SRC))
$(LIBMANAGE): $(call obj,$(MANAGE_SRC))
$(LIBNET): $(call obj,$(NET_SRC))
$(LIBIMAGE): $(call obj,$(IMAGE_SRC))
$(BUILD)/lib%.a:
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/cinit: $(call obj,init/main.c) $(LIBINIT) $(LIBSUPERVISE) $(LIBCONF)
	$(CC) $(ALL_LDFLAGS) $(STATIC) -o $@ $^ $(CINIT_LIBS)

$(BUILD)/cspawn: $(call obj,manage/main.c) $(CSPAWN_ARCHIVES)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CSPAWN_LIBS)

$(BUILD)/tests/unit/%.t: tests/unit/%.c $(CSPAWN_ARCHIVES) $(LIBINIT) $(LIBSUPERVISE) tests/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CSPAWN_ARCHIVES) $(LIBINIT) $(LIBSUPERVISE) \
		$(LIBCONF) $(CINIT_LIBS) $(CSPAWN_LIBS)

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< -lutil

# These run inside busybox roots, so static, and without the sanitizers
# (which cannot be linked statically).
STATIC_HELPERS = $(addprefix $(BUILD)/tests/helpers/,sysprobe swapper maskprobe)
$(STATIC_HELPERS): $(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(OPT) -g -static -o $@ $<

# Libraries an attacker's image preloads (tests/system/spawn_escape_exe.t).
PRELOAD_LIBS = $(patsubst tests/helpers/preload/%.c,$(BUILD)/tests/helpers/%.so,\
	$(wildcard tests/helpers/preload/*.c))
$(BUILD)/tests/helpers/%.so: tests/helpers/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -shared -fPIC -o $@ $<

tests: all $(UNIT_BINS) $(HELPER_BINS) $(PRELOAD_LIBS)

deps:
	@sh tests/lib/deps.sh

# The test command the README names. System tests find the binaries through
# CINIT_BUILD; prove runs the C unit tests as executables.
check: deps
	$(MAKE) tests
	@# the sanitizer build of cinit is dynamic; containers borrow the static one
	$(if $(SANITIZE),$(MAKE) SANITIZE= BUILD=build build/cinit)
	CINIT_BUILD=$(abspath $(BUILD)) prove $(PROVE_FLAGS) $(UNIT_BINS) tests/system/*.t

check-sanitize: deps
	$(MAKE) check SANITIZE=1

demo: deps all
	@sh examples/demo.sh $(abspath $(BUILD))

install: $(BUILD)/cinit $(BUILD)/cspawn
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8
	install -s -m 0755 $(BUILD)/cinit $(DESTDIR)$(PREFIX)/sbin/cinit
	install -s -m 0755 $(BUILD)/cspawn $(DESTDIR)$(PREFIX)/sbin/cspawn
	install -m 0644 init/cinit.8 $(DESTDIR)$(PREFIX)/share/man/man8/cinit.8
	if [ -f spawn/cspawn.8 ]; then install -m 0644 spawn/cspawn.8 $(DESTDIR)$(PREFIX)/share/man/man8/cspawn.8; fi

# The fuzz targets (libFuzzer): `make fuzz` builds them, `make fuzz-short`
# runs the config loader's for FUZZ_TIME seconds on FUZZ_CORPUS, seeded with
# the test configs, and the OCI readers' for OCI_FUZZ_TIME seconds on
# OCI_FUZZ_CORPUS, seeded with the test documents of tests/oci.
FUZZ_DIR = build/fuzz
FUZZ_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CORPUS ?= fuzz-corpus
FUZZ_TIME ?= 60
FUZZ_BASE_FLAGS = -rss_limit_mb=2048 -artifact_prefix=$(FUZZ_DIR)/
FUZZ_FLAGS ?= $(FUZZ_BASE_FLAGS) -dict=tests/fuzz/conf.dict
OCI_FUZZ_CORPUS ?= fuzz-corpus-oci
OCI_FUZZ_TIME ?= 30
OCI_FUZZ_FLAGS ?= $(FUZZ_BASE_FLAGS) -dict=tests/fuzz/oci.dict

fuzz: $(FUZZ_DIR)/conf_fuzz $(FUZZ_DIR)/oci_fuzz

$(FUZZ_DIR)/conf_fuzz: tests/fuzz/conf_fuzz.c $(CONF_SRC) $(wildcard conf/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ tests/fuzz/conf_fuzz.c $(CONF_SRC) -linih

# oci/ takes conf/units.c for its "did you mean" hints.
$(FUZZ_DIR)/oci_fuzz: tests/fuzz/oci_fuzz.c $(OCI_SRC) $(wildcard oci/*.h) conf/units.c conf/units.h
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ tests/fuzz/oci_fuzz.c $(OCI_SRC) conf/units.c -ljansson

.PHONY: fuzz-short
fuzz-short:
	@sh tests/lib/deps.sh build fuzz
	$(MAKE) fuzz
	@mkdir -p $(FUZZ_CORPUS) $(OCI_FUZZ_CORPUS)
	$(FUZZ_DIR)/conf_fuzz -max_total_time=$(FUZZ_TIME) $(FUZZ_FLAGS) $(FUZZ_CORPUS) tests/configs
	$(FUZZ_DIR)/oci_fuzz -max_total_time=$(OCI_FUZZ_TIME) $(OCI_FUZZ_FLAGS) $(OCI_FUZZ_CORPUS) tests/oci

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

clean:
	rm -rf build
