#!/usr/bin/env bash
# The SNMP walk: `snmpbulkwalk -Cr50` of podmemObjects through a real snmpd
# (AgentX master), podmem-agentx against its floor, build/pm-snmp-floor (a
# minimal net-snmp AgentX subagent serving the same instances, types and
# values from a static sorted list, under another arc of the same length:
# see tests/bench/snmp_floor.c). At each size (CONTAINERS_LIST, default
# "100 1000 2000", in pods of 3 with the sandbox, real memory cgroups under
# our own) there is one snmpd with both subagents attached, all sizes at
# once; each round walks every size, both subagents twice (ABBA, then BAAB),
# and keeps each one's faster walk (the CPU figures: each one's lower).
# podmem-agentx samples every INTERVAL s (default 10, its own default)
# throughout, as in use.
#
# BENCH rows (section snmp): per size, our walk time over the floor's (the
# floor's values/s over ours: goal <= 1.5x), and the CPU time snmpd and the
# subagent use per walk, ours over the floor's; the growth of our cost per
# value, the CPU time of snmpd and the subagent per value walked, from the
# smallest size to the largest (goal <= 1.2x), with the floor's, and the
# same of the walk time (which what else runs on the machine moves more: the
# floor's grows as much). Medians of per-round ratios, all in one run.
# BENCH_SMOKE=1: 30, 60 and 100 containers, 1 round.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_bench.sh"
set +e +o pipefail
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	SIZES=(30 60 100) ROUNDS=1
else
	read -ra SIZES <<<"${CONTAINERS_LIST:-100 1000 2000}"
	ROUNDS=${ROUNDS:-5}
fi
INTERVAL=${INTERVAL:-10}
SMALL=${SIZES[0]} LARGE=${SIZES[${#SIZES[@]} - 1]}
GOAL_RATIO=1.5 GOAL_GROWTH=1.2
ARC=.1.3.6.1.4.1.32473.1 FLOOR_ARC=.1.3.6.1.4.1.32473.9

row() { bench_row snmp "$@"; }
# skipped REASON: every row, skipped
skipped() {
	local s
	for s in "${SIZES[@]}"; do
		row "bulk walk time, podmem-agentx / AgentX floor, $s containers" "skipped: $1" "<= ${GOAL_RATIO}x" -
		row "CPU of snmpd and the subagent per walk, podmem-agentx / AgentX floor, $s containers" "skipped: $1" - -
	done
	row "walk time per value, podmem-agentx, $LARGE / $SMALL containers" "skipped: $1" - -
	row "walk time per value, AgentX floor, $LARGE / $SMALL containers" "skipped: $1" - -
	row "CPU per value (snmpd and the subagent), podmem-agentx, $LARGE / $SMALL containers" "skipped: $1" "<= ${GOAL_GROWTH}x" -
	row "CPU per value (snmpd and the subagent), AgentX floor, $LARGE / $SMALL containers" "skipped: $1" - -
	exit 0
}
# lib.sh's helpers fail (daemon_wait, when a daemon exits): here that is every row skipped
fail() { skipped "$*"; }
command -v snmpd >/dev/null || skipped "snmpd is not installed"
command -v snmpbulkwalk >/dev/null || skipped "the net-snmp tools are not installed"
[ -x "$B/podmem-agentx" ] && [ -x "$B/pm-snmp-floor" ] || skipped "build/podmem-agentx and build/pm-snmp-floor are not built"
[ -n "$MEMCG_MNT" ] || skipped "no cgroup v1 memory controller mounted"
base=$MEMCG_MNT$MEMCG_SELF/podmem-bench-snmp-$$
mkdir "$base" 2>/dev/null || skipped "the kernel refused to make a memory cgroup under $MEMCG_MNT$MEMCG_SELF"
at_exit "cgroup_remove_tree '$base'"

export LC_ALL=C SNMPCONFPATH=$T/snmpconf SNMP_PERSISTENT_DIR=$T/snmpstate MIBS=
mkdir -p "$SNMPCONFPATH" "$SNMP_PERSISTENT_DIR/cert_indexes"
WALK=(snmpbulkwalk -v2c -c public -t 10 -r 0 -Cr50 -On -OQ)

# tree DIR N: a kubepods tree of N containers in pods of 3 (as tests/bench/run.sh makes)
tree() {
	local d=$1 n=$2 p c q uid pd made=0
	mkdir -p "$d/kubepods/burstable" "$d/kubepods/besteffort"
	for ((p = 0; made < n; p++)); do
		case $((p % 10)) in 0|1|2|3) q="" ;; 4|5|6|7|8) q=burstable/ ;; *) q=besteffort/ ;; esac
		uid=$(printf '%08x-0000-4000-8000-%012x' "$p" "$p")
		pd=$d/kubepods/${q}pod$uid
		mkdir "$pd" || return 1
		for c in 0 1 2; do
			[ $made -lt "$n" ] || break
			mkdir "$pd/$(printf '%064x' $((p * 3 + c)))" || return 1
			made=$((made + 1))
		done
	done
}

