# podmem: one entry point for build, test, run, install and bench.
#   make            build every front end whose build dependencies are here into build/
#                   (the collectd plugin needs collectd-dev, the SNMP subagent libsnmp-dev;
#                   one without them is skipped, and make says so)
#   make check      install the test packages, build everything, and run every test (unit
#                   under ASan+UBSan, fuzz smoke, integration against real daemons)
#   make run        install gcc, libc6-dev and make if missing, build podmem alone, and run it
#                   on this machine's live cgroups
#   make bench      per-container sample cost as a ratio to a pread floor; podmem files against
#                   vmtouch and fincore over 20,000 files
#   make soak       DURATION=60 (seconds): 1,002 containers of real cgroups churned while collectd,
#                   podmem-execd and podmem-agentx (through snmpd) sample every second; fds, RSS,
#                   errors and crashes judged after a warm-up (tests/soak/soak.sh)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

CC      ?= gcc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   := build

STD  := -std=gnu11
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
OPT  ?= -O2 -g
FINAL_CFLAGS  = $(STD) $(WARN) $(OPT) -MMD -MP -Icommon $(CFLAGS)
FINAL_LDFLAGS = $(LDFLAGS)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Front ends: each plugins/<name>/build.mk adds its programs to ALL_TARGETS,
# its integration tests to INTEGRATION_TESTS and its files to INSTALL_RULES.
FRONTENDS ?= cli collectd telegraf snmp

LIB_SRCS := $(sort $(wildcard common/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libpodmem.a
# the same core, sanitized, for unit tests and sanitized integration runs
LIB_SAN_OBJS := $(LIB_SRCS:%.c=$(BUILD)/san/%.o)
LIB_SAN      := $(BUILD)/san/libpodmem.a
# the same core, position independent, for shared objects (the collectd plugin)
LIB_PIC_OBJS := $(LIB_SRCS:%.c=$(BUILD)/pic/%.o)
LIB_PIC      := $(BUILD)/pic/libpodmem.a

ALL_TARGETS       := $(LIB)
# front ends left out for want of their build dependencies, and why (SKIP_MSG_<name>)
SKIPPED           :=
# each program again under ASan and UBSan, for tests/integration/san_frontends.sh
SAN_TARGETS       :=
INTEGRATION_TESTS := tests/integration/docs_readme.sh tests/integration/build_fresh.sh tests/integration/san_frontends.sh \
	$(sort $(wildcard tests/integration/hostile_*.sh)) \
	$(sort $(wildcard tests/integration/fds_*.sh))
INSTALL_RULES     :=
# front-end sources the unit suites test (no host headers in them), from each build.mk
UNIT_PLUGIN_SRCS  :=

.PHONY: all check unit fuzz-smoke integration soak run bench install clean fuzz deps-run deps-check
all: build-all

# the README's two commands install what they need first
deps-run:
	@tests/deps.sh install run
deps-check:
	@tests/deps.sh install check

-include $(FRONTENDS:%=plugins/%/build.mk)

build-all: $(ALL_TARGETS)
	$(if $(SKIPPED),@printf 'podmem: skipping %s\n' $(foreach f,$(SKIPPED),"$(SKIP_MSG_$(f))"))

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) -c -o $@ $<

$(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) $(SAN) -c -o $@ $<

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) -fPIC -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIB_SAN): $(LIB_SAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIB_PIC): $(LIB_PIC_OBJS)
	@rm -f $@
	ar rcs $@ $^

# ---- unit tests (Check), always under ASan and UBSan ----------------------
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_BIN  := $(BUILD)/san/check_podmem

# realloc is wrapped (tests/unit/check_ctx.c's __wrap_realloc) so that tests can make it fail
$(UNIT_BIN): $(UNIT_SRCS) $(UNIT_PLUGIN_SRCS) $(LIB_SAN)
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) $(SAN) $(CHECK_CFLAGS) $(addprefix -I,$(sort $(dir $(UNIT_PLUGIN_SRCS)))) -o $@ \
		$(UNIT_SRCS) $(UNIT_PLUGIN_SRCS) $(LIB_SAN) $(CHECK_LIBS) -Wl,--wrap=realloc

unit: $(UNIT_BIN)
	PODMEM_SRC=$(CURDIR) $(UNIT_BIN)

# ---- fuzz targets (clang + libFuzzer); check runs each over its corpus briefly
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CC   ?= clang
FUZZ_RUNS ?= 20000

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) common/podmem.h common/pm_internal.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(STD) -Wall -Wextra -Werror -g -O1 -Icommon -fsanitize=fuzzer,address,undefined \
		-o $@ $< $(LIB_SRCS)

fuzz-smoke: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); \
		echo "fuzz $$n: $(FUZZ_RUNS) runs"; \
		mkdir -p $(BUILD)/fuzz/corpus-$$n; \
		$$f -runs=$(FUZZ_RUNS) -seed=1 -max_len=65536 $(BUILD)/fuzz/corpus-$$n tests/fuzz/corpus/$${n#fuzz_} >$(BUILD)/fuzz/$$n.log 2>&1 \
		|| { tail -30 $(BUILD)/fuzz/$$n.log; exit 1; }; done

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus-$$n; \
		$$f -max_total_time=$${FUZZ_SECONDS:-60} $(BUILD)/fuzz/corpus-$$n tests/fuzz/corpus/$${n#fuzz_} || exit 1; done

# ---- integration tests: real cgroups and real daemons ----------------------
$(BUILD)/pm-hog: tests/integration/hog.c
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) -o $@ $<

integration: build-all $(BUILD)/pm-hog $(SAN_TARGETS)
	tests/integration/run-all.sh $(INTEGRATION_TESTS)

# ---- the churn soak: DURATION seconds (check runs 60); a skip (77, its reason printed) is no failure
DURATION ?= 60
soak: build-all $(BUILD)/pm-hog
	@DURATION=$(DURATION) tests/soak/soak.sh; rc=$$?; [ $$rc = 77 ] || exit $$rc

check: deps-check
	$(MAKE) build-all
	$(MAKE) unit
	$(MAKE) fuzz-smoke
	$(MAKE) integration
	$(MAKE) soak DURATION=60
	@echo "make check: all passed"

run: deps-run
	$(MAKE) $(BUILD)/podmem
	$(BUILD)/podmem

# ---- benchmark -------------------------------------------------------------
$(BUILD)/bench: tests/bench/bench.c $(LIB)
	$(CC) $(FINAL_CFLAGS) -o $@ $< $(LIB)

bench: $(BUILD)/bench $(BUILD)/podmem
	tests/bench/run.sh
	tests/bench/files.sh

install: build-all $(INSTALL_RULES)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
