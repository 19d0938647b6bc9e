#!/usr/bin/env bash
# collectd with podmem.so on 300 containers in 100 pods of real v1 memory
# cgroups (400 cgroups, 8 files each: about 3200 fds to keep them all), run
# three times on the same tree: with fds to spare, under prlimit
# --nofile=1024 (collectd's soft limit under systemd), and with MaxOpenFiles
# 100 in the configuration. Every container must arrive with the same values
# each time (and those of podmem --json); the fds held on cgroup files must
# be the budget the log names, no more, read after read.
# The values are stable: distinct limits, and tmpfs files of distinct sizes
# written by processes that ran in some containers and exited (no swap, or
# they could go: checked).
. "$(dirname "$0")/lib.sh"
[ -f "$B/podmem.so" ] || skip "the collectd plugin is not built (collectd-dev is not installed)"
. "$SRC/tests/integration/lib_collectd.sh"
command -v prlimit >/dev/null || skip "prlimit is not installed (util-linux)"
[ "$(awk 'NR > 1' /proc/swaps | wc -l)" = 0 ] || skip "swap is on: tmpfs pages could be swapped out between runs"
real_cgroup_base
SHM=/dev/shm/podmem-$TEST_NAME-$$
mkdir "$SHM" || skip "cannot write to /dev/shm"
at_exit "rm -rf '$SHM'" # before the cgroups go (registered later, run first)

PODS=100 CTRS=300
for ((p = 0; p < PODS; p++)); do
	real_pod "$CG_BASE" cgroupfs burstable "$(printf '%08x-0000-4000-8000-%012x' "$p" "$p")" default "web-$p" app side
	i=0
	for c in POD app side; do
		n=$((p * 3 + i)) i=$((i + 1))
		echo $(((64 + n) << 20)) >"${CTR_DIR[$c]}/memory.limit_in_bytes"
		if ((n % 10 == 3)); then
			sh -c 'echo $$ > "$1/cgroup.procs" && exec dd if=/dev/zero of="$2" bs=64k count="$3" status=none' \
				sh "${CTR_DIR[$c]}" "$SHM/f$n" $((n / 10 + 1))
		fi
	done
