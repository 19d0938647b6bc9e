#!/usr/bin/env bash
# A real collectd loads build/podmem.so against fixture trees and writes csv.
# With every default, each value collectd writes must equal `podmem --json`
# of the same tree, with the right identifier and type, and nothing more:
# on cgroup v2 and v1, both drivers, three runtimes, hostile names and a host
# without Kubernetes. Pod UID, container ID, runtime and sandbox must arrive
# as meta data (a PostCache chain moves each cgroup's "usage" under a host
# named after them, compared with podmem --json's fields).
# The filters and Report* switches must select exactly what they say.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_collectd.sh"

# paths DIR: the podmem options that point at fixture DIR
paths() {
	printf '  CgroupRoot "%s/cgroup"\n  ProcRoot "%s/proc"\n  PodLogDir "%s/log/pods"\n  ContainerLogDir "%s/log/containers"\n' \
		"$1" "$1" "$1" "$1"
}

have_files() { [ "$(csv_files | wc -l)" -ge "$1" ]; }
# a second read was written: everything of the first is in the files
second_read() {
	local f
	f=$(csv_files | sed -n 1p)
	[ -n "$f" ] && [ "$(wc -l <"$f")" -ge 3 ]
}

# collect N BLOCK [EXTRA]: runs collectd until N csv files are written and a
# second read has arrived, stops it cleanly, and leaves csv_table's output in
# $T/actual.tsv
collect() {
	local n=$1 conf=$T/collectd.conf
	cd_conf "$conf" 1 "$2" "${3:-}"
	cd_start "$conf"
	cd_wait 15 have_files "$n" || fail "$(csv_files | wc -l) of $n csv files; log: $(tail -5 "$conf.log")"
	cd_wait 15 second_read || fail "no second read; log: $(tail -5 "$conf.log")"
	cd_stop
	local errs
	# nothing logged but that a log entry is not trusted (full_run counts those)
	errs=$(log_errors "$conf" | grep -v "podmem plugin: .*' is not trusted: ") || true
	[ -z "$errs" ] || fail "collectd logged: $errs"
	csv_table >"$T/actual.tsv"
}

# full_run NAME MKTREE_ARGS...: every default on one fixture; values, types,
# identifiers and meta data against podmem --json
full_run() {
	local name=$1; shift
	local dir=$T/$name bad
	fixture "$dir" "$@"
	podmem_json "${FIX_OPTS[@]}" >"$dir/sample.raw" 2>"$dir/sample.err"
	as_instances "$dir/sample.raw" >"$dir/sample.json" || fail "$name: cannot read podmem's sample"
	json_table "$dir/sample.json" | sort >"$dir/expect.tsv"
	collect "$(wc -l <"$dir/expect.tsv")" "$(paths "$dir")" "$IDENTITY_CHAIN"

	keyed_table "$T/actual.tsv" >"$dir/got.tsv"
	bad=$(compare_values "$dir/expect.tsv" "$dir/expect.tsv" "$dir/got.tsv" 0)
	[ -z "$bad" ] || fail "$name: collectd's values differ from podmem --json: $(head -40 <<<"$bad")"
	check_instances "$dir" "$dir/sample.json" "$T/actual.tsv"
	# each log entry not trusted said once, over the reads
	UNTRUSTED=$(assert_untrusted_said "$dir" "$T/collectd.conf.log")
	note "$name: $(wc -l <"$dir/got.tsv") values match podmem --json; $UNTRUSTED log entries said not trusted"
}