# answers ADDRESS OID: something is served at OID's first instance
answers() { snmpgetnext -v2c -c public -t 1 -r 0 -On -OQ "$1" "$2" 2>/dev/null | grep -qF "$2."; }

# start SIZE: snmpd, podmem-agentx and the floor for the tree of SIZE containers
declare -A ADDR
start() {
	local s=$1 d=$T/s$1 port sock snmpd_pid agentx_pid floor_pid
	mkdir -p "$d"
	port=$(free_port) sock=$d/agentx.sock
	ADDR[$s]=127.0.0.1:$port
	{
		printf 'agentaddress udp:127.0.0.1:%s\nrocommunity public 127.0.0.1\n' "$port"
		sed "s|/run/agentx/master|$sock|" "$SRC/conf/snmp/podmem.conf" | grep -v '^view'
		printf '[snmp] persistentDir %s\n[snmp] mibs :\n' "$SNMP_PERSISTENT_DIR"
	} >"$d/snmpd.conf"
	daemon_start snmpd_pid "" "$d/snmpd.log" "$d/snmpd.log" snmpd -f -Lo -C -c "$d/snmpd.conf"
	eval "SNMPD_$s=\$snmpd_pid"
	at_exit "kill_pid \$SNMPD_$s"
	daemon_wait "SNMPD_$s" "$d/snmpd.log" 10 test -S "$sock" || return 1
	daemon_start agentx_pid "" "$d/agentx.log" "$d/agentx.log" "$B/podmem-agentx" -f -x "$sock" -i "$INTERVAL" --cgroup-root "$base/s$s"
	eval "AGENTX_$s=\$agentx_pid"
	at_exit "kill_pid \$AGENTX_$s"
	daemon_wait "AGENTX_$s" "$d/agentx.log" 30 answers "${ADDR[$s]}" "$ARC.1.1" || return 1
	# the floor serves what podmem-agentx serves now, under FLOOR_ARC
	snmpbulkwalk -v2c -c public -t 10 -r 0 -Cr50 -On -Ox "${ADDR[$s]}" "$ARC" | grep -v '= No more variables' |
		sed "s/^\\$ARC\\./$FLOOR_ARC./" >"$d/dump" || return 1
	daemon_start floor_pid "" "$d/floor.log" "$d/floor.log" "$B/pm-snmp-floor" "$sock" "$FLOOR_ARC" "$d/dump"
	eval "FLOOR_$s=\$floor_pid"
	at_exit "kill_pid \$FLOOR_$s"
	daemon_wait "FLOOR_$s" "$d/floor.log" 30 answers "${ADDR[$s]}" "$FLOOR_ARC.1.1" || return 1
}

