# podmem: one entry point for build, test, run, install and bench.
#   make            build every front end whose build dependencies are here into build/
#                   (the collectd plugin needs collectd-dev, the SNMP subagent libsnmp-dev;
#                   one without them is skipped, and make says so)
#   make check      install the test packages, build everything, and run every test (unit
#                   under ASan+UBSan, fuzz smoke, integration against real daemons)
#   make run        install gcc, libc6-dev and make if missing, build podmem alone, and run it
#                   on this machine's live cgroups
#   make bench      install the bench packages, build, and print one table of same-run ratios:
#                   the steady-state sample against a pread floor, the one-shot against a C
#                   floor, cgget, systemd-cgtop and Python, the parser, collectd, allocations,
#                   podmem files against vmtouch and fincore (tests/bench/table.sh)
#   make soak       DURATION=60 (seconds): 1,002 containers of real cgroups churned while collectd,
#                   podmem-execd and podmem-agentx (through snmpd) sample every second; fds, RSS,
#                   errors and crashes judged after a warm-up (tests/soak/soak.sh)
#   make dashboard-png  redraw docs/dashboard.png, the Grafana dashboard's panels, from a real InfluxDB
#   make install    PREFIX=/usr/local DESTDIR= (programs, plugin, MIB, man pages, systemd
#                   units, configuration samples); make uninstall removes what it installed
#   make dist       build/podmem-VERSION.tar.gz, the tree as it is (tracked and new files)
#   make deb, rpm   the Debian packages (packaging/debian) and the RPMs (packaging/rpm)
#   make dist-check build both, lint them, install the .debs and use them with a real
#                   collectd and snmpd, check the units, the man pages and install/uninstall
#   make clean

CC      ?= gcc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   := build
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/podmem
# where systemd looks for units of this PREFIX (Debian 12's packages: /lib/systemd/system)
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
# node_exporter's textfile directory, for podmem-textfile.service (Debian's)
TEXTFILE_DIR ?= /var/lib/prometheus/node-exporter
VERSION := $(shell sed -n 's/^\#define PODMEM_VERSION "\(.*\)"/\1/p' common/podmem.h)

STD  := -std=gnu11
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
OPT  ?= -O2 -g
FINAL_CFLAGS  = $(STD) $(WARN) $(OPT) -MMD -MP -Icommon $(CPPFLAGS) $(CFLAGS)
FINAL_LDFLAGS = $(LDFLAGS)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Front ends: each plugins/<name>/build.mk adds its programs to ALL_TARGETS,
# its integration tests to INTEGRATION_TESTS, its files to INSTALL_RULES and
# their removal to UNINSTALL_RULES (each the other's inverse: tests/integration/pkg_install.sh).
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
# the packaging checks (make dist-check): the .debs, the RPMs, units, man pages, install/uninstall
DIST_TESTS        := $(sort $(wildcard tests/integration/pkg_*.sh))
INTEGRATION_TESTS := tests/integration/docs_readme.sh tests/integration/build_fresh.sh tests/integration/san_frontends.sh \
	$(sort $(wildcard tests/integration/hostile_*.sh)) \
	$(sort $(wildcard tests/integration/fds_*.sh)) \
	$(sort $(wildcard tests/integration/k8s_*.sh)) \
	$(sort $(wildcard tests/integration/dashboard_*.sh)) \
	tests/integration/bench_smoke.sh \
	$(DIST_TESTS)
INSTALL_RULES     :=
UNINSTALL_RULES   :=
# front-end sources the unit suites test (no host headers in them), from each build.mk
UNIT_PLUGIN_SRCS  :=

.PHONY: all check unit fuzz-smoke integration run bench install uninstall install-doc uninstall-doc \
	dist deb rpm dist-check clean fuzz deps-run deps-check \
	bench-bins deps-bench soak
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

