# Shared by every integration test: sourced, never run.
#   . "$(dirname "$0")/lib.sh"
# Gives: $SRC (project root), $B (build dir), $T (a private temp dir removed
# at exit), cleanup registration that runs even when a test fails, assertions,
# fixtures, free ports, and the JSON sample of a tree as the reference.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$SRC/build
# the IETF base MIBs (SNMPv2-SMI, ...), never in the project: $SHARED_MIBS, or
# shared/mibs beside the checkout or beside one of its parents
find_shared_mibs() {
	local d=$SRC
	while [ "$d" != / ]; do
		d=$(dirname "$d")
		[ -f "$d/shared/mibs/SNMPv2-SMI.txt" ] && { echo "$d/shared/mibs"; return; }
	done
	echo "$(dirname "$SRC")/shared/mibs"
}
SHARED_MIBS=${SHARED_MIBS:-$(find_shared_mibs)}
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "/tmp/podmem-$TEST_NAME.XXXXXX")

_cleanups=()
# at_exit CMD...: run CMD (a string for eval) at exit, last registered first
at_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local rc=$? i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[$i]}" >/dev/null 2>&1 || true; done
	rm -rf "$T"
	exit $rc
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

# kill_pid PID: stop a process we started, by PID, and reap it
kill_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

note() { printf '  %s: %s\n' "$TEST_NAME" "$*"; }
fail() { printf 'FAIL %s: %s\n' "$TEST_NAME" "$*" >&2; exit 1; }
skip() { printf 'SKIP %s: %s\n' "$TEST_NAME" "$*"; exit 77; }
assert_eq() { # assert_eq WHAT EXPECTED ACTUAL
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}
assert_contains() { # assert_contains WHAT HAYSTACK NEEDLE
	case $2 in *"$3"*) ;; *) fail "$1: '$3' not found in: $(printf '%s' "$2" | head -c 2000)" ;; esac
}
assert_not_contains() {
	case $2 in *"$3"*) fail "$1: '$3' unexpectedly found" ;; *) ;; esac
}
# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds
wait_for() {
	local n=$(($1 * 10)); shift
	while ! "$@" >/dev/null 2>&1; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done
}

# ---- daemons: the one way a test starts, waits for and stops a process ------
# daemon_start VAR IN OUT ERR CMD...: starts CMD in the background with stdin
# from IN ("" for /dev/null; a FIFO works) and stdout and stderr appended to
# OUT and ERR (the same file for both is fine); puts its PID in the variable
# VAR. It is stopped (kill_pid) at exit unless daemon_stop stopped it first.
daemon_start() {
	local var=$1 in=${2:-/dev/null} out=$3 err=$4
	shift 4
	"$@" <"$in" >>"$out" 2>>"$err" &
	printf -v "$var" '%s' "$!"
	at_exit "[ -z \"\${$var:-}\" ] || kill_pid \"\${$var}\""
}
# daemon_stop VAR [SIGNAL]: sends SIGNAL (default TERM) to the daemon whose
# PID is in VAR, reaps it, puts its exit status in DAEMON_RC and empties VAR.
daemon_stop() {
	local var=$1 pid=${!1}
	DAEMON_RC=0
	[ -n "$pid" ] || return 0
	kill "-${2:-TERM}" "$pid" 2>/dev/null || true
	wait "$pid" || DAEMON_RC=$?
	printf -v "$var" '%s' ""
}
# daemon_wait VAR LOG SECONDS CMD...: polls CMD every 0.1 s until it succeeds;
# fails at once, with LOG's last lines, when the daemon in VAR has exited;
# returns 1 after SECONDS.
daemon_wait() {
	local var=$1 log=$2 n=$(($3 * 10))
	shift 3
	while ! "$@" >/dev/null 2>&1; do
		kill -0 "${!var}" 2>/dev/null || fail "the daemon in $var exited; $log: $(tail -5 "$log" 2>/dev/null)"
		n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1
	done
}

# free_port: a TCP/UDP port on 127.0.0.1 that nothing listens on now
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 30000))
		if ! (ss -Htuln 2>/dev/null | awk '{print $5}' | grep -q ":$p\$"); then echo "$p"; return; fi
	done
	fail "no free port"
}

