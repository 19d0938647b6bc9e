# Helpers for tests/integration/fds_*.sh (sourced after lib.sh, never run):
# fixture trees made bigger than a descriptor limit, and what a front end
# must report of them whatever its RLIMIT_NOFILE.

# fds_tree DIR PODS ARGS...: a mktree.sh node (ARGS) grown to PODS pods by
# copying its besteffort pod (two containers) under new UIDs; FIX_OPTS
# points at it. FDS_PODS and FDS_CTRS: how many pods and containers it holds.
fds_tree() {
	local d=$1 pods=$2 p i
	shift 2
	fixture "$d" "$@" >/dev/null
	p=$(find "$d/cgroup" -type d -name '*pod3c4d5e6f*' | head -1)
	[ -n "$p" ] || fail "no besteffort pod in $d"
	for ((i = 1; i <= pods - 3; i++)); do cp -r "$p" "${p/0000000000c3/$(printf '%012x' "$i")}"; done
	FDS_PODS=$pods FDS_CTRS=$((7 + (pods - 3) * 2))
}

# fds_grow DIR FROM TO: more copies of the besteffort pod, numbered FROM to TO
fds_grow() {
	local p i
	p=$(find "$1/cgroup" -type d -name '*pod3c4d5e6f*0000000000c3*' | head -1)
	for ((i = $2; i <= $3; i++)); do cp -r "$p" "${p/0000000000c3/$(printf '%012x' "$i")}"; done
}

# fds_keys JSON: "POD_UID" and "POD_UID CONTAINER_ID" for each pod and container of a sample, sorted
fds_keys() {
	jq -r '.pods[] | .pod_uid, (.pod_uid + " " + .containers[].container_id)' "$1" | LC_ALL=C sort
}

# fds_count_keys KEYS: "PODS CONTAINERS" in a fds_keys list
fds_count_keys() {
	awk 'NF == 1 { p++ } NF == 2 { c++ } END { printf "%d %d\n", p, c }' "$1"
}

# fds_said_once WHAT LOG LIMIT [CGROUPS]: LOG holds the degradation exactly
# once, with the limit and the number of cgroups (any, when not given)
fds_said_once() {
	local n
	n=$(grep -c "kept fds for [0-9]* of ${4:-[0-9]*} cgroups (RLIMIT_NOFILE $3, [^)]*): the rest are opened at each sample" "$2" || true)
	assert_eq "$1: the fd warning, once (log: $(grep -i 'fd\|descriptor\|open files' "$2" | head -3))" 1 "$n"
	assert_not_contains "$1: nothing lost for want of fds" "$(cat "$2")" "Too many open files"
}

# fds_limited NAME LIMIT PROGRAM: a script $T/NAME that runs PROGRAM under
# prlimit --nofile=LIMIT (soft and hard), in the same process
fds_limited() {
	printf '#!/bin/sh\nexec prlimit --nofile=%s %s "$@"\n' "$2" "$3" >"$T/$1"
	chmod +x "$T/$1"
	printf '%s\n' "$T/$1"
}
