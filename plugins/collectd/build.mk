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
UNINSTALL_RULES   += uninstall-collectd

$(PMCD_OBJS): $(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) $(COLLECTD_CFLAGS) -fPIC -c -o $@ $<

$(BUILD)/podmem.so: $(PMCD_OBJS) $(LIB_PIC) plugins/collectd/podmem.map
	$(CC) -shared -Wl,--version-script=plugins/collectd/podmem.map -o $@ $(PMCD_OBJS) $(LIB_PIC) $(FINAL_LDFLAGS)

# The drop-in is installed once: a later install keeps the administrator's
# edits, and uninstall removes it only when it is still the one shipped.
# collectd.service.d/podmem.conf raises collectd's LimitNOFILE (see the file).
COLLECTD_UNIT_DROPIN = $(SYSTEMD_UNITDIR)/collectd.service.d/podmem.conf
.PHONY: install-collectd uninstall-collectd
install-collectd: $(BUILD)/podmem.so
	install -D -m 0644 $(BUILD)/podmem.so $(DESTDIR)$(COLLECTD_PLUGINDIR)/podmem.so
	install -D -m 0644 docs/man/collectd-podmem.5 $(DESTDIR)$(MANDIR)/man5/collectd-podmem.5
	install -D -m 0644 packaging/systemd/collectd.service.d/podmem.conf $(DESTDIR)$(COLLECTD_UNIT_DROPIN)
	@if [ -e $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf ]; then \
		echo "keeping $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf"; \
	else \
		echo install -D -m 0644 conf/collectd/podmem.conf $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf; \
		install -D -m 0644 conf/collectd/podmem.conf $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf; \
	fi
uninstall-collectd:
	rm -f $(DESTDIR)$(COLLECTD_PLUGINDIR)/podmem.so $(DESTDIR)$(MANDIR)/man5/collectd-podmem.5 \
		$(DESTDIR)$(COLLECTD_UNIT_DROPIN)
	rmdir $(dir $(DESTDIR)$(COLLECTD_UNIT_DROPIN)) 2>/dev/null || true
	@if cmp -s conf/collectd/podmem.conf $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf; then \
		echo rm -f $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf; rm -f $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf; \
	elif [ -e $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf ]; then \
		echo "keeping $(DESTDIR)$(COLLECTD_CONFDIR)/podmem.conf (edited)"; \
	fi
endif
