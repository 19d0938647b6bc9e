#!/usr/bin/env bash
# make bench: a kubepods tree of real memory cgroups (CONTAINERS, default
# 1000, in pods of 3 with the sandbox) under our own memory cgroup, then
# build/bench on it. Where the kernel will not make cgroups, a fixture tree
# on the local file system stands in (said so in the output).
. "$(dirname "$0")/../integration/lib.sh"
N=${CONTAINERS:-1000}
pods=$(((N + 2) / 3))
if [ -n "$MEMCG_MNT" ] && mkdir "$MEMCG_MNT$MEMCG_SELF/podmem-bench-$$" 2>/dev/null; then
	base=$MEMCG_MNT$MEMCG_SELF/podmem-bench-$$
	at_exit "cgroup_remove_tree '$base'"
	echo "bench: $N containers as real memory cgroups under $base"
	files=()
else
	base=$T/tree
	echo "bench: cannot make memory cgroups here; using a fixture tree in $base"
	files=(memory.stat memory.usage_in_bytes memory.limit_in_bytes memory.max_usage_in_bytes memory.failcnt
		memory.oom_control memory.kmem.usage_in_bytes memory.kmem.tcp.usage_in_bytes)
fi
mkdir -p "$base/kubepods/burstable" "$base/kubepods/besteffort"
made=0
for ((p = 0; p < pods; p++)); do
	case $((p % 10)) in 0|1|2|3) q="" ;; 4|5|6|7|8) q=burstable/ ;; *) q=besteffort/ ;; esac
	uid=$(printf '%08x-0000-4000-8000-%012x' "$p" "$p")
	pd=$base/kubepods/${q}pod$uid
	mkdir "$pd"
	for c in 0 1 2; do
		[ $made -lt "$N" ] || break
		d=$pd/$(printf '%064x' $((p * 3 + c)))
		mkdir "$d"
		made=$((made + 1))
	done
done
if [ ${#files[@]} -gt 0 ]; then
	sample=$(mktemp -d)
	"$SRC/tests/fixtures/mktree.sh" "$sample/f" --version 1 >/dev/null
	src=$(dirname "$(find "$sample/f/cgroup/kubepods" -name memory.stat | tail -1)")
	find "$base" -type d | while read -r d; do for f in "${files[@]}"; do cp "$src/$f" "$d/"; done; done
	rm -rf "$sample"
fi
"$B/bench" "$base" "${ROUNDS:-7}" "${SAMPLES:-10}"
