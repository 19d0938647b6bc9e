#!/usr/bin/env bash
# Hostile trees, each against every front end: podmem --json (the reference,
# checked against the tree itself), podmem-execd (line protocol stored by a
# real InfluxDB, Prometheus text through promtool, both equal to the JSON),
# the collectd plugin in a real collectd (every value equal to the JSON) and
# podmem-agentx through a real snmpd (every row and column equal to the JSON):
#   symlinks  log links to /etc/shadow and to a FIFO outside the tree, a pod
#             log directory that is a symlink out of it: nothing outside the
#             tree is opened or even looked at (strace of every front end),
#             the names are as the entry names say
#   long      a cgroup root 3.9 KiB deep (the cgroup files' paths longer than
#             PATH_MAX), log names of NAME_MAX bytes, groups named with a
#             newline, quotes, backslashes and 255 bytes: every output well
#             formed, no entity lost, every value equal
#   loop      a bind mount of the cgroup root inside its own tree (in a private
#             mount namespace): the walk ends, each cgroup once, said once
#   devices   character devices in place of a memory.stat and of cgroup.procs
#             files: skipped, said once, the rest exact
# (a FIFO, a device and a symlink in place of cgroup files: hostile_files.sh;
# processes that exit mid-scan: hostile_proc_churn.sh)
if [ -z "${PODMEM_PRIVATE_MOUNTS:-}" ] && [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
	PODMEM_PRIVATE_MOUNTS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "bind mounts and mknod need root"
[ -n "${PODMEM_PRIVATE_MOUNTS:-}" ] || skip "unshare -m does not work here"
command -v strace >/dev/null || skip "strace is not installed (apt-get install strace)"
command -v promtool >/dev/null || skip "promtool is not installed"
. "$SRC/tests/integration/lib_telegraf.sh"
. "$SRC/tests/integration/lib_collectd.sh"
. "$SRC/tests/integration/lib_snmp.sh"
influx_need
influx_start
snmpd_start
TRACE=(-f -qq -e trace=%file,%desc -s 256)
# HOSTILE_CASES: the cases to run (all by default), to try one alone
CASES=" ${HOSTILE_CASES:-symlinks long loop devices} "
case_on() { [[ $CASES == *" $1 "* ]]; }

# influx_flat DB TS: every value stored at TS as "measurement|tags|field=value"
influx_flat() {
	influx_query "$1" "SELECT * FROM /^podmem_/ WHERE time = $2 GROUP BY *" | jq -r '
		.results[0].series[]? | .name as $m
		| (.tags | to_entries | map(select(.value != "")) | sort_by(.key) | map("\(.key)=\(.value)") | join(",")) as $t
		| .columns as $c | .values[] as $row
		| range(1; $c | length) as $i | select($row[$i] != null) | "\($m)|\($t)|\($c[$i])=\($row[$i])"'
}

# agentx under strace, with its own log
cat >"$T/agentx-traced" <<EOF
#!/bin/sh
exec strace ${TRACE[*]} -o "\$PODMEM_TRACE" "$B/podmem-agentx" "\$@"
EOF
chmod +x "$T/agentx-traced"
AGENTX_BIN=$T/agentx-traced

# traced_stop VAR: SIGTERM to the daemon that the strace whose PID is in VAR
# runs (strace does not pass it on); then the caller's stop waits for strace,
# whose exit status is the daemon's
traced_stop() {
	local child
	child=$(ps -o pid= --ppid "${!1}" | tr -d ' ')
	[ -n "$child" ] || fail "no process under strace ${!1}"
	kill -TERM "$child"
}

# trace_guard VAR: the daemon under the strace whose PID is in VAR is killed
# at exit too, should the test fail before it is stopped (killing strace
# alone would leave it running)
trace_guard() {
	local child=
	tracee_up() { child=$(ps -o pid= --ppid "${!1}" | tr -d ' '); [ -n "$child" ]; }
	wait_for 10 tracee_up "$1" || fail "nothing runs under strace ${!1}"
	at_exit "kill -KILL $child"
}

# frontends NAME: runs every front end on the tree FIX_OPTS points at, each
# under strace (to $T/NAME.*.trace), and compares each one's output with
# podmem --json ($T/NAME.json). Their logs: $T/NAME.{cli,lp,prom,agentx}.err
# and $T/NAME.cd.log. Every run must end (a hang is a failure).
frontends() {
	local n=$1 d=$T/$1 ts bad conf
	mkdir -p "$d"
	timeout 30 strace "${TRACE[@]}" -o "$T/$n.cli.trace" "$B/podmem" --json "${FIX_OPTS[@]}" >"$T/$n.json" 2>"$T/$n.cli.err" ||
		fail "$n: podmem --json exited $? (124: it hung): $(head -c 500 "$T/$n.cli.err")"
	jq -e . "$T/$n.json" >/dev/null || fail "$n: podmem --json is not JSON"

	# podmem-execd: two batches, the first stored by InfluxDB and read back equal to the JSON
	printf '\n\n' | timeout 30 strace "${TRACE[@]}" -o "$T/$n.lp.trace" "$EXECD" "${FIX_OPTS[@]}" >"$T/$n.lp" 2>"$T/$n.lp.err" ||
		fail "$n: podmem-execd exited $? (124: it hung): $(head -c 500 "$T/$n.lp.err")"
	assert_eq "$n: podmem-execd's lines, two batches" $((2 * $(batch_lines "$T/$n.json"))) "$(wc -l <"$T/$n.lp")"
	head -n "$(batch_lines "$T/$n.json")" "$T/$n.lp" >"$d/batch1.lp"
	ts=$(batch_time "$d/batch1.lp")
	local db=hostile_${n//-/_}
	influx_query "$db" "CREATE DATABASE $db" >/dev/null
	influx_write "$db" "$d/batch1.lp"
	json_influx <"$T/$n.json" >"$d/expect.flat"
	influx_flat "$db" "$ts" >"$d/got.flat"
	assert_same_lines "$n: InfluxDB vs podmem --json" "$d/expect.flat" "$d/got.flat"

	# Prometheus text: lint-clean, and equal to the JSON
	timeout 30 strace "${TRACE[@]}" -o "$T/$n.prom.trace" "$EXECD" --once --format prometheus "${FIX_OPTS[@]}" \
		>"$T/$n.prom" 2>"$T/$n.prom.err" || fail "$n: podmem-execd --format prometheus exited $?"
	bad=$(promtool check metrics <"$T/$n.prom" 2>&1) || fail "$n: promtool check metrics: $bad"
	json_prometheus <"$T/$n.json" >"$d/expect.prom"
	grep -v '^#' "$T/$n.prom" >"$d/got.prom"
	assert_same_lines "$n: Prometheus text vs podmem --json" "$d/expect.prom" "$d/got.prom"

	# collectd: every value of two reads equal to the JSON's
	conf=$T/$n.cd.conf
	as_instances "$T/$n.json" >"$d/keyed.json"
	json_table "$d/keyed.json" | sort >"$d/expect.tsv"
	cd_conf "$conf" 1 "$(printf '  CgroupRoot "%s"\n  ProcRoot "%s"\n  PodLogDir "%s"\n  ContainerLogDir "%s"\n' \
		"${FIX_OPTS[1]}" "${FIX_OPTS[3]}" "${FIX_OPTS[5]}" "${FIX_OPTS[7]}")" "$IDENTITY_CHAIN"
	cd_start "$conf" strace "${TRACE[@]}" -o "$T/$n.cd.trace"
	trace_guard CD_PID
	want=$(wc -l <"$d/expect.tsv")
	have_files() { [ "$(csv_files | wc -l)" -ge "$want" ]; }
	second_read() { local f; f=$(csv_files | sed -n 1p); [ -n "$f" ] && [ "$(wc -l <"$f")" -ge 3 ]; }
	cd_wait 30 have_files || fail "$n: $(csv_files | wc -l) of $want csv files; log: $(tail -5 "$conf.log")"
	cd_wait 30 second_read || fail "$n: no second read; log: $(tail -5 "$conf.log")"
	traced_stop CD_PID
	cd_stop
	csv_table >"$d/actual.tsv"
	keyed_table "$d/actual.tsv" >"$d/got.tsv"
	bad=$(compare_values "$d/expect.tsv" "$d/expect.tsv" "$d/got.tsv" 0)
	[ -z "$bad" ] || fail "$n: collectd's values differ from podmem --json: $(head -20 <<<"$bad")"
	cp "$conf.log" "$T/$n.cd.log"

	# podmem-agentx: a walk, a bulk walk and a get of every column, equal to the JSON
	: >"$T/agentx.log"
	PODMEM_TRACE=$T/$n.agentx.trace agentx_start -i 1 "${FIX_OPTS[@]}"
	trace_guard AGENTX_PID
	if [ -z "${SNMP_BY_KEYS:-}" ]; then
		# (podmemCgroupRoot is SIZE (0..511): a longer root is cut, snmp_long_root.sh checks where)
		jq '.cgroup_root |= .[0:511]' "$T/$n.json" >"$d/snmp.json"
		snmp_check_all "$d/snmp.json"
	else
		# groups whose names are longer than a key, or hold a newline (the grid is
		# made of lines): every usage walked, and each group's name by its key
		assert_eq "$n: podmemPodCount" "$(jq '.pods | length' "$T/$n.json")" "$(snmpget "${SNMP[@]}" -Oqv "$AGENT" podmemPodCount.0)"
		assert_eq "$n: podmemPodUsage walked" "$(jq '[.pods[].usage] | sort | .[]' "$T/$n.json" | xargs)" \
			"$(snmpwalk "${SNMP[@]}" -Oqv -OU "$AGENT" podmemPodUsage | sort -n | xargs)"
		local g key
		while IFS= read -r -d '' g; do
			key=$g
			[ "$(printf '%s' "$g" | wc -c)" -le 48 ] || key=$(printf '%s' "$g" | head -c 31)/$(fnv1a "$g")
			# (the tools quote the string and escape quotes and backslashes: those are left out on both sides)
			assert_eq "$n: the group $key, by its key" "$(printf '%s' "$g" | tr -d '"\\')" \
				"$(snmpget "${SNMP[@]}" -Oqv "$AGENT" "podmemPodName$(oid_str "$key")" | tr -d '"\\')"
		done < <(jq -j '.pods[] | .pod + "\u0000"' "$T/$n.json")
	fi
	traced_stop AGENTX_PID
	agentx_stop
	cp "$T/agentx.log" "$T/$n.agentx.err"
	FRONTENDS_RUN=$((FRONTENDS_RUN + 1))
}
FRONTENDS_RUN=0
# fnv1a S: the 64-bit FNV-1a hash of S's bytes, in hexadecimal (the SNMP key of a long name)
fnv1a() {
	local h=$((0xcbf29ce484222325)) c
	for c in $(printf '%s' "$1" | od -An -tu1 -v); do h=$(((h ^ c) * 0x100000001b3)); done
	printf '%016x' "$h"
}
# said N NAME TEXT: every front end's log has N lines that hold TEXT
said() {
	local n=$1 name=$2 text=$3 f
	for f in "$T/$name.cli.err" "$T/$name.lp.err" "$T/$name.prom.err" "$T/$name.cd.log" "$T/$name.agentx.err"; do
		assert_eq "$name: lines of ${f##*/} saying \"$text\"" "$n" "$(grep -cF -- "$text" "$f" || true)"
	done
}
# no_warnings NAME: no front end logged a warning or an error
no_warnings() {
	local f
	for f in "$T/$1.cli.err" "$T/$1.lp.err" "$T/$1.prom.err"; do
		[ ! -s "$f" ] || fail "$1: ${f##*/}: $(head -c 500 "$f")"
	done
	[ -z "$(agentx_said "$T/$1.agentx.err")" ] || fail "$1: podmem-agentx said: $(agentx_said "$T/$1.agentx.err")"
	[ -z "$(log_errors "$T/$1.cd")" ] || fail "$1: collectd logged: $(log_errors "$T/$1.cd")"
}
# entities JSON: "pods containers" of a sample
entities() { jq -r '"\(.pods | length) \([.pods[].containers | length] | add)"' "$1"; }
# same_sample A B: two samples alike but for the time and the root
same_sample() {
	local a b
	a=$(jq -S 'del(.time_ns, .cgroup_root)' "$2") b=$(jq -S 'del(.time_ns, .cgroup_root)' "$3")
	[ "$a" = "$b" ] || fail "$1: the samples differ: $(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -20)"
}

# ---- symlinks out of the tree in the log directories ---------------------------------
if case_on symlinks; then
fixture "$T/sym" --version 2 --driver systemd --runtime containerd >/dev/null
podmem_json "${FIX_OPTS[@]}" >"$T/sym.ref.json"
out=$T/outside
mkdir -p "$out/podlogs/worker"
mkfifo "$out/fifo" "$out/podlogs/worker/0.log"
logs=$T/sym/log
web=2a3b4c5d-6e7f-4081-9293-0000000000b2 job=3c4d5e6f-7081-4293-a4b5-0000000000c3
app=$(cd "$logs/containers" && ls web-0_default_app-*.log) side=$(cd "$logs/containers" && ls web-0_default_sidecar-*.log)
ln -sfn /etc/shadow "$logs/containers/$app"
ln -sfn "$out/fifo" "$logs/containers/$side"
rm -r "$logs/pods/batch_job-7f9c_$job"
ln -s "$out/podlogs" "$logs/pods/batch_job-7f9c_$job"
frontends sym
same_sample "symlinks: podmem --json, with the links, and before" "$T/sym.ref.json" "$T/sym.json"
assert_eq "symlinks: pods and containers" "3 7" "$(entities "$T/sym.json")"
assert_eq "symlinks: the names" "batch/job-7f9c:POD,worker default/web-0:POD,app,sidecar kube-system/coredns-5d78c9869d-x7k2p:POD,coredns" \
	"$(jq -r '[.pods[] | "\(.namespace)/\(.pod):\([.containers[].container] | sort | join(","))"] | sort | join(" ")' "$T/sym.json")"
no_warnings sym
for f in "$T"/sym.*.trace; do
	# nothing outside the tree, and no log entry itself, is opened, looked at or followed
	bad=$(grep -E "/etc/shadow|$out|$logs/(pods|containers)/[^\"]|batch_job-7f9c_$job|$app|$side" "$f" | head -3 || true)
	[ -z "$bad" ] || fail "symlinks: ${f##*/}: $bad"
	grep -qF "\"$logs/pods\"" "$f" || fail "symlinks: ${f##*/} does not show the pod log directory listed (is strace tracing?)"
done
[ -p "$out/fifo" ] && [ -p "$out/podlogs/worker/0.log" ] || fail "symlinks: a FIFO outside is gone"
note "symlinks: the log links and a pod log directory pointing out of the tree: names right, nothing outside touched by any front end"
fi

# ---- long names and 4 KiB paths --------------------------------------------------------
if case_on long; then
# a root of 16 directories, 15 of them of 255 bytes, 3.9 KiB in all; the
# fixtures are made at a short path, then moved in
deep=$T/long
for i in $(seq 1 15); do deep=$deep/$(printf "%0255d" "$i"); done
deep=$deep/$(printf "%0$((3970 - ${#deep}))d" 0)
mkdir -p "$deep"
fixture "$T/k" --version 2 --driver cgroupfs --runtime crio >/dev/null
uid=2a3b4c5d-6e7f-4081-9293-0000000000b2
ns63=$(printf 'n%.0s' $(seq 1 63)) pod154=$(printf 'p%.0s' $(seq 1 77)).$(printf 'q%.0s' $(seq 1 76))
mv "$T/k/log/pods/default_web-0_$uid" "$T/k/log/pods/${ns63}_${pod154}_$uid"
app=$(cd "$T/k/log/containers" && ls web-0_default_app-*.log) id=${app##*-} id=${id%.log}
ctr21=app-$(printf 'a%.0s' $(seq 1 17)) pod100=$(printf 'p%.0s' $(seq 1 100))
mv "$T/k/log/containers/$app" "$T/k/log/containers/${pod100}_${ns63}_${ctr21}-$id.log"
assert_eq "the pod log directory's name, bytes" 255 "$(printf '%s' "${ns63}_${pod154}_$uid" | wc -c)"
assert_eq "the container log link's name, bytes" 255 "$(printf '%s' "${pod100}_${ns63}_${ctr21}-$id.log" | wc -c)"
podmem_json "${FIX_OPTS[@]}" >"$T/long.ref.json"
assert_eq "NAME_MAX log names are Kubernetes names: trusted" "$ns63|$pod154|$ctr21" \
	"$(jq -r --arg u "$uid" --arg id "$id" '.pods[] | select(.pod_uid == $u) | "\(.namespace)|\(.pod)|\(.containers[] | select(.container_id == $id) | .container)"' "$T/long.ref.json")"
mv "$T/k" "$deep/k"
fix_opts "$deep/k"
[ "${#FIX_OPTS[1]}" -gt 3900 ] || fail "the cgroup root is only ${#FIX_OPTS[1]} bytes long"
longest=$(cd "$deep/k/cgroup" && find . -name memory.stat | awk '{ print length($0) }' | sort -n | tail -1)
[ $((${#FIX_OPTS[1]} + longest)) -gt 4096 ] || fail "no cgroup file's path is longer than PATH_MAX"
frontends long
same_sample "a root 3.9 KiB deep: podmem --json, and at a short path" "$T/long.ref.json" "$T/long.json"
assert_eq "a root 3.9 KiB deep: cgroup_root" "${FIX_OPTS[1]}" "$(jq -r .cgroup_root "$T/long.json")"
assert_eq "a root 3.9 KiB deep: pods and containers" "3 7" "$(entities "$T/long.json")"
no_warnings long
note "a cgroup root of ${#FIX_OPTS[1]} bytes (files at up to $((${#FIX_OPTS[1]} + longest)) bytes), NAME_MAX log names: every front end exact"

# groups named with a newline, quotes, backslashes, and 255 bytes, on a host without Kubernetes
fixture "$T/g" --version 2 --no-kube --hostile >/dev/null
g255=$(printf 'g%.0s' $(seq 1 255))
mv "$T/g/cgroup/user.slice" "$T/g/cgroup/$g255"
podmem_json "${FIX_OPTS[@]}" >"$T/groups.ref.json"
mv "$T/g" "$deep/g"
fix_opts "$deep/g"
SNMP_BY_KEYS=1 frontends groups
same_sample "hostile group names: podmem --json, and at a short path" "$T/groups.ref.json" "$T/groups.json"
assert_eq "hostile group names: the groups" "$(jq -nc --arg a "$g255" --arg b "$ODD_GROUP" --arg c "$HOSTILE_GROUP" \
	'[$a, $b, $c, "docker", "init.scope", "system.slice"] | sort')" \
	"$(jq -c '[.pods[].pod] | sort' "$T/groups.json")"
no_warnings groups
note "groups with a newline, quotes, backslashes and 255 bytes: every front end exact"
fi

# ---- a loop through a bind mount ---------------------------------------------------------
if case_on loop; then
for kind in kube nokube; do
	if [ "$kind" = kube ]; then
		fixture "$T/$kind" --version 2 --driver cgroupfs >/dev/null
		in=user.slice
	else
		fixture "$T/$kind" --version 2 --no-kube >/dev/null
		in=system.slice
	fi
	podmem_json "${FIX_OPTS[@]}" >"$T/loop-$kind.ref.json"
	mkdir "$T/$kind/cgroup/$in/loop"
	mount --bind "$T/$kind/cgroup" "$T/$kind/cgroup/$in/loop"
	at_exit "umount '$T/$kind/cgroup/$in/loop'"
	[ "$(stat -c %d:%i "$T/$kind/cgroup")" = "$(stat -c %d:%i "$T/$kind/cgroup/$in/loop")" ] || fail "the bind mount is not there"
	frontends "loop-$kind"
	same_sample "a loop ($kind): podmem --json, and before the loop" "$T/loop-$kind.ref.json" "$T/loop-$kind.json"
	said 1 "loop-$kind" "'$T/$kind/cgroup/$in/loop' is '$T/$kind/cgroup' again (a loop, through a bind mount): not walked into, each cgroup is reported once"
	umount "$T/$kind/cgroup/$in/loop"
done
note "a bind mount of the root inside it (kubepods, and groups): each cgroup once, said once by each front end"
fi

# ---- devices in place of files -------------------------------------------------------------
if case_on devices; then
fixture "$T/dev" --version 1 --driver systemd --runtime docker >/dev/null
podmem_json "${FIX_OPTS[@]}" >"$T/dev.before.json"
core=1f2e3d4c-5b6a-4789-8abc-0000000000a1
ctrs=$(find "$T/dev/cgroup" -type d -path "*pod${core//-/_}*" -name 'docker-*.scope' | sort)
c1=$(sed -n 1p <<<"$ctrs") c2=$(sed -n 2p <<<"$ctrs")
[ -n "$c1" ] && [ -n "$c2" ] || fail "devices: the fixture's coredns pod has not two containers"
rm "$c1/cgroup.procs" "$c2/memory.stat"
mknod "$c1/cgroup.procs" c 1 3 # /dev/null's numbers: opened, it would read as empty
mknod "$c2/memory.stat" c 1 5  # /dev/zero's: read, it would never end
frontends dev
assert_eq "devices: pods and containers" "$(entities "$T/dev.before.json")" "$(entities "$T/dev.json")"
# the container whose memory.stat is a device: none of memory.stat's values, the rest as before
id2=$(basename "$c2" .scope) id2=${id2#docker-}
bad=$(jq -n -r --slurpfile a "$T/dev.before.json" --slurpfile b "$T/dev.json" --arg id "$id2" '
	[$a[0].pods[] | .containers[] | select(.container_id == $id)][0] as $x
	| [$b[0].pods[] | .containers[] | select(.container_id == $id)][0] as $y
	| (if $y.usage != $x.usage then "usage \($y.usage), was \($x.usage)" else empty end),
	  (if $y | has("active_anon") then "active_anon from a device: \($y.active_anon)" else empty end),
	  (if ($a[0].pods | map(select(.pod_uid != "'$core'"))) != ($b[0].pods | map(select(.pod_uid != "'$core'"))) then "other pods changed" else empty end)')
[ -z "$bad" ] || fail "devices: $bad"
said 1 dev "that is not a regular file (a FIFO, a device)"
note "character devices in place of cgroup.procs and memory.stat: skipped, said once by each front end"
fi