done
OPTS=(--cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")
# not usage nor kernel: those hold the charges a CPU caches for the memcg, which the kernel
# hands back whenever another cgroup charges on that CPU (seen on a loaded node: 282624 became
# 32768 between two runs); what is compared cannot move in an idle cgroup
METRICS='"limit" "peak" "file" "shmem" "sock" "events_max" "events_oom_kill"'
# collectd also sends usage, which the identity chain (lib_collectd.sh) keys on; it is not compared
CD_METRICS="$METRICS \"usage\""
json_ref() {
	podmem_json "${OPTS[@]}" >"$1"
	json_table "$1" | awk -F'\t' -v m=" ${METRICS//\"/} " '$1 != "node" && index(m, " " $3 " ")' | sort >"$1.tsv"
}
# a memcg's usage holds the charges cached per CPU for it until another
# cgroup charges on that CPU: the tree settles in a moment
json_ref "$T/before.json"
for i in $(seq 1 20); do
	sleep 0.5
	json_ref "$T/again.json"
	! cmp -s "$T/before.json.tsv" "$T/again.json.tsv" || break
	mv "$T/again.json" "$T/before.json"
	mv "$T/again.json.tsv" "$T/before.json.tsv"
done
cmp -s "$T/before.json.tsv" "$T/again.json.tsv" || fail "the values of the tree do not settle"
n=$(jq '[.pods[] | .containers | length] | add' "$T/before.json")
assert_eq "containers in podmem --json" "$CTRS" "$n"
# the tmpfs pages are charged where they were written: the values are not all the same
assert_eq "containers with shmem" $((CTRS / 10)) "$(jq '[.pods[].containers[] | select(.shmem > 0)] | length' "$T/before.json")"

have_rows() { # have_rows N: N csv files, each with at least 3 rows (3 reads)
	[ "$(csv_files | wc -l)" -ge "$1" ] || return 1
	csv_files | xargs wc -l | awk '$2 != "total" && $1 < 4 { short = 1 } END { exit short }'
}
# cg_fds: the fds collectd holds on files below the cgroup tree now
# (an fd closed while find lists them is no error)
cg_fds() { { find "/proc/$CD_PID/fd" -mindepth 1 -lname "$CG_BASE/*" 2>/dev/null || true; } | wc -l; }

want=$(wc -l <"$T/before.json.tsv")
run() { # run NAME EXTRA_CONF [WRAPPER...]: a collectd run; leaves $T/NAME.tsv and FDS_MIN, FDS_MAX
	local name=$1 extra=$2 i c
	shift 2
	cd_conf "$T/$name.conf" 2 "  CgroupRoot \"$CG_BASE\"
  PodLogDir \"$T/log/pods\"
  ContainerLogDir \"$T/log/containers\"
  ReportNode false
  ReportSandbox true
  Metrics $CD_METRICS
$extra" "$IDENTITY_CHAIN"
	cd_start "$T/$name.conf" "$@"
	cd_wait 60 have_rows "$want" || fail "$name: $(csv_files | wc -l) of $want csv files, or fewer than 3 reads; log: $(tail -5 "$T/$name.conf.log")"
	FDS_MIN=1000000 FDS_MAX=0
	for i in 1 2 3 4 5 6 7 8 9 10; do # over a few reads
		c=$(cg_fds)
		FDS_MIN=$((c < FDS_MIN ? c : FDS_MIN)) FDS_MAX=$((c > FDS_MAX ? c : FDS_MAX))
		sleep 0.3
	done
	TOTAL_FDS=$({ find "/proc/$CD_PID/fd" -mindepth 1 2>/dev/null || true; } | wc -l)
	cd_stop
	csv_table >"$T/$name.csv.tsv"
	keyed_table "$T/$name.csv.tsv" | awk -F'\t' '$3 != "usage"' | sort >"$T/$name.tsv"
	mkdir -p "$T/$name"
	check_instances "$T/$name" "$T/before.json" "$T/$name.csv.tsv"
	assert_eq "$name: pods and containers with an instance" $((PODS + CTRS)) "$(wc -l <"$T/$name/instances.tsv")"
	bad=$(compare_values "$T/before.json.tsv" "$T/before.json.tsv" "$T/$name.tsv" 0)
	[ -z "$bad" ] || fail "$name: collectd's values differ from podmem --json: $(head -10 <<<"$bad")"
	# (collectd's note that a read took longer than the interval is the machine's load, not an error)
	errs=$(log_errors "$T/$name.conf" | grep -v -e 'kept fds for' -e 'which is above its read interval' || true)
	[ -z "$errs" ] || fail "$name: collectd logged: $errs"
}
# the budget line: "kept fds for K of 400 cgroups (RLIMIT_NOFILE L, MaxOpenFiles M, F files kept, ...)"
budget_line() { grep -o 'kept fds for [0-9]* of [0-9]* cgroups (RLIMIT_NOFILE [0-9]*, MaxOpenFiles [0-9]*, [0-9]* files kept' "$1"; }

run roomy ""
assert_eq "with fds to spare: the fd warning" "" "$(grep 'kept fds for' "$T/roomy.conf.log" || true)"
# every file of every cgroup kept (8 a cgroup), and the pods' directories
assert_eq "with fds to spare: fds on cgroup files (least seen)" $(((PODS + CTRS) * 8 + PODS)) "$FDS_MIN"

for spec in "nofile1024::prlimit --nofile=1024:1024" "max100:  MaxOpenFiles 100:"; do
	IFS=: read -r name extra wrapper <<<"$spec"
	read -ra wrap <<<"$wrapper"
	run "$name" "$extra" "${wrap[@]}"
	cmp -s "$T/roomy.tsv" "$T/$name.tsv" || fail "$name: values differ from the run with fds to spare: $(diff "$T/roomy.tsv" "$T/$name.tsv" | head -10)"
	line=$(budget_line "$T/$name.conf.log") || fail "$name: no budget line in the log: $(grep podmem "$T/$name.conf.log" | tail -3)"
	assert_eq "$name: the budget line, once" 1 "$(grep -c 'kept fds for' "$T/$name.conf.log")"
	read -r kept all limit max files < <(sed -E 's/[^0-9]+/ /g' <<<"$line")
	assert_eq "$name: cgroups in the budget line" $((PODS + CTRS)) "$all"
	assert_eq "$name: the budget is used to its last fd" "$max" "$files"
	# 8 files a cgroup, whole cgroups first
	assert_eq "$name: cgroups that keep all their files" $((max / 8)) "$kept"
	case $name in
	nofile1024)
		assert_eq "$name: the soft limit" 1024 "$limit"
		((max <= 1024 - 128)) || fail "$name: a budget of $max leaves collectd less than an eighth of 1024"
		((max >= 1024 - 128 - 64)) || fail "$name: a budget of $max: collectd holds more than 64 fds of its own?"
		((TOTAL_FDS < 1024)) || fail "$name: collectd holds $TOTAL_FDS fds" ;;
	max100)
		assert_eq "$name: the budget" 100 "$max" ;;
	esac
	# held: the budget, read after read; a read opens a directory and one file at a time
	assert_eq "$name: fds on cgroup files (least seen)" "$max" "$FDS_MIN"
	((FDS_MAX <= max + 2)) || fail "$name: $FDS_MAX fds on cgroup files, over the budget of $max"
	note "$name: $((PODS + CTRS)) cgroups, $kept keep all their files; $max fds held on cgroup files, no more; the same values"
done
json_ref "$T/after.json"
cmp -s "$T/before.json.tsv" "$T/after.json.tsv" || fail "the tree's values changed meanwhile: $(diff "$T/before.json.tsv" "$T/after.json.tsv" | head -5)"
