# podmem-execd: Telegraf's inputs.execd (InfluxDB line protocol) and
# node_exporter's textfile collector (Prometheus text)
EXECD_SRCS := plugins/telegraf/pm_execd_text.c plugins/telegraf/pm_execd_format.c plugins/telegraf/pm_execd_files.c
EXECD_OBJS := $(EXECD_SRCS:%.c=$(BUILD)/%.o)

ALL_TARGETS += $(BUILD)/podmem-execd
SAN_TARGETS += $(BUILD)/san/podmem-execd
INTEGRATION_TESTS += $(sort $(wildcard tests/integration/telegraf_*.sh))
INSTALL_RULES += install-telegraf
UNINSTALL_RULES += uninstall-telegraf
# the escaping, durations, both formats and the file rows: tests/unit/check_execd_text.c
UNIT_PLUGIN_SRCS += $(EXECD_SRCS)

$(BUILD)/podmem-execd: $(BUILD)/plugins/telegraf/pm_execd.o $(EXECD_OBJS) $(LIB)
	$(CC) $(FINAL_CFLAGS) -o $@ $(filter %.o %.a,$^) $(FINAL_LDFLAGS)

$(BUILD)/san/podmem-execd: plugins/telegraf/pm_execd.c $(EXECD_SRCS) $(LIB_SAN)
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) $(SAN) -o $@ $(filter %.c %.a,$^) $(FINAL_LDFLAGS)

# The Telegraf block goes to the examples: dropped into telegraf.d it would
# start podmem-execd at once, so that stays the administrator's step. So does
# enabling the node_exporter textfile timer (podmem-textfile.timer).
EXECD_UNITS := podmem-textfile.service podmem-textfile.timer
.PHONY: install-telegraf uninstall-telegraf
install-telegraf: $(BUILD)/podmem-execd
	install -D -m 0755 $(BUILD)/podmem-execd $(DESTDIR)$(PREFIX)/bin/podmem-execd
	install -D -m 0644 conf/telegraf/podmem.conf $(DESTDIR)$(PREFIX)/share/podmem/telegraf/podmem.conf
	install -D -m 0644 docs/man/podmem-execd.1 $(DESTDIR)$(MANDIR)/man1/podmem-execd.1
	mkdir -p $(DESTDIR)$(SYSTEMD_UNITDIR)
	for u in $(EXECD_UNITS); do \
		sed -e 's#/usr/bin/podmem-execd#$(PREFIX)/bin/podmem-execd#' -e 's#/var/lib/prometheus/node-exporter#$(TEXTFILE_DIR)#g' \
			packaging/systemd/$$u > $(DESTDIR)$(SYSTEMD_UNITDIR)/$$u || exit 1; \
	done
uninstall-telegraf:
	rm -f $(DESTDIR)$(PREFIX)/bin/podmem-execd $(DESTDIR)$(PREFIX)/share/podmem/telegraf/podmem.conf \
		$(DESTDIR)$(MANDIR)/man1/podmem-execd.1 $(EXECD_UNITS:%=$(DESTDIR)$(SYSTEMD_UNITDIR)/%)
	rmdir $(DESTDIR)$(PREFIX)/share/podmem/telegraf $(DESTDIR)$(PREFIX)/share/podmem 2>/dev/null || true