# cpu PID...: the CPU time the processes have used, in ns (schedstat)
cpu() {
	local pid sum=0 ns
	for pid; do read -r ns _ </proc/"$pid"/schedstat; sum=$((sum + ns)); done
	echo "$sum"
}
# walk ADDRESS OID SNMPD_PID SUBAGENT_PID: "VALUES WALL_NS CPU_NS SUBAGENT_CPU_NS" of
# one bulk walk, CPU_NS being the CPU time snmpd and the subagent used meanwhile
walk() {
	local addr=$1 oid=$2 t0 t1 a0 a1 s0 s1 n
	s0=$(cpu "$3") a0=$(cpu "$4") t0=$(date +%s%N)
	n=$("${WALK[@]}" "$addr" "$oid" | grep -c ' = ')
	t1=$(date +%s%N) s1=$(cpu "$3") a1=$(cpu "$4")
	echo "$n $((t1 - t0)) $((s1 - s0 + a1 - a0)) $((a1 - a0))"
}

for s in "${SIZES[@]}"; do
	tree "$base/s$s" "$s" || skipped "cannot make $s memory cgroups under $base"
done
for s in "${SIZES[@]}"; do
	start "$s" || skipped "snmpd and the subagents did not start at $s containers: $(tail -3 "$T/s$s/"*.log | tr '\n' ' ')"
done
echo "bench_snmp: ${SIZES[*]} containers, real memory cgroups under $base; $ROUNDS rounds of snmpbulkwalk -Cr50"

# best A B: of two walks' "VALUES WALL_NS CPU_NS SUBAGENT_CPU_NS", each figure's lower
best() {
	local a b
	read -ra a <<<"$1"
	read -ra b <<<"$2"
	echo "${a[0]} $(min "${a[1]}" "${b[1]}") $(min "${a[2]}" "${b[2]}") $(min "${a[3]}" "${b[3]}")"
	[ "${a[0]}" = "${b[0]}" ] || echo "bench_snmp: one walk had ${a[0]} values, the next ${b[0]}" >&2
}
min() { if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi; }

# Per round and size, each subagent is walked twice, in the order ABBA (BAAB
# in the next round), and the faster of its two walks is kept: the machine
# is shared, and a walk only gets slower for what else runs. Each line of
# times: round, size, then ours (values wall_ns cpu_ns subagent_cpu_ns), then the floor's.
: >"$T/times"
for ((r = 1; r <= ROUNDS; r++)); do
	for s in "${SIZES[@]}"; do
		eval "pids_o=(\$SNMPD_$s \$AGENTX_$s) pids_f=(\$SNMPD_$s \$FLOOR_$s)" # snmpd, then the subagent
		if [ $((r % 2)) = 1 ]; then
			o1=$(walk "${ADDR[$s]}" "$ARC" "${pids_o[@]}") f1=$(walk "${ADDR[$s]}" "$FLOOR_ARC" "${pids_f[@]}")
			f2=$(walk "${ADDR[$s]}" "$FLOOR_ARC" "${pids_f[@]}") o2=$(walk "${ADDR[$s]}" "$ARC" "${pids_o[@]}")
		else
			f1=$(walk "${ADDR[$s]}" "$FLOOR_ARC" "${pids_f[@]}") o1=$(walk "${ADDR[$s]}" "$ARC" "${pids_o[@]}")
			o2=$(walk "${ADDR[$s]}" "$ARC" "${pids_o[@]}") f2=$(walk "${ADDR[$s]}" "$FLOOR_ARC" "${pids_f[@]}")
		fi
		o=$(best "$o1" "$o2") f=$(best "$f1" "$f2")
		echo "$r $s $o $f" >>"$T/times"
		read -r ov ow oc oa fv fw fc fa <<<"$o $f"
		echo "bench_snmp: round $r, $s containers: podmem-agentx $ov values in $((ow / 1000000)) ms (CPU: snmpd $(((oc - oa) / 1000000)) ms, subagent $((oa / 1000000)) ms), floor $fv in $((fw / 1000000)) ms (CPU: snmpd $(((fc - fa) / 1000000)) ms, subagent $((fa / 1000000)) ms)"
	done
