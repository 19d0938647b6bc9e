#!/usr/bin/env bash
# The Telegraf configuration we ship (conf/telegraf/podmem.conf) and the block
# in the README: valid TOML, an [[inputs.execd]] with only settings the execd
# documentation defines, and a command that, run the way that block tells
# Telegraf to run it, gives batches of line protocol and stops at the end of
# stdin. (Telegraf itself is not installable here.)
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_telegraf.sh"

python3 -c 'import tomllib' 2>/dev/null || skip "python3 with tomllib (3.11+) is needed to parse TOML"

fixture "$T/fx" --version 2
podmem_json "${FIX_OPTS[@]}" >"$T/sample.json"
N=$(batch_lines "$T/sample.json")

# the README's first ```toml block
awk '/^```toml$/ { on = 1; next } /^```$/ && on { exit } on' "$SRC/README.md" >"$T/readme.toml"
[ -s "$T/readme.toml" ] || fail "no toml block in README.md"

for conf in "$SRC/conf/telegraf/podmem.conf" "$T/readme.toml"; do
	# the execd input as one line per setting: key<TAB>JSON value
	settings=$(python3 - "$conf" <<'EOF'
import json, sys, tomllib
with open(sys.argv[1], "rb") as f:
    doc = tomllib.load(f)
assert list(doc) == ["inputs"] and list(doc["inputs"]) == ["execd"], "not only [[inputs.execd]]"
assert len(doc["inputs"]["execd"]) == 1, "more than one [[inputs.execd]]"
for k, v in doc["inputs"]["execd"][0].items():
    print(k + "\t" + json.dumps(v))
EOF
	) || fail "$conf: $settings"
	while IFS=$'\t' read -r key value; do
		case $key in
		command | signal | restart_delay | data_format | interval) ;;
		*) fail "$conf: '$key' is no inputs.execd setting we document" ;;
		esac
	done <<<"$settings"
	get() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' <<<"$settings"; }
	assert_eq "$conf: signal" '"STDIN"' "$(get signal)"
	assert_eq "$conf: data_format" '"influx"' "$(get data_format)"
	[[ $(get restart_delay) =~ ^\"[0-9]+(ms|s|m|h)\"$ ]] || fail "$conf: restart_delay $(get restart_delay)"

	# run the command as Telegraf would, found on PATH, pointed at the fixture
	mapfile -t cmd < <(jq -r '.[]' <<<"$(get command)")
	assert_eq "$conf: program" podmem-execd "${cmd[0]}"
	EXECD=$(PATH=$B:$PATH command -v "${cmd[0]}")
	execd_start "${cmd[@]:1}" "${FIX_OPTS[@]}"
	execd_batch "$N" "$T/conf1.lp"
	execd_batch "$N" "$T/conf2.lp"
	execd_finish
	[ "$(batch_time "$T/conf1.lp")" != "$(batch_time "$T/conf2.lp")" ] || fail "$conf: batches share a timestamp"
	note "$(basename "$conf"): valid, and its command gives a batch of $N lines per stdin line"
done
