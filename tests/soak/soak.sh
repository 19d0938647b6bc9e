#!/usr/bin/env bash
# make soak DURATION=SECONDS: the churn soak (issue 10).
#
# A kubepods tree of real v1 memory cgroups under our own memory cgroup:
# PODS pods (default 334) of a sandbox and two containers each (1002
# containers), named through /var/log/pods style fixtures in $T/log; the
# first HOG_PODS pods hold real memory (pm-hog: anon in one container, page
# cache of a file of their own in the other) and are never removed. A
# churner removes the oldest of the other pods and makes a new one in its
# place, CHURN_RATE pods a second (every fifth one a "static pod": the same
# UID and name, so its cgroup comes back at the same path; every eighth with
# a pm-hog holding anon memory, killed before the removal). A new pod keeps
# its slot's name with a new UID and new container IDs, as a StatefulSet's
# does (SOAK_NAMES=deployment: a new name too; collectd's own heap then grows
# with the identifiers it has seen, about 12 KiB/s for the first minutes,
# which is collectd's, not podmem.so's: it stays flat when podmem.so
# samples everything but sends the node only, and when names stay). Meanwhile,
# every second:
#   - collectd (Interval 1) reads the tree through podmem.so (all of it,
#     sending one metric of each cgroup); the node's values go to csv (one
#     row per read), the rest stay in collectd's cache;
#   - podmem-execd writes a batch for each line on its stdin (Telegraf's
#     signal = "STDIN"), into a pipe that counts the batches and lines;
#   - podmem-agentx (-i 1) behind a real snmpd, walked by snmpbulkwalk
#     continuously: one whole walk of podmemObjects after the other (a walk
#     of 1,336 rows, 46,000 values, takes about 10 s here).
#
# Every SAMPLE_EVERY seconds each daemon's fds (/proc/PID/fd) and RSS
# (VmRSS) are recorded. At checkpoints (the end of the warm-up, the first
# 20% of the run and at least 10 s; then about every CHECK_EVERY seconds;
# and the end) the churner stops between two steps, so that the tree holds
# exactly the pods it started with (each step replaces a pod by one of the
# same shape), the daemons take 3 samples, and then:
#   - every front end reports exactly the live pods and containers (collectd
#     at the last checkpoint only: its LISTVAL costs collectd heap);
#   - fds: the core keeps a fixed number of fds per live cgroup (a directory
#     and one per memory file: 9 here) and a rescan closes those of the
#     cgroups gone, keeping the others'; so at equal live cgroups a daemon's
#     count must be equal at every checkpoint (the least of 5 looks, so that
#     a scan's directory fds in flight do not count). While the churn runs
#     the tree never holds more cgroups (a pod is removed before the next is
#     made), so the count may exceed the checkpoints' by no more than what a
#     scan in flight holds (ALLOW below: one fd per directory level, a log
#     directory, a file read by path; for collectd its write threads' csv
#     files and a unixsock connection too; and one replaced pod's fds, held
#     with its successor's until the rescan closes the old record);
#   - RSS: after the warm-up, the least anonymous RSS (RssAnon: the heap; the
#     file-backed rest comes and goes as the node reclaims library pages) of
#     the last third of the looks at most 1 MiB above the least of the first
#     third (a leak raises the floor; a passing peak, such as collectd's write
#     queue drained and its heap trimmed again, does not); VmRSS is shown;
#     snmpd's is shown, not judged (net-snmp's).
# Also: no daemon exits (collectd, execd and the subagent stop with status
# 0 at the end), no walk fails or times out, podmem-execd answers every line
# it is sent (Telegraf's signal), and no
# error or warning line in any daemon's log (the bound is 0; a vanished
# cgroup is never an error, so a line about one counts twice: as an error
# and as a vanished-cgroup line; collectd's "read took longer than the
# interval" is load, counted apart and not judged). Prints a summary table;
# exits 1 when a criterion fails. Every process and cgroup it made is
# removed at exit, on failure and on interrupt too (lib.sh's at_exit, by PID).
. "$(dirname "$0")/../integration/lib.sh"
DURATION=${DURATION:-60}
PODS=${PODS:-334}
HOG_PODS=${HOG_PODS:-10}
CHURN_RATE=${CHURN_RATE:-4}
STATIC_EVERY=${STATIC_EVERY:-5}
SOAK_NAMES=${SOAK_NAMES:-statefulset}
case $SOAK_NAMES in statefulset | deployment) ;; *) fail "SOAK_NAMES=$SOAK_NAMES: statefulset or deployment" ;; esac
SAMPLE_EVERY=${SAMPLE_EVERY:-2}
WARMUP=$((DURATION / 5 > 10 ? DURATION / 5 : 10))
CHECK_EVERY=${CHECK_EVERY:-$(((DURATION - WARMUP) / 6 > 20 ? (DURATION - WARMUP) / 6 : 20))}
[ "$DURATION" -gt "$WARMUP" ] || fail "DURATION=$DURATION: it must be longer than the warm-up ($WARMUP s)"
[ "$PODS" -gt "$HOG_PODS" ] || fail "PODS=$PODS: more than HOG_PODS=$HOG_PODS, or nothing churns"

