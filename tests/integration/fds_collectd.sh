#!/usr/bin/env bash
# collectd with podmem.so under prlimit --nofile: 1024 (collectd's usual
# soft limit under systemd) on a cgroup v1 tree of 75 pods that wants about
# 2000 fds, and 128 on a small v2 one. collectd must not exit, every pod and
# container must arrive (each with a plugin instance of its own and its
# value), the degradation said once, and collectd stop with exit 0.
. "$(dirname "$0")/lib.sh"
[ -f "$B/podmem.so" ] || skip "the collectd plugin is not built (collectd-dev is not installed)"
. "$SRC/tests/integration/lib_collectd.sh"
. "$SRC/tests/integration/fds_lib.bash"
command -v prlimit >/dev/null || skip "prlimit is not installed (util-linux)"

paths() {
	printf '  CgroupRoot "%s/cgroup"\n  ProcRoot "%s/proc"\n  PodLogDir "%s/log/pods"\n  ContainerLogDir "%s/log/containers"\n' \
		"$1" "$1" "$1" "$1"
}
have_files() { [ "$(csv_files | wc -l)" -ge "$1" ]; }
reads() { # reads N: the first csv file holds N rows
	local f
	f=$(csv_files | sed -n 1p)
	[ -n "$f" ] && [ "$(($(wc -l <"$f") - 1))" -ge "$1" ]
}

for spec in "1024:75:--version 1 --driver cgroupfs" "128:20:--version 2 --driver systemd"; do
	IFS=: read -r n pods args <<<"$spec"
	read -ra args <<<"$args"
	dir=$T/t$n
	fds_tree "$dir" "$pods" "${args[@]}"
	podmem_json "${FIX_OPTS[@]}" >"$dir/sample.json"
	json_table "$dir/sample.json" | awk -F'\t' '$3 == "usage"' | sort >"$dir/expect.tsv"
	# one metric, so that a pod or container is one csv file
	cd_conf "$T/cd$n.conf" 1 "$(paths "$dir")
  Metrics \"usage\"" "$IDENTITY_CHAIN"
	cd_start "$T/cd$n.conf" prlimit --nofile="$n"
	want=$(wc -l <"$dir/expect.tsv") # usage: under its identity host (the chain), the node's under ours
	cd_wait 30 have_files "$want" || fail "--nofile=$n: $(csv_files | wc -l) of $want csv files; log: $(tail -5 "$T/cd$n.conf.log")"
	cd_wait 30 reads 3 || fail "--nofile=$n: no third read; log: $(tail -5 "$T/cd$n.conf.log")"
	kill -0 "$CD_PID" || fail "--nofile=$n: collectd exited"
	cd_stop
	csv_table >"$dir/actual.tsv"
	keyed_table "$dir/actual.tsv" | sort >"$dir/got.tsv"
	bad=$(compare_values "$dir/expect.tsv" "$dir/expect.tsv" "$dir/got.tsv" 0)
	[ -z "$bad" ] || fail "--nofile=$n: collectd's values differ from podmem --json: $(head -20 <<<"$bad")"
	check_instances "$dir" "$dir/sample.json" "$dir/actual.tsv"
	assert_eq "--nofile=$n: pods and containers with an instance" $((FDS_PODS + FDS_CTRS)) "$(wc -l <"$dir/instances.tsv")"
	fds_said_once "--nofile=$n" "$T/cd$n.conf.log" "$n" $((FDS_PODS + FDS_CTRS))
	errs=$(log_errors "$T/cd$n.conf" | grep -v 'kept fds for' || true)
	[ -z "$errs" ] || fail "--nofile=$n: collectd logged: $errs"
	note "--nofile=$n: $FDS_PODS pods, $FDS_CTRS containers, each with its instance and value; collectd ran on"
done
