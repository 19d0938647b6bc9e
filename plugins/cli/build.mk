# podmem, the human front end
ALL_TARGETS += $(BUILD)/podmem
SAN_TARGETS += $(BUILD)/san/podmem
INTEGRATION_TESTS += $(sort $(wildcard tests/integration/cli_*.sh))
INSTALL_RULES += install-cli

$(BUILD)/podmem: plugins/cli/pm_cli.c $(LIB)
	$(CC) $(FINAL_CFLAGS) -o $@ $< $(LIB) $(FINAL_LDFLAGS)

$(BUILD)/san/podmem: plugins/cli/pm_cli.c $(LIB_SAN)
	$(CC) $(FINAL_CFLAGS) $(SAN) -o $@ $< $(LIB_SAN) $(FINAL_LDFLAGS)

.PHONY: install-cli
install-cli: $(BUILD)/podmem
	install -D -m 0755 $(BUILD)/podmem $(DESTDIR)$(PREFIX)/bin/podmem
