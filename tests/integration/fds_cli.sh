#!/usr/bin/env bash
# podmem --json under prlimit --nofile, tiny to a tree bigger than the limit:
# every pod and container, with the same values as without a limit; the
# degradation said once, with the numbers; exit 0.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/fds_lib.bash"
command -v prlimit >/dev/null || skip "prlimit is not installed (util-linux)"
command -v jq >/dev/null || skip "jq is not installed"

# v1: 9 fds a cgroup, so 150 pods (451 cgroups) want about 4000: more than 1024
for spec in "v1:--version 1 --driver cgroupfs" "v2:--version 2 --driver systemd --runtime crio"; do
	name=${spec%%:*}
	read -ra args <<<"${spec#*:}"
	fds_tree "$T/$name" 150 "${args[@]}"
	cgroups=$((FDS_PODS + FDS_CTRS))
	podmem_json "${FIX_OPTS[@]}" 2>"$T/$name.ref.err" | sed -E 's/"time_ns":[0-9]+/"time_ns":0/' >"$T/$name.ref"
	fds_keys "$T/$name.ref" >"$T/$name.ref.keys"
	assert_eq "$name: the reference sample" "$FDS_PODS $FDS_CTRS" "$(fds_count_keys "$T/$name.ref.keys")"
	for n in 16 48 1024; do
		rc=0
		prlimit --nofile=$n "$B/podmem" --json "${FIX_OPTS[@]}" >"$T/$name.$n" 2>"$T/$name.$n.err" || rc=$?
		assert_eq "$name, --nofile=$n: exit status ($(head -3 "$T/$name.$n.err"))" 0 "$rc"
		sed -i -E 's/"time_ns":[0-9]+/"time_ns":0/' "$T/$name.$n"
		fds_keys "$T/$name.$n" >"$T/$name.$n.keys"
		assert_eq "$name, --nofile=$n: pods and containers" "$FDS_PODS $FDS_CTRS" "$(fds_count_keys "$T/$name.$n.keys")"
		cmp -s "$T/$name.ref" "$T/$name.$n" || fail "$name, --nofile=$n: the sample differs from one without a limit"
		fds_said_once "$name, --nofile=$n" "$T/$name.$n.err" "$n" "$cgroups"
		assert_eq "$name, --nofile=$n: stderr lines" 1 "$(wc -l <"$T/$name.$n.err")"
	done
	note "$name: $FDS_PODS pods, $FDS_CTRS containers at --nofile=16, 48 and 1024, as without a limit"
done
