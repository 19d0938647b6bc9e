# podmem.so, the collectd plugin: built against Debian's collectd-dev headers
# (no .pc file, no libraries: collectd itself exports plugin_*), with the core
# linked in statically and kept private by a version script. It installs where
# collectd looks for plugins, whatever PREFIX is.
COLLECTD_INCDIR     ?= /usr/include/collectd
COLLECTD_CFLAGS     ?= -DHAVE_CONFIG_H -I$(COLLECTD_INCDIR)
COLLECTD_PLUGINDIR  ?= /usr/lib/collectd
COLLECTD_CONFDIR    ?= /etc/collectd/collectd.conf.d

# the instance names and patterns (no collectd headers) are tested by the
# unit runner (tests/unit/check_cd_names.c), with or without collectd-dev
UNIT_PLUGIN_SRCS += plugins/collectd/pm_cd_names.c

# Without collectd's headers (Debian's collectd-dev) the plugin is skipped,
# and plain `make` says so once.
ifeq ($(wildcard $(COLLECTD_INCDIR)/core/daemon/collectd.h),)
SKIPPED += collectd
SKIP_MSG_collectd := the collectd plugin: collectd-dev is not installed
else

PMCD_SRCS := plugins/collectd/pm_collectd.c plugins/collectd/pm_cd_names.c
PMCD_OBJS := $(PMCD_SRCS:%.c=$(BUILD)/pic/%.o)

ALL_TARGETS       += $(BUILD)/podmem.so
INTEGRATION_TESTS += $(sort $(wildcard tests/integration/collectd_*.sh))
INSTALL_RULES     += install-collectd

$(PMCD_OBJS): $(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) $(COLLECTD_CFLAGS) -fPIC -c -o $@ $<

$(BUILD)/podmem.so: $(PMCD_OBJS) $(LIB_PIC) plugins/collectd/podmem.map
	$(CC) -shared -Wl,--version-script=plugins/collectd/podmem.map -o $@ $(PMCD_OBJS) $(LIB_PIC) $(FINAL_LDFLAGS)

# The drop-in is installed once: a later install keeps the administrator's edits.
.PHONY: install-collectd
install-collectd: $(BUILD)/podmem.so
	install -D -m 0644 $(BUILD)/podmem.so $(DESTDIR)$(COLLECTD_PLUGINDIR)/podmem.so
	@if [ -e $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf ]; then \
		echo "keeping $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf"; \
	else \
		echo install -D -m 0644 conf/collectd/podmem.conf $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf; \
		install -D -m 0644 conf/collectd/podmem.conf $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf; \
	fi
endif