HOSTILE_UID=4d5e6f70-8192-43a4-b5c6-0000000000d4
full_run v2-systemd-hostile --version 2 --driver systemd --hostile
assert_eq "v2: untrusted log entries (the hostile pod's directory and link)" 2 "$UNTRUSTED"
# not trusted: the hostile pod's instance is its UID, its containers' their IDs
assert_eq "the hostile pod's instances" "$({ echo "$HOSTILE_UID"; grep "^$HOSTILE_UID" "$T/v2-systemd-hostile/instances.tsv" |
	cut -f1 | awk -F'|' -v u="$HOSTILE_UID" 'NF == 4 { print u "_" $2 }'; } | sort | xargs)" \
	"$(grep "^$HOSTILE_UID" "$T/v2-systemd-hostile/instances.tsv" | cut -f2 | sort | xargs)"
full_run v1-crio-hostile --version 1 --runtime crio --hostile
assert_eq "v1: untrusted log entries" 2 "$UNTRUSTED"
# the same names get the same instances, whatever else differs (the runtime)
assert_eq "the hostile pod's instances on v2 and v1" "$(grep "^$HOSTILE_UID" "$T/v2-systemd-hostile/instances.tsv" | cut -f2)" \
	"$(grep "^$HOSTILE_UID" "$T/v1-crio-hostile/instances.tsv" | cut -f2)"
# the runtimes arrived as meta data: containerd by default, and crio
for r in v2-systemd-hostile:containerd v1-crio-hostile:crio; do
	assert_eq "${r%%:*}: runtimes in the containers' meta data" "${r#*:}" \
		"$(cut -f1 "$T/${r%%:*}/instances.tsv" | awk -F'|' 'NF == 4 { print $3 }' | sort -u)"
done
full_run v2-no-kube --version 2 --no-kube --hostile
assert_eq "groups and their children on a host without Kubernetes" \
	"docker docker_$(printf dockerctr | sha256sum | cut -c1-64) init.scope system.slice system.slice_ssh.service user.slice" \
	"$(cut -f2 "$T/v2-no-kube/instances.tsv" | grep -v '~' | sort | xargs)"
# the two groups with hostile names: their values under the instances
# as_instances expects, marked as changed (check_instances: made safe)
assert_eq "groups whose names were marked as changed" 2 "$(cut -f2 "$T/v2-no-kube/instances.tsv" | grep -cE '~[0-9a-f]{16}$')"

# ---- selection: Namespace, IgnoreNamespace, Report*, Metrics --------------
dir=$T/v1-systemd-docker
fixture "$dir" --version 1 --driver systemd --runtime docker
podmem_json "${FIX_OPTS[@]}" >"$dir/sample.json"

# only default's containers, no sandbox, no pods, no node; two metrics
collect 4 "$(paths "$dir")
  Namespace \"/^(default|kube-system)$/\"
  IgnoreNamespace \"kube-system\"
  ReportPods false
  ReportSandbox false
  ReportNode false
  Metrics \"usage\"
  Metrics \"/^pgm/\""
want=$(jq -r '.pods[] | select(.namespace == "default") | "\(.namespace)_\(.pod)" as $i
	| .containers[] | select(.sandbox | not)
	| "\($i)_\(.container)\tderive\tpgmajfault\t\(.pgmajfault)", "\($i)_\(.container)\tmemory\tusage\t\(.usage)"' \
	"$dir/sample.json" | sort)
assert_eq "containers of default only, two metrics" "$want" "$(cut -f2- "$T/actual.tsv" | sort)"

# pods and the node, no containers, the working sets only
collect 3 "$(paths "$dir")
  IgnoreNamespace \"/^(kube-system|batch)$/\"
  ReportContainers false
  Metrics \"/^working_set/\""
want=$(jq -r '(.node | "node\tmemory\tworking_set\t\(.working_set)"),
	(.pods[] | select(.namespace == "default") | "\(.namespace)_\(.pod)" as $i
	 | "\($i)\tmemory\tworking_set\t\(.working_set)", "\($i)\tmemory\tworking_set_kubelet\t\(.working_set_kubelet)")' \
	"$dir/sample.json" | sort)
assert_eq "default's pods and the node, working sets" "$want" "$(cut -f2- "$T/actual.tsv" | sort)"
