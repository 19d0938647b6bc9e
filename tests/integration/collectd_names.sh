#!/usr/bin/env bash
# The collectd plugin's instance names (mapping, shortening, hash suffix,
# UTF-8 boundaries) and Namespace/Metrics patterns, table-driven under ASan
# and UBSan (plugins/collectd/pm_cd_names_test.c).
. "$(dirname "$0")/lib.sh"

bin=$B/san/test-cd-names
[ -x "$bin" ] || fail "build first: make build-all FRONTENDS=\"cli collectd\""
out=$("$bin" 2>&1) || fail "$out"
note "$(tail -n1 <<<"$out")"