# ---- fuzz targets (clang + libFuzzer) ----------------------------------------
# One target per parser and per name from outside (tests/fuzz/fuzz_*.c), each
# with its seed corpus in tests/fuzz/corpus/<name> and, in tests/fuzz/traps/<name>,
# an input its mutant build (-DPM_FUZZ_MUTANT: the target perturbs what it
# checks) must trap on and its normal build must pass. `make fuzz-smoke` (in
# check) runs each FUZZ_RUNS times and tries the traps; `make fuzz
# FUZZ_SECONDS=N` fuzzes each for N seconds, the corpus it grows in
# build/fuzz/corpus-<target>. A front end's target #includes its source (to
# reach its static option parser) and links the front end's other files;
# without the front end's headers it is left out, as the front end is.
FUZZ_CC      ?= clang
FUZZ_RUNS    ?= 10000
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := $(STD) -Wall -Wextra -Werror -Wno-unused-function -g -O1 -Icommon -Itests/fuzz $(FUZZ_SAN)
FUZZ_LIB     := $(BUILD)/fuzz/libpodmem.a
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_SKIP    :=
# per target: the front-end file it includes, the files it links, its flags and libraries
FUZZ_INC_fuzz_cli_top      := plugins/cli/pm_cli_top.c
FUZZ_INC_fuzz_cli_explain  := plugins/cli/pm_cli_explain.c
FUZZ_INC_fuzz_cli_files    := plugins/cli/pm_cli_files.c
FUZZ_INC_fuzz_execd_args   := plugins/telegraf/pm_execd.c
FUZZ_INC_fuzz_agentx_args  := plugins/snmp/pm_agentx.c
FUZZ_INC_fuzz_collectd_config := plugins/collectd/pm_collectd.c
$(foreach t,fuzz_cli_top fuzz_cli_explain fuzz_cli_files,$(eval FUZZ_WITH_$(t) := $(filter-out $(FUZZ_INC_$(t)),$(CLI_SRCS))))
FUZZ_WITH_fuzz_execd_args  := $(EXECD_SRCS)
FUZZ_WITH_fuzz_agentx_args := plugins/snmp/pm_snmp_tree.c
FUZZ_LIBS_fuzz_agentx_args := -lnetsnmpagent -lnetsnmp
FUZZ_WITH_fuzz_collectd_config := plugins/collectd/pm_cd_names.c
FUZZ_FLAGS_fuzz_collectd_config := $(COLLECTD_CFLAGS) -Iplugins/collectd
FUZZ_FLAGS_fuzz_cli_top     := -Iplugins/cli
FUZZ_FLAGS_fuzz_cli_explain := -Iplugins/cli
FUZZ_FLAGS_fuzz_cli_files   := -Iplugins/cli
FUZZ_FLAGS_fuzz_execd_args  := -Iplugins/telegraf
FUZZ_FLAGS_fuzz_agentx_args := -Iplugins/snmp
FUZZ_WITH_fuzz_escape  := plugins/cli/pm_cli_util.c plugins/collectd/pm_cd_names.c plugins/telegraf/pm_execd_text.c
FUZZ_FLAGS_fuzz_escape := -Iplugins/cli -Iplugins/collectd -Iplugins/telegraf
ifneq ($(filter collectd,$(SKIPPED)),)
FUZZ_SKIP += fuzz_collectd_config
endif
ifneq ($(filter snmp,$(SKIPPED)),)
FUZZ_SKIP += fuzz_agentx_args
endif
FUZZ_SRCS := $(filter-out $(FUZZ_SKIP:%=tests/fuzz/%.c),$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_MUTANTS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz-mutant/%)
FUZZ_DEPS := $(wildcard tests/fuzz/*.h) $(wildcard plugins/*/*.c plugins/*/*.h) common/podmem.h common/pm_internal.h

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# main renamed in what a target includes or links: libFuzzer has the main
fuzz_link = $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Dmain=pm_fuzz_unused_main $(FUZZ_FLAGS_$(1)) $(2) \
	-o $@ $< $(FUZZ_WITH_$(1)) $(FUZZ_LIB) $(FUZZ_LIBS_$(1))

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB) $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(call fuzz_link,$*,)

$(BUILD)/fuzz-mutant/%: tests/fuzz/%.c $(FUZZ_LIB) $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(call fuzz_link,$*,-DPM_FUZZ_MUTANT)

.PHONY: fuzz-build fuzz-traps
fuzz-build: $(FUZZ_BINS) $(FUZZ_MUTANTS)
	$(if $(FUZZ_SKIP),@printf 'fuzz: skipping %s (its front end is skipped)\n' $(FUZZ_SKIP))

# every target passes its trap input and its mutant traps on it
fuzz-traps: $(FUZZ_BINS) $(FUZZ_MUTANTS)
	tests/fuzz/traps.sh $(BUILD) $(FUZZ_SRCS:tests/fuzz/%.c=%)

fuzz-smoke: fuzz-build fuzz-traps
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); \
		mkdir -p $(BUILD)/fuzz/corpus-$$n; \
		$$f -runs=$(FUZZ_RUNS) -seed=1 -max_len=65536 -close_fd_mask=3 -artifact_prefix=$(BUILD)/fuzz/$$n- $(BUILD)/fuzz/corpus-$$n tests/fuzz/corpus/$${n#fuzz_} >$(BUILD)/fuzz/$$n.log 2>&1 \
		|| { tail -30 $(BUILD)/fuzz/$$n.log; exit 1; }; \
		echo "fuzz $$n: $(FUZZ_RUNS) runs, $$(grep -o 'cov: [0-9]*' $(BUILD)/fuzz/$$n.log | tail -1)"; done

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus-$$n; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -close_fd_mask=3 -artifact_prefix=$(BUILD)/fuzz/$$n- -print_final_stats=1 $(BUILD)/fuzz/corpus-$$n tests/fuzz/corpus/$${n#fuzz_} \
		|| exit 1; done

# ---- integration tests: real cgroups and real daemons ----------------------
$(BUILD)/pm-hog: tests/integration/hog.c
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) -o $@ $<

integration: build-all $(BUILD)/pm-hog $(SAN_TARGETS) bench-bins
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

# ---- the README's picture of the Grafana dashboard ------------------------------
# docs/dashboard.png: the panels of conf/grafana/podmem-influxdb.json drawn from the
# answers of a real InfluxDB filled by podmem-execd (tests/integration/dashboard_influx.sh)
.PHONY: dashboard-png
dashboard-png: build-all $(BUILD)/pm-hog
	DASHBOARD_PNG=$(CURDIR)/docs/dashboard.png tests/integration/run-all.sh tests/integration/dashboard_influx.sh

# ---- benchmark -------------------------------------------------------------
# one table of same-run ratios from every tests/bench/bench_*.sh (tests/bench/table.sh)
BENCH_BINS := $(BUILD)/bench $(BUILD)/oneshot_floor $(BUILD)/parse_count $(BUILD)/malloc_count.so $(BUILD)/runtime \
	$(BUILD)/bench-fdlimit $(BUILD)/bench-fdcost
$(BUILD)/bench: tests/bench/bench.c $(LIB)
	$(CC) $(FINAL_CFLAGS) -o $@ $< $(LIB)
$(BUILD)/oneshot_floor: tests/bench/oneshot_floor.c
	$(CC) $(FINAL_CFLAGS) -o $@ $<
$(BUILD)/runtime: tests/bench/runtime.c
	$(CC) $(FINAL_CFLAGS) -o $@ $<
$(BUILD)/parse_count: tests/bench/parse_count.c $(LIB)
	$(CC) $(FINAL_CFLAGS) -o $@ $< $(LIB)
$(BUILD)/malloc_count.so: tests/bench/malloc_count.c
	$(CC) $(FINAL_CFLAGS) -fPIC -shared -o $@ $< -ldl
# the fd budget's (tests/bench/bench_fdlimit.sh): the core under several fd limits, and each file's reopening
$(BUILD)/bench-fdlimit: tests/bench/fdlimit.c $(LIB)
	$(CC) $(FINAL_CFLAGS) -o $@ $< $(LIB)
$(BUILD)/bench-fdcost: tests/bench/fdcost.c
	$(CC) $(FINAL_CFLAGS) -o $@ $<

bench-bins: $(BENCH_BINS)

deps-bench:
	@tests/deps.sh install bench

bench: deps-bench
	$(MAKE) build-all bench-bins
	tests/bench/table.sh

install: build-all $(INSTALL_RULES) install-doc
uninstall: $(UNINSTALL_RULES) uninstall-doc

install-doc:
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
uninstall-doc:
	rm -f $(DESTDIR)$(DOCDIR)/README.md
	rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# ---- packages --------------------------------------------------------------
# The source tarball: the tree as it is now, tracked and new files (not build/),
# under podmem-VERSION/ (what rpmbuild's %setup expects).
DIST := $(BUILD)/podmem-$(VERSION).tar.gz
dist:
	@mkdir -p $(BUILD)
	rm -f $(DIST)
	git ls-files -z -co --exclude-standard | \
		tar -c --null -T - --transform 's,^,podmem-$(VERSION)/,' --owner=0 --group=0 -zf $(DIST)
	@echo "$(DIST)"

# Binary packages, built from a copy of the tree (packaging/debian as ./debian)
# into build/deb and build/rpm. DEB_BUILD_OPTIONS: the package's build runs no
# tests of its own (make check is the project's).
PKG_JOBS ?= 2
# the package builds run make afresh: none of this make's variables (BUILD=...) leak in
PKG_ENV := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES
deb: dist
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb
	tar -xzf $(DIST) -C $(BUILD)/deb
	mv $(BUILD)/deb/podmem-$(VERSION)/packaging/debian $(BUILD)/deb/podmem-$(VERSION)/debian
	cd $(BUILD)/deb/podmem-$(VERSION) && $(PKG_ENV) DEB_BUILD_OPTIONS="nocheck parallel=$(PKG_JOBS)" \
		dpkg-buildpackage -us -uc -b
	@ls $(BUILD)/deb/*.deb
# --nodeps: Debian's rpm has no RPM database of the build dependencies (the
# Debian packages collectd-dev and libsnmp-dev stand in for them)
rpm: dist
	rm -rf $(BUILD)/rpm && mkdir -p $(BUILD)/rpm
	$(PKG_ENV) rpmbuild -bb --nodeps --define "_topdir $(abspath $(BUILD))/rpm" --define "_sourcedir $(abspath $(BUILD))" \
		--define "_smp_mflags -j$(PKG_JOBS)" packaging/rpm/podmem.spec
	@find $(BUILD)/rpm/RPMS -name '*.rpm'

# Every packaging check: each builds what it checks (tests/integration/pkg_*.sh)
dist-check: build-all
	tests/integration/run-all.sh $(DIST_TESTS)

clean:
	rm -rf $(BUILD)

# (not the package builds' own trees in build/deb and build/rpm)
-include $(shell find $(BUILD) \( -path $(BUILD)/deb -o -path $(BUILD)/rpm \) -prune -o -name '*.d' -type f -print 2>/dev/null)
