# podmem-agentx, the net-snmp AgentX subagent, and PODMEM-MIB.
# The MIB is generated from common/pm_catalog.def by build/pm-mibgen and
# checked in; `make snmp-mib` regenerates it, and tests/integration/snmp_mib.sh
# fails when the checked-in copy is stale. The build generates it too
# (build/PODMEM-MIB.txt), so that a template whose identity columns are not
# named as their labels fails the build (pm-mibgen says which).
SNMP_INCDIR ?= /usr/include/net-snmp

# Without net-snmp's headers (Debian's libsnmp-dev) the subagent is skipped,
# and plain `make` says so once.
ifeq ($(wildcard $(SNMP_INCDIR)/net-snmp-config.h),)
SKIPPED += snmp
SKIP_MSG_snmp := the SNMP subagent: libsnmp-dev is not installed
else
SNMP_SRCS := plugins/snmp/pm_agentx.c plugins/snmp/pm_snmp_tree.c
SNMP_OBJS := $(SNMP_SRCS:%.c=$(BUILD)/%.o)
SNMP_MIB  := plugins/snmp/mibs/PODMEM-MIB.txt
SNMP_LIBS := -lnetsnmpagent -lnetsnmp

ALL_TARGETS += $(BUILD)/podmem-agentx $(BUILD)/pm-mibgen $(BUILD)/PODMEM-MIB.txt $(BUILD)/pm-snmp-floor
SAN_TARGETS += $(BUILD)/san/podmem-agentx
INTEGRATION_TESTS += $(sort $(wildcard tests/integration/snmp_*.sh))
INSTALL_RULES += install-snmp
UNINSTALL_RULES += uninstall-snmp

$(BUILD)/podmem-agentx: $(SNMP_OBJS) $(LIB)
	$(CC) $(FINAL_CFLAGS) -o $@ $^ $(FINAL_LDFLAGS) $(SNMP_LIBS)

$(BUILD)/san/podmem-agentx: $(SNMP_SRCS) $(LIB_SAN)
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) $(SAN) -o $@ $(filter %.c %.a,$^) $(FINAL_LDFLAGS) $(SNMP_LIBS)

# the floor tests/bench/bench_snmp.sh measures walks against: a static-table subagent
$(BUILD)/pm-snmp-floor: tests/bench/snmp_floor.c
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) -o $@ $< $(FINAL_LDFLAGS) $(SNMP_LIBS)

$(BUILD)/pm-mibgen: $(BUILD)/plugins/snmp/pm_mibgen.o $(LIB)
	$(CC) $(FINAL_CFLAGS) -o $@ $^ $(FINAL_LDFLAGS)

$(BUILD)/PODMEM-MIB.txt: plugins/snmp/PODMEM-MIB.txt.in $(BUILD)/pm-mibgen
	$(BUILD)/pm-mibgen $< > $@.tmp
	mv $@.tmp $@

.PHONY: snmp-mib install-snmp uninstall-snmp
snmp-mib: $(BUILD)/PODMEM-MIB.txt
	cp $< $(SNMP_MIB)

# snmpd's lines go to the examples: the administrator adds them to snmpd.conf.
install-snmp: $(BUILD)/podmem-agentx
	install -D -m 0755 $(BUILD)/podmem-agentx $(DESTDIR)$(PREFIX)/sbin/podmem-agentx
	install -D -m 0644 $(SNMP_MIB) $(DESTDIR)$(PREFIX)/share/snmp/mibs/PODMEM-MIB.txt
	install -D -m 0644 conf/snmp/podmem.conf $(DESTDIR)$(PREFIX)/share/podmem/snmp/podmem.conf
	install -D -m 0644 docs/man/podmem-agentx.8 $(DESTDIR)$(MANDIR)/man8/podmem-agentx.8
	mkdir -p $(DESTDIR)$(SYSTEMD_UNITDIR)
	sed 's#/usr/sbin/podmem-agentx#$(PREFIX)/sbin/podmem-agentx#' packaging/systemd/podmem-agentx.service \
		> $(DESTDIR)$(SYSTEMD_UNITDIR)/podmem-agentx.service
uninstall-snmp:
	rm -f $(DESTDIR)$(PREFIX)/sbin/podmem-agentx $(DESTDIR)$(PREFIX)/share/snmp/mibs/PODMEM-MIB.txt \
		$(DESTDIR)$(PREFIX)/share/podmem/snmp/podmem.conf $(DESTDIR)$(MANDIR)/man8/podmem-agentx.8 \
		$(DESTDIR)$(SYSTEMD_UNITDIR)/podmem-agentx.service
	rmdir $(DESTDIR)$(PREFIX)/share/podmem/snmp $(DESTDIR)$(PREFIX)/share/podmem 2>/dev/null || true
endif
