# podmem, the human front end
ALL_TARGETS += $(BUILD)/podmem
SAN_TARGETS += $(BUILD)/san/podmem
INTEGRATION_TESTS += $(sort $(wildcard tests/integration/cli_*.sh))
INSTALL_RULES += install-cli
UNINSTALL_RULES += uninstall-cli

CLI_SRCS := $(sort $(wildcard plugins/cli/*.c))

$(BUILD)/podmem: $(CLI_SRCS) plugins/cli/pm_cli.h $(LIB)
	$(CC) $(FINAL_CFLAGS) -o $@ $(CLI_SRCS) $(LIB) $(FINAL_LDFLAGS)

$(BUILD)/san/podmem: $(CLI_SRCS) plugins/cli/pm_cli.h $(LIB_SAN)
	$(CC) $(FINAL_CFLAGS) $(SAN) -o $@ $(CLI_SRCS) $(LIB_SAN) $(FINAL_LDFLAGS)

.PHONY: install-cli uninstall-cli
install-cli: $(BUILD)/podmem
	install -D -m 0755 $(BUILD)/podmem $(DESTDIR)$(PREFIX)/bin/podmem
	install -D -m 0644 docs/man/podmem.1 $(DESTDIR)$(MANDIR)/man1/podmem.1
uninstall-cli:
	rm -f $(DESTDIR)$(PREFIX)/bin/podmem $(DESTDIR)$(MANDIR)/man1/podmem.1
