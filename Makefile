# cinit and cspawn. `make` builds build/cinit (static) and build/cspawn;
# `make check` runs every test through prove; `make demo` shows cinit at work.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
CLANG ?= clang

# The C library of build/cinit: musl, the product build (static, a quarter of
# glibc's size, quicker to start; README, "How cinit is built"), or glibc
# (LIBC=glibc). cspawn, the unit tests and the sanitizer builds use glibc.
LIBC ?= musl
ifeq ($(SANITIZE),1)
override LIBC := glibc
endif
ifneq ($(LIBC),musl)
ifneq ($(LIBC),glibc)
$(error LIBC is musl or glibc, not '$(LIBC)')
endif
endif

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
# The image commands are a program of their own, cspawn-image (manage/main.c
# says why); the rest of manage/ is cspawn's.
IMAGE_CMD_SRC = manage/cmd_image.c
MANAGE_SRC = $(filter-out manage/main.c manage/image_main.c $(IMAGE_CMD_SRC),$(wildcard manage/*.c))
NET_SRC = $(wildcard net/*.c)
IMAGE_SRC = $(wildcard image/*.c)
# The OCI runtime's command line (runtime/runtime.h), a program of its own.
RUNTIME_SRC = $(filter-out runtime/main.c,$(wildcard runtime/*.c))
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
LIBRUNTIME = $(BUILD)/libruntime.a
# cspawn's own archives, the commands first (the linker reads them in order).
CSPAWN_ARCHIVES = $(LIBMANAGE) $(LIBIMAGE) $(LIBNET) $(LIBSPAWN) $(LIBOCI) $(LIBCONF)

CINIT_LIBS = -lev -linih -lm
# Libraries of each room of cspawn; a room adds its own here.
# net/: netlink through libnl-route-3, nftables through libnftables (Debian's
# libnl-3-dev, libnl-route-3-dev, libnftables-dev; libnl's headers live in
# their own directory).
NET_LIBS = -lnl-route-3 -lnl-3 -lnftables
NET_CFLAGS = -I/usr/include/libnl3
IMAGE_LIBS = $(shell pkg-config --libs libcurl libarchive jansson nettle 2>/dev/null)
OCI_LIBS = -ljansson
MANAGE_LIBS = -lev
CSPAWN_LIBS = $(MANAGE_LIBS) $(IMAGE_LIBS) $(NET_LIBS) $(OCI_LIBS) -lseccomp

# build/cinit against musl.
# musl-gcc (musl-tools) compiles for musl's headers and libc.a alone, so
# every library in the binary is compiled here: libev and inih from Debian's
# source packages, which tests/lib/deps.sh --source fetches from this
# machine's Debian mirror and unpacks into build/musl/src. libev as this
# release has it (the version of libev-dev); libinih from trixie, because
# the mirror serves no source of bookworm's libinih (README, "How cinit is
# built", says why that is sound).
MUSL_CC ?= musl-gcc
MUSL = $(BUILD)/musl
DEBSRC = $(MUSL)/src
DEBSRC_PKGS = libev/bookworm libinih/trixie
musl_obj = $(patsubst %.c,$(MUSL)/obj/%.o,$(1))

# libev compiled into cinit the way its manual describes for embedding
# (EV_STANDALONE: no configure), with what cinit uses: the epoll backend, io
# and timer watchers, one priority. Without periodic watchers libev sleeps,
# on a monotonic clock, as long as no timer is due: no 60 s wakeup to notice
# clock jumps, and no timerfd to avoid it (init/main.c quiet_idle_loop).
# No signal or child watchers: cinit reads its own signalfd. The same flags
# go to every file that includes ev.h, which sizes its structs by them.
LIBEV_FLAGS = -DEV_STANDALONE=1 -DEV_FEATURES=7 -DEV_MINPRI=0 -DEV_MAXPRI=0 \
	-DEV_USE_EPOLL=1 -DEV_USE_MONOTONIC=1 -DEV_USE_REALTIME=0 -DEV_USE_CLOCK_SYSCALL=0 \
	-DEV_USE_NANOSLEEP=0 -DEV_USE_EVENTFD=0 -DEV_USE_SIGNALFD=0 -DEV_USE_TIMERFD=0 \
	-DEV_USE_INOTIFY=0 -DEV_PERIODIC_ENABLE=0
# inih with the settings of the ini.h that conf/ini.c is written against
# (libinih-dev's, and Debian's defaults): the handler gets no line number.
LIBINIH_FLAGS = -DINI_HANDLER_LINENO=0
# musl's include directory leaves out the kernel's headers; linux-libc-dev's
# are the same for every C library.
MUSL_INC = $(MUSL)/include
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
MUSL_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -isystem $(MUSL_INC) \
	-isystem $(DEBSRC)/libev -isystem $(DEBSRC)/libinih $(LIBEV_FLAGS) $(LIBINIH_FLAGS) $(CFLAGS)
# Debian's code, compiled as Debian does, not held to this project's warnings.
DEBSRC_CFLAGS = -w -isystem $(MUSL_INC) $(LIBEV_FLAGS) $(LIBINIH_FLAGS) $(CFLAGS)

UNIT_BINS = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%.t,$(UNIT_SRC))
HELPER_BINS = $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(TEST_HELPER_SRC))

.PHONY: all check check-sanitize demo deps deps-check install clean format fuzz bench tests
all: $(BUILD)/cinit $(BUILD)/cspawn $(BUILD)/cspawn-monitor $(BUILD)/cspawn-image \
	$(BUILD)/cspawn-runtime

# Before anything is compiled: the Debian packages it needs, or one line that
# names the missing ones and how to install them.
deps-check:
	@sh tests/lib/deps.sh --check build $(if $(filter musl,$(LIBC)),musl)

$(BUILD)/obj/%.o: %.c | deps-check
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD)/obj $(BUILD)/musl/obj -name '*.d' 2>/dev/null)

$(LIBCONF): $(call obj,$(CONF_SRC))
$(LIBSUPERVISE): $(call obj,$(SUPERVISE_SRC))
$(LIBINIT): $(call obj,$(INIT_SRC))
$(LIBSPAWN): $(call obj,$(SPAWN_SRC))
$(LIBOCI): $(call obj,$(OCI_SRC))
$(LIBMANAGE): $(call obj,$(MANAGE_SRC))
$(LIBNET): $(call obj,$(NET_SRC))
$(call obj,$(NET_SRC)): ALL_CFLAGS += $(NET_CFLAGS)
$(LIBIMAGE): $(call obj,$(IMAGE_SRC))
$(LIBRUNTIME): $(call obj,$(RUNTIME_SRC))
$(MUSL)/libconf.a: $(call musl_obj,$(CONF_SRC))
$(MUSL)/libsupervise.a: $(call musl_obj,$(SUPERVISE_SRC))
$(MUSL)/libinit.a: $(call musl_obj,$(INIT_SRC))
# (two rules: a pattern rule with two targets makes both at once)
archive = mkdir -p $(dir $@) && rm -f $@ && ar rcs $@ $^
$(BUILD)/lib%.a:
	$(archive)
$(MUSL)/lib%.a:
	$(archive)

ifeq ($(LIBC),glibc)
$(BUILD)/cinit: $(call obj,init/main.c) $(LIBINIT) $(LIBSUPERVISE) $(LIBCONF)
	$(CC) $(ALL_LDFLAGS) $(STATIC) -o $@ $^ $(CINIT_LIBS)
else
$(BUILD)/cinit: $(call musl_obj,init/main.c) $(MUSL)/libinit.a $(MUSL)/libsupervise.a \
		$(MUSL)/libconf.a $(MUSL)/obj/ev.o $(MUSL)/obj/ini.o
	$(MUSL_CC) $(LDFLAGS) -static -o $@ $^
endif

# ---- build/cinit against musl
$(DEBSRC)/.unpacked: | deps-check
	@sh tests/lib/deps.sh --source $(DEBSRC) $(DEBSRC_PKGS)
	@touch $@

$(MUSL_INC)/.linked: | deps-check
	@mkdir -p $(MUSL_INC)
	ln -sfn /usr/include/linux /usr/include/asm-generic $(MUSL_INC)/
	ln -sfn /usr/include/$(MULTIARCH)/asm $(MUSL_INC)/asm
	@touch $@

$(MUSL)/obj/%.o: %.c | $(DEBSRC)/.unpacked $(MUSL_INC)/.linked
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -MMD -MP -c -o $@ $<

$(MUSL)/obj/ev.o: $(DEBSRC)/.unpacked $(MUSL_INC)/.linked
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(DEBSRC_CFLAGS) -c -o $@ $(DEBSRC)/libev/ev.c

$(MUSL)/obj/ini.o: $(DEBSRC)/.unpacked
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(DEBSRC_CFLAGS) -c -o $@ $(DEBSRC)/libinih/ini.c

# cspawn-monitor: a detached container's monitor while it waits
# (manage/monitor/protocol.h), static and small as cinit is, so that each
# running container costs the host a few pages; with glibc (the sanitizer
# build) against Debian's libev.
MONITOR_SRC = manage/monitor/main.c manage/logs.c manage/attachers.c spawn/util.c
ifeq ($(LIBC),glibc)
$(BUILD)/cspawn-monitor: $(call obj,$(MONITOR_SRC))
	$(CC) $(ALL_LDFLAGS) $(STATIC) -o $@ $^ -lev
else
$(BUILD)/cspawn-monitor: $(call musl_obj,$(MONITOR_SRC)) $(MUSL)/obj/ev.o
	$(MUSL_CC) $(LDFLAGS) -static -o $@ $^
endif

# The same objects linked against the shared C library, for valgrind, which
# the tests run on it (a static binary hides the C library's calls from it).
$(BUILD)/tests/cinit-dynamic: $(call obj,init/main.c) $(LIBINIT) $(LIBSUPERVISE) $(LIBCONF)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CINIT_LIBS)

# --as-needed: cspawn records only the libraries it calls (image/'s store
# reading, for run IMAGE, needs none of libcurl's).
$(BUILD)/cspawn: $(call obj,manage/main.c) $(CSPAWN_ARCHIVES)
	$(CC) $(ALL_LDFLAGS) -Wl,--as-needed -o $@ $^ $(CSPAWN_LIBS)

$(BUILD)/cspawn-image: $(call obj,manage/image_main.c $(IMAGE_CMD_SRC)) $(CSPAWN_ARCHIVES)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CSPAWN_LIBS)

# The OCI runtime: spawn/ and oci/ with runc's command line, and nothing
# of the manager's (no libcurl, libnl or nftables to load at each verb).
$(BUILD)/cspawn-runtime: $(call obj,runtime/main.c) $(LIBRUNTIME) $(LIBSPAWN) $(LIBOCI) $(LIBCONF)
	$(CC) $(ALL_LDFLAGS) -Wl,--as-needed -o $@ $^ $(OCI_LIBS) -lseccomp

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

tests: all $(UNIT_BINS) $(HELPER_BINS) $(PRELOAD_LIBS) $(BUILD)/tests/cinit-dynamic

deps:
	@sh tests/lib/deps.sh

# The test command the README names. System tests find the binaries through
# CINIT_BUILD, or CINIT=PATH and CSPAWN=PATH when given (.ci/run tests what
# `make install` installed); prove runs the C unit tests as executables.
check: deps
	$(MAKE) tests
	@# the sanitizer build of cinit is dynamic; containers borrow the static
	@# one, and valgrind the plain dynamic one
	$(if $(SANITIZE),$(MAKE) SANITIZE= BUILD=build build/cinit build/tests/cinit-dynamic)
	CINIT_BUILD=$(abspath $(BUILD)) $(if $(CINIT),CINIT=$(abspath $(CINIT))) \
		$(if $(CSPAWN),CSPAWN=$(abspath $(CSPAWN))) \
		$(if $(CSPAWN_RUNTIME),CSPAWN_RUNTIME=$(abspath $(CSPAWN_RUNTIME))) prove $(PROVE_FLAGS) $(UNIT_BINS) tests/system/*.t

# The end-to-end suite (tests/e2e; README, "End-to-end tests"): a Debian
# image that debootstrap builds once into E2E_CACHE (again only when
# tests/e2e/base.sh changes), real applications in containers made from
# it, and the faults a small host meets. Binaries as for check.
E2E_CACHE ?= build/e2e
.PHONY: e2e
e2e: deps
	$(MAKE) tests
	sh tests/e2e/base.sh $(E2E_CACHE) >/dev/null
	CINIT_BUILD=$(abspath $(BUILD)) E2E_CACHE=$(abspath $(E2E_CACHE)) \
		$(if $(CINIT),CINIT=$(abspath $(CINIT))) $(if $(CSPAWN),CSPAWN=$(abspath $(CSPAWN))) \
		prove $(PROVE_FLAGS) tests/e2e/*.t

check-sanitize: deps
	$(MAKE) check SANITIZE=1

demo: deps all
	@sh examples/demo.sh $(abspath $(BUILD))

# systemd's directory for the units packages install (systemd/cspawn.service)
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system

install: $(BUILD)/cinit $(BUILD)/cspawn $(BUILD)/cspawn-monitor $(BUILD)/cspawn-image \
	$(BUILD)/cspawn-runtime
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8
	install -s -m 0755 $(BUILD)/cinit $(DESTDIR)$(PREFIX)/sbin/cinit
	install -s -m 0755 $(BUILD)/cspawn $(DESTDIR)$(PREFIX)/sbin/cspawn
	install -s -m 0755 $(BUILD)/cspawn-monitor $(DESTDIR)$(PREFIX)/sbin/cspawn-monitor
	install -s -m 0755 $(BUILD)/cspawn-image $(DESTDIR)$(PREFIX)/sbin/cspawn-image
	install -s -m 0755 $(BUILD)/cspawn-runtime $(DESTDIR)$(PREFIX)/sbin/cspawn-runtime
	install -m 0644 init/cinit.8 $(DESTDIR)$(PREFIX)/share/man/man8/cinit.8
	if [ -f spawn/cspawn.8 ]; then install -m 0644 spawn/cspawn.8 $(DESTDIR)$(PREFIX)/share/man/man8/cspawn.8; fi
	@# installed, never enabled: `systemctl enable cspawn.service` is the admin's
	install -d $(DESTDIR)$(SYSTEMD_UNIT_DIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' systemd/cspawn.service >$(DESTDIR)$(SYSTEMD_UNIT_DIR)/cspawn.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/cspawn.service

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

IMAGE_FUZZ_CORPUS ?= fuzz-corpus-image
UNPACK_FUZZ_CORPUS ?= fuzz-corpus-unpack
IMAGE_FUZZ_TIME ?= 30
UNPACK_FUZZ_TIME ?= 30
# the unpacker's target writes files: few at a time, in its own tmpfs
UNPACK_FUZZ_FLAGS ?= $(FUZZ_BASE_FLAGS) -max_len=65536

fuzz: $(FUZZ_DIR)/conf_fuzz $(FUZZ_DIR)/oci_fuzz $(FUZZ_DIR)/image_fuzz $(FUZZ_DIR)/unpack_fuzz

$(FUZZ_DIR)/conf_fuzz: tests/fuzz/conf_fuzz.c $(CONF_SRC) $(wildcard conf/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ tests/fuzz/conf_fuzz.c $(CONF_SRC) -linih

# oci/ takes conf/units.c for its "did you mean" hints.
$(FUZZ_DIR)/oci_fuzz: tests/fuzz/oci_fuzz.c $(OCI_SRC) $(wildcard oci/*.h) conf/units.c conf/units.h
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ tests/fuzz/oci_fuzz.c $(OCI_SRC) conf/units.c -ljansson

# The image code: manifests, indexes, configs, references (image_fuzz) and
# the layer unpacker (unpack_fuzz), with the image library's own sources.
FUZZ_IMAGE_SRC = $(IMAGE_SRC) spawn/util.c
FUZZ_IMAGE_LIBS = $(shell pkg-config --libs libcurl libarchive jansson nettle 2>/dev/null)
$(FUZZ_DIR)/image_fuzz: tests/fuzz/image_fuzz.c $(FUZZ_IMAGE_SRC) $(wildcard image/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ tests/fuzz/image_fuzz.c $(FUZZ_IMAGE_SRC) $(FUZZ_IMAGE_LIBS)

$(FUZZ_DIR)/unpack_fuzz: tests/fuzz/unpack_fuzz.c $(FUZZ_IMAGE_SRC) $(wildcard image/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ tests/fuzz/unpack_fuzz.c $(FUZZ_IMAGE_SRC) $(FUZZ_IMAGE_LIBS)

# Each target for FUZZ_LONG_TIME seconds (10 minutes), one after another.
FUZZ_LONG_TIME ?= 600
.PHONY: fuzz-long
fuzz-long:
	$(MAKE) fuzz-short FUZZ_TIME=$(FUZZ_LONG_TIME) OCI_FUZZ_TIME=$(FUZZ_LONG_TIME) \
		IMAGE_FUZZ_TIME=$(FUZZ_LONG_TIME) UNPACK_FUZZ_TIME=$(FUZZ_LONG_TIME)

.PHONY: fuzz-short
fuzz-short:
	@sh tests/lib/deps.sh build fuzz
	$(MAKE) fuzz
	@mkdir -p $(FUZZ_CORPUS) $(OCI_FUZZ_CORPUS)
	$(FUZZ_DIR)/conf_fuzz -max_total_time=$(FUZZ_TIME) $(FUZZ_FLAGS) $(FUZZ_CORPUS) tests/configs
	$(FUZZ_DIR)/oci_fuzz -max_total_time=$(OCI_FUZZ_TIME) $(OCI_FUZZ_FLAGS) $(OCI_FUZZ_CORPUS) tests/oci
	@mkdir -p $(IMAGE_FUZZ_CORPUS) $(UNPACK_FUZZ_CORPUS)
	$(FUZZ_DIR)/image_fuzz -max_total_time=$(IMAGE_FUZZ_TIME) $(FUZZ_BASE_FLAGS) $(IMAGE_FUZZ_CORPUS) tests/fuzz/image-seeds
	$(FUZZ_DIR)/unpack_fuzz -max_total_time=$(UNPACK_FUZZ_TIME) $(UNPACK_FUZZ_FLAGS) $(UNPACK_FUZZ_CORPUS) tests/fuzz/unpack-seeds

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

clean:
	rm -rf build
