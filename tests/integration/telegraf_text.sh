#!/usr/bin/env bash
# podmem-execd's escaping (line protocol, Prometheus), Go-style durations and
# both batch formats on a synthetic snapshot: plugins/telegraf/pm_execd_test.c,
# built under ASan and UBSan.
. "$(dirname "$0")/lib.sh"

bin=$B/san/test-execd-text
[ -x "$bin" ] || fail "$bin is not built (make build-all)"
out=$("$bin" 2>&1) || fail "$out"
note "$(printf '%s\n' "$out" | tail -1)"