# fix_opts DIR: the core options that point at fixture DIR, in FIX_OPTS
fix_opts() {
	FIX_OPTS=(--cgroup-root "$1/cgroup" --proc-root "$1/proc" --pod-log-dir "$1/log/pods"
		--container-log-dir "$1/log/containers")
}

# k8s_label S, k8s_subdomain S: whether S is a DNS-1123 label (namespaces,
# containers: 1-63 of a-z, 0-9, '-', a letter or digit at each end) or a
# DNS-1123 subdomain (pods: 1-253, such labels joined by '.'), as Kubernetes
# checks names; podmem trusts no other name from the log directories
k8s_label() {
	local LC_ALL=C
	[ "${#1}" -le 63 ] && [[ $1 =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]]
}
k8s_subdomain() {
	local LC_ALL=C
	[ "${#1}" -le 253 ] && [[ $1 =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ ]]
}

# untrusted_logs DIR: the entries of a fixture's log directories (DIR/log/pods,
# DIR/log/containers) whose names are not Kubernetes names, one a line:
# "pods<TAB>UID" or "containers<TAB>ID" (the fields split as kubelet joins them)
untrusted_logs() {
	local e b ns rest uid pod ctr id
	for e in "$1"/log/pods/*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		b=${e##*/} && [[ $b == *_*_?* ]] || continue
		ns=${b%%_*} rest=${b#*_} && uid=${rest##*_} pod=${rest%_*}
		{ k8s_label "$ns" && k8s_subdomain "$pod"; } || printf 'pods\t%s\n' "$uid"
	done
	for e in "$1"/log/containers/*.log; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		b=${e##*/} && b=${b%.log} && [[ $b == *_*_*-?* ]] || continue
		pod=${b%%_*} rest=${b#*_} && ns=${rest%%_*} rest=${rest#*_} && id=${rest##*-} ctr=${rest%-*}
		{ k8s_subdomain "$pod" && k8s_label "$ns" && k8s_label "$ctr"; } || printf 'containers\t%s\n' "$id"
	done
}

# assert_untrusted_said DIR FILE [N]: FILE, a front end's log, says N times
# (1) that each untrusted entry of the fixture DIR's log directories is not
# trusted (one line each), and says it of no other entry of DIR; prints the
# number of such entries
assert_untrusted_said() {
	local d=$1 f=$2 n=${3:-1} kind key pat want=0 got
	while IFS=$'\t' read -r kind key; do
		want=$((want + 1))
		if [ "$kind" = pods ]; then
			pat="_$key' in '$d/log/pods' is not trusted: "
		else
			pat="-$key.log' in '$d/log/containers' is not trusted: "
		fi
		got=$(grep -cF -- "$pat" "$f") || true
		assert_eq "$f: lines saying that the $kind log entry of $key is not trusted" "$n" "$got"
	done < <(untrusted_logs "$d")
	got=$(grep -F "' in '$d/log/" "$f" | grep -c "' is not trusted: ") || true
	assert_eq "$f: lines saying that a log entry of $d is not trusted" $((want * n)) "$got"
	printf '%s\n' "$want"
}

# fixture DIR ARGS...: writes a fixture node (see tests/fixtures/mktree.sh);
# then FIX_OPTS holds the podmem options that point at it
fixture() {
	local d=$1; shift
	"$SRC/tests/fixtures/mktree.sh" "$d" "$@"
	fix_opts "$d"
}

# catalogue: one line per metric of common/pm_catalog.def, in its order, read
# from the file itself rather than from the code under test:
#   name<TAB>unit<TAB>kind<TAB>levels   e.g. "anon	BYTES	GAUGE	NODE|CG"
catalogue() {
	awk '/^X\(/ { s = $0; sub(/^X\(/, "", s); split(s, f, /, */); gsub(/"/, "", f[2]); gsub(/ /, "", f[5])
		print f[2] "\t" f[3] "\t" f[4] "\t" f[5] }' "$SRC/common/pm_catalog.def"
}

# podmem_json ARGS...: one sample as JSON (the reference every front end is compared with)
podmem_json() { "$B/podmem" --json "$@"; }

# ---- real memory cgroups ---------------------------------------------------
# The v1 memory controller's mount, and our own cgroup in it.
MEMCG_MNT=$(awk '$9 == "cgroup" && $0 ~ /[ ,]memory([ ,]|$)/ {print $5; exit}' /proc/self/mountinfo)
MEMCG_SELF=$(awk -F: '$2 == "memory" {print $3; exit}' /proc/self/cgroup)

