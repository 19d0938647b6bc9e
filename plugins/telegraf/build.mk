# podmem-execd: Telegraf's inputs.execd (InfluxDB line protocol) and
# node_exporter's textfile collector (Prometheus text)
EXECD_SRCS := plugins/telegraf/pm_execd_text.c plugins/telegraf/pm_execd_format.c plugins/telegraf/pm_execd_files.c
EXECD_OBJS := $(EXECD_SRCS:%.c=$(BUILD)/%.o)

ALL_TARGETS += $(BUILD)/podmem-execd
SAN_TARGETS += $(BUILD)/san/podmem-execd
INTEGRATION_TESTS += $(sort $(wildcard tests/integration/telegraf_*.sh))
INSTALL_RULES += install-telegraf
# the escaping, durations, both formats and the file rows: tests/unit/check_execd_text.c
UNIT_PLUGIN_SRCS += $(EXECD_SRCS)

$(BUILD)/podmem-execd: $(BUILD)/plugins/telegraf/pm_execd.o $(EXECD_OBJS) $(LIB)
	$(CC) $(FINAL_CFLAGS) -o $@ $(filter %.o %.a,$^) $(FINAL_LDFLAGS)

$(BUILD)/san/podmem-execd: plugins/telegraf/pm_execd.c $(EXECD_SRCS) $(LIB_SAN)
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) $(SAN) -o $@ $(filter %.c %.a,$^) $(FINAL_LDFLAGS)

# The Telegraf block goes to the examples: dropped into telegraf.d it would
# start podmem-execd at once, so that stays the administrator's step.
.PHONY: install-telegraf
install-telegraf: $(BUILD)/podmem-execd
	install -D -m 0755 $(BUILD)/podmem-execd $(DESTDIR)$(PREFIX)/bin/podmem-execd
	install -D -m 0644 conf/telegraf/podmem.conf $(DESTDIR)$(PREFIX)/share/podmem/telegraf/podmem.conf
