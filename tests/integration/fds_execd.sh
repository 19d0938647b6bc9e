#!/usr/bin/env bash
# podmem-execd (Telegraf's execd, signal = "STDIN") under prlimit --nofile,
# tiny and one that 20 pods fit in but 40 do not: every pod and container in
# every batch, also after 30 more pods appear while it runs; the degradation
# said once; exit 0 at the end of stdin.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_telegraf.sh"
. "$SRC/tests/integration/fds_lib.bash"
command -v prlimit >/dev/null || skip "prlimit is not installed (util-linux)"

# influx_keys FILE: fds_keys's list, from an influx batch's tags
influx_keys() {
	awk '$1 ~ /^podmem_(pod|container),/ {
		u = c = ""; n = split($1, t, ",")
		for (i = 2; i <= n; i++) { if (t[i] ~ /^pod_uid=/) u = substr(t[i], 9); if (t[i] ~ /^container_id=/) c = substr(t[i], 14) }
		print c == "" ? u : u " " c }' "$1" | LC_ALL=C sort
}

for n in 48 700; do
	fds_tree "$T/t$n" 10 --version 2 --driver cgroupfs
	podmem_json "${FIX_OPTS[@]}" >"$T/t$n.json"
	fds_keys "$T/t$n.json" >"$T/t$n.keys"
	EXECD=$(fds_limited execd$n "$n" "$B/podmem-execd")
	execd_start "${FIX_OPTS[@]}"
	execd_batch "$(batch_lines "$T/t$n.json")" "$T/b$n.0"
	influx_keys "$T/b$n.0" >"$T/b$n.0.keys"
	cmp -s "$T/t$n.keys" "$T/b$n.0.keys" || fail "--nofile=$n: the first batch lacks pods or containers: $(diff "$T/t$n.keys" "$T/b$n.0.keys" | head -5)"
	# 30 more pods while it runs: each batch from now on has every one, old and new
	fds_grow "$T/t$n" 100 129
	podmem_json "${FIX_OPTS[@]}" >"$T/t$n.json"
	fds_keys "$T/t$n.json" >"$T/t$n.keys"
	assert_eq "--nofile=$n: the grown tree" "40 81" "$(fds_count_keys "$T/t$n.keys")"
	for i in 1 2 3; do
		execd_batch "$(batch_lines "$T/t$n.json")" "$T/b$n.$i"
		influx_keys "$T/b$n.$i" >"$T/b$n.$i.keys"
		cmp -s "$T/t$n.keys" "$T/b$n.$i.keys" ||
			fail "--nofile=$n, batch $i after 30 pods appeared: $(diff "$T/t$n.keys" "$T/b$n.$i.keys" | head -5)"
	done
	execd_finish
	fds_said_once "--nofile=$n" "$T/execd.err" "$n" "$([ "$n" = 48 ] && echo 31)"
	assert_eq "--nofile=$n: stderr lines" 1 "$(wc -l <"$T/execd.err")"
	note "--nofile=$n: 10 pods, then 40 (121 cgroups): every pod and container in each of 4 batches, said once"
done