# real_cgroup_base: makes a private directory under our own memory cgroup and
# sets CG_BASE to it; it is removed (with every process in it killed by PID)
# at exit. Call it directly, not in $(...). Skips where the kernel says no.
real_cgroup_base() {
	[ -n "$MEMCG_MNT" ] || skip "no cgroup v1 memory controller mounted"
	local own=$MEMCG_MNT$MEMCG_SELF
	CG_BASE=$own/podmem-test-$TEST_NAME-$$
	mkdir "$CG_BASE" 2>/dev/null || skip "the kernel refused to make a memory cgroup under $own"
	at_exit "cgroup_remove_tree '$CG_BASE'"
}
# cgroup_remove_tree DIR: kill the processes in every cgroup below DIR (by PID), then rmdir depth-first
cgroup_remove_tree() {
	local d=$1 pid
	[ -d "$d" ] || return 0
	while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done < <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
	sleep 0.1
	find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	if [ -d "$d" ]; then sleep 0.5; find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
}
# run_in_cgroup DIR CMD...: starts CMD in the background inside cgroup DIR; sets BG_PID
# (killed at exit). Call it directly, not in $(...).
run_in_cgroup() {
	local d=$1; shift
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$d" "$@" &
	BG_PID=$!
	at_exit "kill -KILL $BG_PID; wait $BG_PID"
}

# real_pod BASE DRIVER QOS UID NS NAME CTR...: makes a kubepods pod under BASE
# (from real_cgroup_base) with a sandbox and the named containers, in
# DRIVER's naming (cgroupfs or systemd, containerd leaves), plus its log
# entries under $T/log. Sets POD_DIR and CTR_DIR[name] (and CTR_DIR[POD]).
declare -A CTR_DIR
real_pod() {
	local base=$1 driver=$2 qos=$3 uid=$4 ns=$5 name=$6; shift 6
	local qdir ctr id leaf
	mkdir -p "$T/log/pods/${ns}_${name}_${uid}" "$T/log/containers"
	if [ "$driver" = systemd ]; then
		local u=${uid//-/_}
		mkdir -p "$base/kubepods.slice"
		if [ "$qos" = guaranteed ]; then POD_DIR=$base/kubepods.slice/kubepods-pod$u.slice
		else qdir=$base/kubepods.slice/kubepods-$qos.slice; mkdir -p "$qdir"; POD_DIR=$qdir/kubepods-$qos-pod$u.slice; fi
	else
		mkdir -p "$base/kubepods"
		if [ "$qos" = guaranteed ]; then POD_DIR=$base/kubepods/pod$uid
		else mkdir -p "$base/kubepods/$qos"; POD_DIR=$base/kubepods/$qos/pod$uid; fi
	fi
	mkdir "$POD_DIR"
	for ctr in POD "$@"; do
		id=$(printf '%s/%s' "$uid" "$ctr" | sha256sum | cut -c1-64)
		if [ "$driver" = systemd ]; then leaf=cri-containerd-$id.scope; else leaf=$id; fi
		mkdir "$POD_DIR/$leaf"
		CTR_DIR[$ctr]=$POD_DIR/$leaf
		[ "$ctr" = POD ] && continue
		mkdir -p "$T/log/pods/${ns}_${name}_${uid}/$ctr"
		: > "$T/log/pods/${ns}_${name}_${uid}/$ctr/0.log"
		ln -sf "../pods/${ns}_${name}_${uid}/$ctr/0.log" "$T/log/containers/${name}_${ns}_${ctr}-${id}.log"
	done
}
# hog CGROUP_DIR MODE ARGS...: starts pm-hog in the cgroup and waits until it
# is ready; sets HOG_PID. Call it directly, not in $(...), so the kill at exit is registered.
hog() {
	local d=$1; shift
	local out=$T/hog.$RANDOM.out
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$d" "$B/pm-hog" "$@" > "$out" &
	HOG_PID=$!
	at_exit "kill -KILL $HOG_PID; wait $HOG_PID"
	wait_for 20 grep -q ready "$out" || fail "pm-hog $* did not get ready"
}