done

# the rows, from the times: medians of per-round ratios
awk -v small="$SMALL" -v large="$LARGE" -v goal_ratio="$GOAL_RATIO" -v goal_growth="$GOAL_GROWTH" -v sizes="${SIZES[*]}" '
function median(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function row(measure, result, goal, verdict) { printf "BENCH\tsnmp\t%s\t%s\t%s\t%s\n", measure, result, goal, verdict }
function rate(v) { return v >= 1000 ? sprintf("%.1fk", v / 1000) : sprintf("%.0f", v) }
function verdict(x, goal) { return goal == "-" ? "-" : x <= goal ? "met" : "NOT MET" }
# $3-$6: our walk (values, wall ns, CPU ns of snmpd and podmem-agentx, of podmem-agentx); $7-$10: the floor'\''s
{
	r = $1; s = $2
	if ($3 == 0 || $7 == 0 || $3 != $7) { bad[s] = sprintf("%d values from podmem-agentx, %d from the floor", $3, $7); next }
	wall[s] = wall[s] " " ($4 / $8); cpu[s] = cpu[s] " " ($5 / $9)
	ours[s] = ours[s] " " ($3 / ($4 / 1e9)); floor[s] = floor[s] " " ($7 / ($8 / 1e9)); vals[s] = $3
	ow[r, s] = $4 / $3; fw[r, s] = $8 / $7; oc[r, s] = $5 / $3; fc[r, s] = $9 / $7
	nr[s]++; if (r > maxr) maxr = r
}
END {
	n = split(sizes, sz, " ")
	for (i = 1; i <= n; i++) {
		s = sz[i]
		m1 = "bulk walk time, podmem-agentx / AgentX floor, " s " containers"
		m2 = "CPU of snmpd and the subagent per walk, podmem-agentx / AgentX floor, " s " containers"
		if (s in bad) {
			row(m1, "skipped: the walks differ: " bad[s], "<= " goal_ratio "x", "-")
			row(m2, "skipped: the walks differ: " bad[s], "-", "-")
			continue
		}
		x = median(wall[s])
		row(m1, sprintf("%.2fx (median of %d per-round ratios; %d values; podmem-agentx %s values/s, floor %s values/s)",
			x, nr[s], vals[s], rate(median(ours[s])), rate(median(floor[s]))), "<= " goal_ratio "x", verdict(x, goal_ratio))
		x = median(cpu[s])
		row(m2, sprintf("%.2fx (median of %d per-round ratios)", x, nr[s]), "-", "-")
	}
	k = 0
	for (r = 1; r <= maxr; r++)
		if ((r, small) in ow && (r, large) in ow) {
			gow = gow " " ow[r, large] / ow[r, small]; gfw = gfw " " fw[r, large] / fw[r, small]
			goc = goc " " oc[r, large] / oc[r, small]; gfc = gfc " " fc[r, large] / fc[r, small]; k++
		}
	m[1] = "walk time per value, podmem-agentx, " large " / " small " containers"; g[1] = "-"
	m[2] = "walk time per value, AgentX floor, " large " / " small " containers"; g[2] = "-"
	m[3] = "CPU per value (snmpd and the subagent), podmem-agentx, " large " / " small " containers"; g[3] = "<= " goal_growth "x"
	m[4] = "CPU per value (snmpd and the subagent), AgentX floor, " large " / " small " containers"; g[4] = "-"
	v[1] = gow; v[2] = gfw; v[3] = goc; v[4] = gfc
	for (i = 1; i <= 4; i++) {
		if (!k) { row(m[i], "skipped: no round measured both sizes", g[i], "-"); continue }
		x = median(v[i])
		row(m[i], sprintf("%.2fx (median of %d per-round ratios)", x, k), g[i], verdict(x, i == 3 ? goal_growth : "-"))
	}
}' "$T/times"