[ -f "$B/podmem.so" ] || skip "the collectd plugin is not built (collectd-dev is not installed)"
[ -x "$B/podmem-agentx" ] || skip "the SNMP subagent is not built (libsnmp-dev is not installed)"
. "$SRC/tests/integration/lib_collectd.sh"
. "$SRC/tests/integration/lib_snmp.sh"
. "$SRC/tests/integration/lib_telegraf.sh"
command -v python3 >/dev/null || skip "python3 is not installed"
[ -x "$B/pm-hog" ] || make -s -C "$SRC" build/pm-hog >/dev/null || fail "cannot build pm-hog"

real_cgroup_base
KP=$CG_BASE/kubepods
LOGP=$T/log/pods LOGC=$T/log/containers
mkdir -p "$KP/burstable" "$KP/besteffort" "$LOGP" "$LOGC"

# ---- the tree --------------------------------------------------------------
# PODS slots, each holding one pod at a time: SLOT_* say which. A slot's pods
# are all of one QoS class (guaranteed, burstable or besteffort by SLOT % 10,
# as in make bench). Container IDs are new for every container made (a
# restarted container gets a new ID); a UID is new unless the pod is made
# again as a static pod.
declare -a SLOT_DIR SLOT_LOG SLOT_LINKS SLOT_UID SLOT_NAME SLOT_HOG
NEXT_ID=0
# pod_make SLOT UID NAME: the pod's cgroups (sandbox, c0, c1) and log entries
pod_make() {
	local s=$1 uid=$2 name=$3 pd ids=() c id links=() q
	case $((s % 10)) in 0 | 1 | 2) q="" ;; 3 | 4 | 5 | 6 | 7) q=burstable/ ;; *) q=besteffort/ ;; esac
	pd=$KP/${q}pod$uid
	for c in 0 1 2; do printf -v id '%064x' $((NEXT_ID += 1)); ids+=("$id"); done
	local logd=$LOGP/soak_${name}_$uid
	mkdir "$pd" "$pd/${ids[0]}" "$pd/${ids[1]}" "$pd/${ids[2]}" "$logd" "$logd/c0" "$logd/c1"
	: >"$logd/c0/0.log"
	: >"$logd/c1/0.log"
	for c in 0 1; do
		links+=("$LOGC/${name}_soak_c$c-${ids[c + 1]}.log")
		ln -s "../pods/soak_${name}_$uid/c$c/0.log" "${links[c]}"
	done
	SLOT_DIR[s]=$pd SLOT_LOG[s]=$logd SLOT_LINKS[s]="${links[*]}" SLOT_UID[s]=$uid SLOT_NAME[s]=$name SLOT_HOG[s]=""
	CTR_DIR[c0]=$pd/${ids[1]} CTR_DIR[c1]=$pd/${ids[2]}
}
# pod_remove SLOT: its pm-hog killed (by PID) and reaped, its cgroups and log entries removed
pod_remove() {
	local s=$1
	if [ -n "${SLOT_HOG[s]}" ]; then
		kill -KILL "${SLOT_HOG[s]}" 2>/dev/null || true
		wait "${SLOT_HOG[s]}" 2>/dev/null || true
	fi
	# shellcheck disable=SC2086 # the links: names without spaces
	rm -rf "${SLOT_LOG[s]}" ${SLOT_LINKS[s]}
	local leaves=("${SLOT_DIR[s]}"/*/)
	rmdir "${leaves[@]}" "${SLOT_DIR[s]}" || fail "cannot remove pod ${SLOT_DIR[s]}"
}
# uid_of VAR GENERATION N: a pod UID in VAR
uid_of() { printf -v "$1" '%08x-50a4-4000-8000-%012x' "$2" "$3"; }

t0=$(date +%s.%N)
for ((s = 0; s < PODS; s++)); do uid_of u 0 "$s"; pod_make "$s" "$u" "p-$s"; done
dd if=/dev/urandom of="$T/cache.src" bs=1M count=8 status=none
for ((s = 0; s < HOG_PODS; s++)); do
	leaves=("${SLOT_DIR[s]}"/*/) # the sandbox, c0, c1: their IDs sort in the order they were made
	cp "$T/cache.src" "$T/cache.$s"
	hog "${leaves[1]%/}" anon $((8 << 20))
	hog "${leaves[2]%/}" read "$T/cache.$s"
done
made_secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
N_CTRS=$((PODS * 3))
note "$PODS pods, $N_CTRS containers ($((PODS * 4)) cgroups) made in ${made_secs} s; $((HOG_PODS * 2)) pm-hog processes"

# ---- the churner -----------------------------------------------------------
# A background subshell with its own copy of the slots. Between two steps it
# looks for $T/churn.pause (then it says $T/churn.paused and waits) and
# $T/churn.stop. Its counts are in $T/churn.stats ("made removed static
# hogs"); the PIDs of the pm-hog processes it starts are in $T/churn.hogs,
# so that they are killed at exit however the churner ended.
churner() {
	trap - INT TERM
	local step=0 s=$HOG_PODS k=$PODS made=0 removed=0 static=0 hogs=0 uid name period
	period=$(awk -v r="$CHURN_RATE" 'BEGIN { printf "%.3f", 1 / r }')
	while [ ! -e "$T/churn.stop" ]; do
		if [ -e "$T/churn.pause" ]; then
			: >"$T/churn.paused"
			while [ -e "$T/churn.pause" ] && [ ! -e "$T/churn.stop" ]; do sleep 0.05; done
			rm -f "$T/churn.paused"
			continue
		fi
		pod_remove "$s"
		removed=$((removed + 1))
		if ((step % STATIC_EVERY == STATIC_EVERY - 1)); then # a static pod: back at the same path
			uid=${SLOT_UID[s]} name=${SLOT_NAME[s]}
			static=$((static + 1))
		else
			uid_of uid 1 "$k"
			name=${SLOT_NAME[s]} # a StatefulSet's pod: its name again, a new UID
			[ "$SOAK_NAMES" = statefulset ] || name=p-$k # a Deployment's: a new name
		fi
		pod_make "$s" "$uid" "$name"
		made=$((made + 1))
		if ((step % 8 == 0)); then
			sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "${CTR_DIR[c0]}" "$B/pm-hog" anon $((2 << 20)) >/dev/null &
			SLOT_HOG[s]=$!
			echo "$!" >>"$T/churn.hogs"
			hogs=$((hogs + 1))
		fi
		printf '%d %d %d %d\n' "$made" "$removed" "$static" "$hogs" >"$T/churn.stats"
		step=$((step + 1)) k=$((k + 1)) s=$((s + 1))
		[ "$s" -lt "$PODS" ] || s=$HOG_PODS
		sleep "$period"
	done
	for ((s = HOG_PODS; s < PODS; s++)); do
		[ -z "${SLOT_HOG[s]}" ] || { kill -KILL "${SLOT_HOG[s]}" 2>/dev/null; wait "${SLOT_HOG[s]}" 2>/dev/null; } || true
	done
}
kill_listed() { # kill_listed FILE: kill -KILL each PID in FILE
	local pid
	[ -f "$1" ] || return 0
	while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$1"
}

# ---- the daemons -----------------------------------------------------------
# collectd: podmem.so samples every cgroup and names every pod and container
# at each read, but sends one metric of each (SOAK_CD_METRICS: the Metrics
# line; 1,337 value lists a read). With the README's example line (7 a
# cgroup, 9,400 value lists) collectd's RSS swings by 7 MiB as its write
# queue fills and drains (its read thread dispatches faster than the write
# threads take, on 2 shared cores) and its heap is trimmed again: collectd's
# memory, which would hide podmem.so's. The node's values go to csv (one row
# per read), everything else only into collectd's cache (the PostCache chain
# drops it after the cache).
CONF=$T/collectd.conf
cd_conf "$CONF" 1 "  CgroupRoot \"$CG_BASE\"
  PodLogDir \"$LOGP\"
  ContainerLogDir \"$LOGC\"
  Metrics ${SOAK_CD_METRICS:-\"usage\"}" 'LoadPlugin match_regex
<Chain "PostCache">
  <Rule "node_to_csv">
    <Match "regex">
      Plugin "^podmem$"
      PluginInstance "^node$"
    </Match>
    <Target "write">
      Plugin "csv"
    </Target>
    Target "stop"
  </Rule>
  Target "stop"
</Chain>'
# SOAK_COLLECTD_ENV: VAR=VALUE words for collectd's environment (e.g.
# MALLOC_ARENA_MAX=1), none by default
# shellcheck disable=SC2086
cd_start "$CONF" env ${SOAK_COLLECTD_ENV-}

# podmem-execd: a batch for every line on its stdin, into a counter that
# keeps the last complete batch's "batch pods containers" in $T/execd.last
# and the totals in $T/execd.totals at the end
mkfifo "$T/ex.in" "$T/ex.out"
awk -v last="$T/execd.last" -v totals="$T/execd.totals" '
	function done_batch() { if (b) { print b, p, c > last; close(last) } }
	/^podmem_node[, ]/ { done_batch(); b++; p = c = 0 }
	/^podmem_pod[, ]/ { p++ }
	/^podmem_container[, ]/ { c++ }
	{ lines++ }
	END { done_batch(); print b + 0, lines + 0 > totals }' <"$T/ex.out" &
EX_AWK=$!
at_exit "kill_pid $EX_AWK"
: >"$T/execd.err"
daemon_start EX_PID "$T/ex.in" "$T/ex.out" "$T/execd.err" "$EXECD" --cgroup-root "$CG_BASE" --pod-log-dir "$LOGP" \
	--container-log-dir "$LOGC"
exec {EX_TO}>"$T/ex.in"
# the feeder: a line a second, the count of lines written in $T/execd.asked
(trap - INT TERM; n=0; while printf '\n' >&"$EX_TO"; do echo $((n += 1)) >"$T/execd.asked"; sleep 1; done) 2>/dev/null &
FEEDER=$!
at_exit "kill_pid $FEEDER"

# podmem-agentx behind snmpd, sampling every second
snmpd_start
agentx_start -i 1 --cgroup-root "$CG_BASE" --pod-log-dir "$LOGP" --container-log-dir "$LOGC"

# a request unanswered for 10 s, twice, is a timeout (lib_snmp.sh's 2 s is
# for quiet tests; a niced soak on 2 shared cores can wait longer than that
# without anything being wrong: a hung subagent still times out)
WALK_OPTS=(-t 10 -r 1)
# the walker: one snmpbulkwalk of podmemObjects after the other; per walk
# "exit_status pod_rows container_rows varbinds seconds timeouts" in $T/walks
walker() {
	local a b rc wpid=""
	trap '[ -z "$wpid" ] || kill "$wpid" 2>/dev/null; exit 0' INT TERM # the walk in flight too
	while [ ! -e "$T/walk.stop" ]; do
		a=$(date +%s.%N)
		rc=0
		snmpbulkwalk "${SNMP[@]}" "${WALK_OPTS[@]}" -Cr50 -Os -OQ "$AGENT" podmemObjects >"$T/walk.out" 2>"$T/walk.err" &
		wpid=$!
		wait "$wpid" || rc=$?
		wpid=""
		b=$(date +%s.%N)
		awk -v rc="$rc" -v a="$a" -v b="$b" -v err="$T/walk.err" '
			/^podmemPodCgroup\./ { p++ } /^podmemContainerName\./ { c++ } { n++ }
			END { while ((getline l < err) > 0) if (l ~ /Timeout/) t++
			      printf "%d %d %d %d %.2f %d\n", rc, p, c, n, b - a, t }' "$T/walk.out" >>"$T/walks"
		[ "$rc" = 0 ] || cp "$T/walk.err" "$T/walk.err.$(wc -l <"$T/walks")"
	done
}
: >"$T/walks"
walker &
WALKER=$!
at_exit "kill_pid $WALKER"

# the churner starts last; at exit it is stopped first, then its pm-hogs
at_exit "kill_listed '$T/churn.hogs'"
churner &
CHURNER=$!
at_exit "kill_pid $CHURNER"

# ---- looking at the daemons --------------------------------------------------
DAEMONS=(collectd execd agentx snmpd)
declare -A DPID=([collectd]=$CD_PID [execd]=$EX_PID [agentx]=$AGENTX_PID [snmpd]=$SNMPD_PID)
# fds allowed above the checkpoints' count while the churn runs: a scan in
# flight holds one fd per directory level (at most 6) and a log directory
# (1), a read by path 1 more; collectd's write threads may have a csv file
# open each (5) and unixsock a connection (1); and a rescan in flight may
# hold a replaced pod's fds and its successor's at once, until it closes the
# old record (4 cgroups of 9 files and the pod's directory: 37; seen once in
# a 60 s run as exactly 37 over the checkpoints). A leak still shows: the
# checkpoints must all be equal.
POD_FDS=37
declare -A ALLOW=([collectd]=$((14 + POD_FDS)) [execd]=$((8 + POD_FDS)) [agentx]=$((8 + POD_FDS)) [snmpd]=8)
PROBLEMS=()
problem() { PROBLEMS+=("$*"); printf '  soak: PROBLEM: %s\n' "$*" >&2; }

# look NAME: LOOK_FDS, LOOK_RSS (VmRSS) and LOOK_ANON (RssAnon), in KiB, of
# the daemon; 1 if it is gone
look() {
	local pid=${DPID[$1]} k v rest
	# (-d, not -e on the first fd: that follows the link, and an fd closed
	# between the glob and the test made a live daemon look gone)
	[ -d "/proc/$pid/fd" ] || return 1
	local fds=(/proc/"$pid"/fd/*)
	[ "${fds[0]}" != "/proc/$pid/fd/*" ] || return 1
	LOOK_FDS=${#fds[@]} LOOK_RSS= LOOK_ANON=
	# (the file read whole at once: bash's read builtin reads a seekable file
	# in blocks and seeks back, and /proc/PID/status, made again at each
	# read, then loses lines now and then)
	local status
	status=$(<"/proc/$pid/status") || return 1
	while read -r k v rest; do
		case $k in VmRSS:) LOOK_RSS=$v ;; RssAnon:) LOOK_ANON=$v ;; esac
	done <<<"$status"
	[ -n "$LOOK_RSS" ] && [ -n "$LOOK_ANON" ]
}
# record PHASE: a line "seconds phase daemon fds rss anon" per daemon in $T/samples
record() {
	local d
	for d in "${DAEMONS[@]}"; do
		look "$d" || continue
		printf '%d %s %s %d %d %d\n' "$SECONDS" "$1" "$d" "$LOOK_FDS" "$LOOK_RSS" "$LOOK_ANON" >>"$T/samples"
	done
}
# all_alive: every daemon, the churner, the walker and the execd counter run
DEAD=""
all_alive() {
	local d
	for d in "${DAEMONS[@]}"; do kill -0 "${DPID[$d]}" 2>/dev/null || DEAD+=" $d"; done
	kill -0 "$CHURNER" 2>/dev/null || DEAD+=" churner"
	kill -0 "$WALKER" 2>/dev/null || DEAD+=" walker"
	kill -0 "$EX_AWK" 2>/dev/null || DEAD+=" execd-counter"
	[ -z "$DEAD" ]
}
# collectd's podmem plugin instances updated at or after SINCE (epoch seconds)
cd_instances_since() {
	python3 - "$CD_SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.write("LISTVAL\n")
f.flush()
n = int(f.readline().split()[0])
since, insts = float(sys.argv[2]), set()
for _ in range(n):
    t, ident = f.readline().rstrip("\n").split(" ", 1)
    plugin = ident.split("/")[1]
    if float(t) >= since and plugin.startswith("podmem-"):
        insts.add(plugin)
print(len(insts))
PY
}

# execd_batches_from N: the last complete batch is the Nth or later
execd_batches_from() {
	local b
	{ read -r b _ <"$T/execd.last"; } 2>/dev/null && [ "$b" -ge "$1" ]
}
# checkpoint: the churner stops between two steps (the tree holds PODS pods
# of 4 cgroups again), the daemons sample 3 times, then each front end
# must report exactly that, and the fds are recorded (the least of 5 looks)
N_CP=0
checkpoint() {
	local d i b0 b p c since got want=$((1 + PODS + N_CTRS)) min
	: >"$T/churn.pause"
	wait_for 20 test -e "$T/churn.paused" || { problem "the churner did not pause"; return; }
	since=$(date +%s.%N)
	{ read -r b0 _ <"$T/execd.last"; } 2>/dev/null || b0=0
	sleep 3.5
	# the batch after the one in flight at the pause (a slow batch is waited for)
	wait_for 60 execd_batches_from $((b0 + 2)) || problem "checkpoint $((N_CP + 1)): podmem-execd wrote no batch for 60 s"
	N_CP=$((N_CP + 1))
	# the least fds of 5 looks, with the RSS of the last look that worked (a
	# look can fail now and then on a live daemon: the next one is taken)
	declare -A minfds=() rss=() anon=()
	for i in 1 2 3 4 5; do
		for d in "${DAEMONS[@]}"; do
			look "$d" || continue
			min=${minfds[$d]:-$LOOK_FDS}
			minfds[$d]=$((LOOK_FDS < min ? LOOK_FDS : min)) rss[$d]=$LOOK_RSS anon[$d]=$LOOK_ANON
		done
		sleep 0.2
	done
	for d in "${DAEMONS[@]}"; do
		if [ -z "${minfds[$d]:-}" ]; then
			kill -0 "${DPID[$d]}" 2>/dev/null && problem "checkpoint $N_CP: no look at $d's fds worked"
			continue
		fi
		printf '%d cp %s %d %d %d\n' "$SECONDS" "$d" "${minfds[$d]}" "${rss[$d]}" "${anon[$d]}" >>"$T/samples"
	done
	{ read -r b p c <"$T/execd.last"; } 2>/dev/null || b=0
	[ "$p $c" = "$PODS $N_CTRS" ] ||
		problem "checkpoint $N_CP: podmem-execd's batch $b has $p pods and $c containers, not $PODS and $N_CTRS"
	got=$(snmpget "${SNMP[@]}" "${WALK_OPTS[@]}" -OQv "$AGENT" podmemPodCount.0 podmemContainerCount.0 2>&1 | tr '\n' ' ')
	[ "$got" = "$PODS $N_CTRS " ] ||
		problem "checkpoint $N_CP: podmem-agentx says ${got}pods and containers, not $PODS $N_CTRS"
	# collectd's LISTVAL of 10,000 value lists costs collectd some MiB of
	# heap: asked at the last checkpoint only, after the last RSS look
	if [ "${1:-}" = last ]; then
		got=$(cd_instances_since "$(awk -v t="$since" 'BEGIN { printf "%.3f", t + 1.5 }')" 2>&1)
		[ "$got" = "$want" ] ||
			problem "checkpoint $N_CP: collectd got $got plugin instances from podmem in a read after the pause, not $want (node, pods, containers)"
	fi
	rm -f "$T/churn.pause"
}

# ---- the run -------------------------------------------------------------------
note "soak of ${DURATION} s: warm-up ${WARMUP} s, a checkpoint every ~${CHECK_EVERY} s, looks every ${SAMPLE_EVERY} s, churn ${CHURN_RATE} pods/s"
: >"$T/samples"
SECONDS=0
next_cp=$WARMUP
while [ "$SECONDS" -lt "$DURATION" ]; do
	all_alive || break
	if [ "$SECONDS" -ge "$next_cp" ]; then
		checkpoint
		next_cp=$((next_cp + CHECK_EVERY))
		[ $((DURATION - next_cp)) -ge $((CHECK_EVERY / 2)) ] || next_cp=$((DURATION + 1))
		continue
	fi
	record "$([ "$SECONDS" -lt "$WARMUP" ] && echo warm || echo churn)"
	sleep "$SAMPLE_EVERY"
done
all_alive || problem "exited during the run:$DEAD"
[ -n "$DEAD" ] || checkpoint last # at the end
RAN=$SECONDS

# ---- stopping: each daemon must stop as it should ------------------------------
: >"$T/churn.stop"
wait "$CHURNER" 2>/dev/null || true
CHURNER=
{ read -r MADE REMOVED STATIC CHURN_HOGS <"$T/churn.stats"; } 2>/dev/null || MADE=0 REMOVED=0 STATIC=0 CHURN_HOGS=0
: >"$T/walk.stop"
wait "$WALKER" 2>/dev/null || true
WALKER=
kill_pid "$FEEDER"
FEEDER=
exec {EX_TO}>&-
declare -A STOP_RC
daemon_stop EX_PID # already stopping at the end of its stdin; TERM is harmless
STOP_RC[execd]=$DAEMON_RC
wait "$EX_AWK" 2>/dev/null || true
EX_AWK=
daemon_stop AGENTX_PID
STOP_RC[agentx]=$DAEMON_RC
cd_halt
STOP_RC[collectd]=$CD_RC
snmpd_stop
STOP_RC[snmpd]=0
for d in collectd execd agentx; do
	[ "${STOP_RC[$d]}" = 0 ] || problem "$d exited with status ${STOP_RC[$d]} when stopped"
done
[ ! -s "$T/agentx.out" ] || problem "podmem-agentx wrote to stdout: $(head -c 300 "$T/agentx.out")"

# ---- the logs ------------------------------------------------------------------
# error lines: collectd's [error] and [warning] lines; podmem-execd's E! and
# W! lines; any line of podmem-agentx but its start and stop lines; any line
# of snmpd's but its start and stop lines and those -Lo gives each request
# ("Connection from UDP"; the SMUX port is another snmpd's on a shared
# machine). Each daemon's vanished-cgroup lines (ENOENT, ENODEV) are
# counted apart, and count as errors too.
AGENTX_OK='^NET-SNMP version [0-9.]+ AgentX subagent connected$|^podmem-agentx [^ ]+: [0-9]+ pods under .*, sampling every 1s$|^stopping$'
SNMPD_OK='^NET-SNMP version [0-9.]+$|^Turning on AgentX master support\.$|^\[init_smux\] bind failed: Address already in use$|^Connection from UDP: \[127\.0\.0\.1\]:[0-9]+->\[127\.0\.0\.1\]:[0-9]+$|^Received TERM or STOP signal\.\.\.  shutting down\.\.\.$'

# collectd's warning that a read took longer than the interval is about this
# machine's load (2 cores shared with other jobs), not an error of podmem's:
# tests never judge wall-clock times, so it is counted apart, not judged
SLOW_RE="read-function of the \`podmem' plugin took [0-9.]+ seconds, which is above its read interval"
CRASH_RE='AddressSanitizer|runtime error|Segmentation fault|core dumped|Aborted|[Aa]ssertion|stack smashing|double free'
VANISHED_RE='No such file or directory|No such device|ENOENT|ENODEV'
errors_of() {
	case $1 in
	collectd) log_errors "$CONF" | grep -v -E "$SLOW_RE" || true; grep -E "$CRASH_RE" "$CONF.out" || true ;;
	execd) grep -E '^(E|W)! |'"$CRASH_RE" "$T/execd.err" || true ;;
	agentx) grep -v -E "$AGENTX_OK" "$T/agentx.log" || true ;;
	snmpd) grep -v -E "$SNMPD_OK" "$T/snmpd.log" || true ;;
	esac
}
SLOW=$(grep -c -E "$SLOW_RE" "$CONF.log" || true)
declare -A ERRS VANISHED
for d in "${DAEMONS[@]}"; do
	errors_of "$d" >"$T/errors.$d"
	ERRS[$d]=$(wc -l <"$T/errors.$d")
	VANISHED[$d]=$(grep -c -E "$VANISHED_RE" "$T/errors.$d" || true)
	[ "${ERRS[$d]}" = 0 ] || problem "$d logged ${ERRS[$d]} error lines (${VANISHED[$d]} about a vanished cgroup), first: $(head -3 "$T/errors.$d")"
done

# ---- the figures ---------------------------------------------------------------
READS=$(($(cat "$CSV/$CD_HOST"/podmem-node/memory-usage-* 2>/dev/null | grep -c '^[0-9]') + 0))
{ read -r BATCHES EX_LINES <"$T/execd.totals"; } 2>/dev/null || BATCHES=0 EX_LINES=0
read -r WALKS WALKS_BAD WALK_MIN_P WALK_MAX_P WALK_MIN_C WALK_MAX_C WALK_SECS TIMEOUTS < <(awk '
	{ n++; if ($1 != 0 || $6 > 0 || $2 == 0) bad++; t += $5; to += $6
	  if (n == 1 || $2 < minp) minp = $2; if ($2 > maxp) maxp = $2
	  if (n == 1 || $3 < minc) minc = $3; if ($3 > maxc) maxc = $3 }
	END { printf "%d %d %d %d %d %d %.1f %d\n", n, bad, minp, maxp, minc, maxc, n ? t / n : 0, to }' "$T/walks")
[ "$WALKS" -gt 0 ] || problem "no snmpbulkwalk finished"
[ "$WALKS_BAD" = 0 ] || problem "$WALKS_BAD of $WALKS walks failed or timed out ($TIMEOUTS timeouts): $(cat "$T"/walk.err.* 2>/dev/null | head -3)"
# no wall-clock judgement: podmem-execd answered every line it was sent (a
# batch each), collectd read (and at the last checkpoint, read the live tree)
ASKED=$(cat "$T/execd.asked" 2>/dev/null || echo 0)
[ "$BATCHES" = "$ASKED" ] || problem "podmem-execd wrote $BATCHES batches for $ASKED lines"
[ "$READS" -gt 0 ] || problem "collectd wrote no read of the node"
[ "$REMOVED" -gt 0 ] || problem "the churner removed no pod"

# per daemon, after the warm-up: fds at the checkpoints (all equal), fds
# min..max while churning (at most ALLOW above), RSS min..max (within 1 MiB
# of the first checkpoint's)
printf '\nsoak: %d s (warm-up %d s), %d pods and %d containers live (%d cgroups), %d of them with pm-hog\n' \
	"$RAN" "$WARMUP" "$PODS" "$N_CTRS" $((PODS * 4)) "$HOG_PODS"
printf 'churn: %d pods removed, %d made (%d again at the same path), %d pm-hog started in them; %d checkpoints\n' \
	"$REMOVED" "$MADE" "$STATIC" "$CHURN_HOGS" "$N_CP"
printf 'work: collectd %d reads (%d longer than the interval: load, not judged); podmem-execd %d batches for %d requests (%d lines); snmpbulkwalk %d walks of podmemObjects (%.1f s each, %d..%d pod rows, %d..%d container rows), %d failed\n' \
	"$READS" "$SLOW" "$BATCHES" "$ASKED" "$EX_LINES" "$WALKS" "$WALK_SECS" "$WALK_MIN_P" "$WALK_MAX_P" "$WALK_MIN_C" "$WALK_MAX_C" "$WALKS_BAD"
printf '\n%-9s %-22s %-18s %-24s %-11s %-7s %s\n' daemon "fds at checkpoints" "fds churning" "VmRSS KiB after warm-up" "anon growth" errors status
for d in "${DAEMONS[@]}"; do
	# RSS growth: of the anonymous part (RssAnon: the heap, where a leak
	# goes; the file-backed part comes and goes as the node reclaims cold
	# library pages, 1 MiB at times), the least of the last third of the
	# looks after the warm-up less the least of the first third, so that a
	# leak (which raises the floor) counts and a passing peak (a write
	# queue drained, its memory trimmed again) does not
	row=$(awk -v d="$d" -v w="$WARMUP" -v end="$RAN" '
		$3 != d { next }
		$2 == "cp" { ncp++; if (ncp == 1) cp = $4; else if ($4 != cp) cpdiff = 1
		             cpmin = ncp == 1 || $4 < cpmin ? $4 : cpmin; cpmax = $4 > cpmax ? $4 : cpmax }
		$1 >= w || $2 == "cp" { nr++; if (nr == 1 || $5 < rmin) rmin = $5; if ($5 > rmax) rmax = $5
		                        third = ($1 - w) * 3 < end - w ? 1 : ($1 - w) * 3 >= 2 * (end - w) ? 3 : 2
		                        if (third == 1 && (!n1++ || $6 < f1)) f1 = $6
		                        if (third == 3 && (!n3++ || $6 < f3)) f3 = $6 }
		$1 >= w && $2 == "churn" { nc++; if (nc == 1 || $4 < fmin) fmin = $4; if ($4 > fmax) fmax = $4 }
		END { printf "%s %d %d %d %d %d %d %d %d %d %d\n", cpdiff ? "differ" : "equal", ncp, cpmin, cpmax, nc, fmin, fmax,
		             rmin, rmax, f1, n3 ? f3 : f1 }' "$T/samples")
	read -r eq ncp cpmin cpmax nc fmin fmax rmin rmax base last <<<"$row"
	growth=$((last - base))
	ok=ok
	if [ "$eq" != equal ]; then ok=FAIL; problem "$d: fds at the checkpoints differ: $cpmin..$cpmax"; fi
	if [ "$nc" -gt 0 ] && [ "$fmax" -gt $((cpmax + ALLOW[$d])) ]; then
		ok=FAIL; problem "$d: $fmax fds while churning, more than the checkpoints' $cpmax + ${ALLOW[$d]}"
	fi
	if [ "$d" != snmpd ] && [ "$growth" -gt 1024 ]; then
		ok=FAIL; problem "$d: RssAnon grew by $growth KiB after the warm-up (its least: $base KiB in the first third, $last in the last)"
	fi
	[ "${ERRS[$d]}" = 0 ] || ok=FAIL
	case " $DEAD " in *" $d "*) ok=EXITED ;; esac
	[ "${STOP_RC[$d]}" = 0 ] || ok="FAIL(rc ${STOP_RC[$d]})"
	[ "$d" != snmpd ] || [ "$ok" != ok ] || ok="ok (RSS not ours: not judged)"
	printf '%-9s %-22s %-18s %-24s %-11s %-7s %s\n' "$d" "$cpmin..$cpmax ($ncp)" "$fmin..$fmax" "$rmin..$rmax" \
		"$growth" "${ERRS[$d]} (${VANISHED[$d]})" "$ok"
done
printf '(errors: error lines, in brackets those about a vanished cgroup; fds churning may be up to %s above the checkpoints)\n' \
	"$(for d in "${DAEMONS[@]}"; do printf '%s %s ' "$d" "${ALLOW[$d]}"; done)"
# SOAK_KEEP=DIR: a copy of the run's files (samples, walks, logs) there
[ -z "${SOAK_KEEP:-}" ] || { cp -r "$T" "$SOAK_KEEP" 2>/dev/null; echo "soak: the run's files are in $SOAK_KEEP"; }
if [ ${#PROBLEMS[@]} -gt 0 ]; then
	printf 'FAIL soak: %s\n' "${PROBLEMS[@]}" >&2
	exit 1
fi
echo "soak: passed"
