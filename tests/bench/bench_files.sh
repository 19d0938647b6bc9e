#!/usr/bin/env bash
# make bench (files): `podmem files` against vmtouch and util-linux fincore
# over the same FILES (default 20,000) files, as same-run ratios of the
# median wall time of ROUNDS (default 7) rounds that run each once; the
# resident page counts of all three must be equal.
#
# The files (1 to 8 pages each, every third one evicted) are a real pod's
# volume directory (--kubelet-dir), so podmem walks them as it walks any
# pod's volumes; the pod has no process, so nothing else is scanned.
. "$(dirname "$0")/../integration/lib.sh"
N=${FILES:-20000} R=${ROUNDS:-7}
[ -x "$B/podmem" ] || fail "build first: make build-all"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v fincore >/dev/null || skip "fincore (util-linux) is not installed"
if ! command -v vmtouch >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y vmtouch >/dev/null 2>&1 || skip "vmtouch is not installed and apt-get cannot install it"
fi
PAGE=$(getconf PAGESIZE)

real_cgroup_base
UID1=7e8f9001-0000-4000-8000-00000000b001
real_pod "$CG_BASE" cgroupfs burstable "$UID1" default bench-0 app
K=$T/kubelet
TREE=$K/pods/$UID1/volumes/kubernetes.io~empty-dir/data
mkdir -p "$TREE"
case $(stat -f -c %T "$TREE") in tmpfs | ramfs) skip "$T is on a tmpfs: no disk page cache to measure" ;; esac
python3 - "$TREE" "$N" "$PAGE" <<'EOF'
import os, sys
tree, n, page = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    d = os.path.join(tree, "d%03d" % (i // 100))
    if i % 100 == 0:
        os.mkdir(d)
    fd = os.open(os.path.join(d, "f%05d" % i), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, os.urandom(page * (1 + i % 8)))
    if i % 3 == 0:
        os.fdatasync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
EOF
find "$TREE" -type f -print0 > "$T/list"
sync

OPTS=(--cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers" --kubelet-dir "$K")
# the resident pages each tool counts
podmem_pages() { "$B/podmem" files default/bench-0 -n 0 --json "${OPTS[@]}" "$@" |
	jq --arg t "$TREE/" '[.files[] | select(.path | startswith($t)) | .cached] | add / '"$PAGE"; }
vmtouch_pages() { vmtouch "$TREE" | awk '/Resident Pages/ {split($3, a, "/"); print a[1]}'; }
fincore_pages() { xargs -0 fincore --noheadings --output PAGES < "$T/list" | awk '{s += $1} END {print s}'; }
# TOOL's count equals vmtouch's, taken just before and after it (again, up to 5 times, when the
# cache changed meanwhile: something else on the node evicted pages)
same_pages() {
	local what=$1 v1 x v2 i
	shift
	for i in 1 2 3 4 5; do
		v1=$(vmtouch_pages) x=$("$@") v2=$(vmtouch_pages)
		[ "$v1" != "$v2" ] || { assert_eq "resident pages: $what and vmtouch" "$v1" "$x"; return; }
	done
	fail "the cache kept changing under the count ($what)"
}
same_pages "podmem (cachestat)" podmem_pages --no-charged
same_pages "podmem (mincore)" podmem_pages --no-charged --residency mincore
same_pages "podmem (with the charge scan)" podmem_pages
same_pages "fincore" fincore_pages
V=$(vmtouch_pages)
files=$("$B/podmem" files default/bench-0 -n 1 --json --no-charged "${OPTS[@]}" | jq .files_total)
assert_eq "files podmem found" "$N" "$files"

# R rounds, each running every tool once (interleaved, so each round's load is the same for all):
# the median wall time (ns) of each tool
pm() { "$B/podmem" files default/bench-0 -n 20 "${OPTS[@]}" "$@"; }
vt() { vmtouch "$TREE"; }
fc() { xargs -0 fincore --noheadings --output PAGES < "$T/list"; }
tools=(vt fc "pm --no-charged" "pm --no-charged --residency mincore" pm)
declare -A times
for ((i = 0; i < R; i++)); do
	for k in "${!tools[@]}"; do
		read -ra cmd <<< "${tools[$k]}"
		t0=$(date +%s%N); "${cmd[@]}" > /dev/null; t1=$(date +%s%N)
		times[$k]+="$((t1 - t0)) "
	done
done
median() { printf '%s\n' ${times[$1]} | sort -n | sed -n "$(((R + 1) / 2))p"; }
t_vt=$(median 0) t_fc=$(median 1) t_pc=$(median 2) t_pm=$(median 3) t_ch=$(median 4)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
ms() { awk -v a="$1" 'BEGIN {printf "%.1f ms", a / 1e6}'; }
echo "bench files: $N files, $V of $(find "$TREE" -type f -printf '%s\n' | awk -v p="$PAGE" '{s += $1 / p} END {print s}') pages resident; median of $R runs"
echo "  vmtouch                          $(ms "$t_vt")"
echo "  fincore (util-linux)             $(ms "$t_fc")"
echo "  podmem files (cachestat)         $(ms "$t_pc")  $(ratio "$t_pc" "$t_vt") x vmtouch, $(ratio "$t_pc" "$t_fc") x fincore"
echo "  podmem files (mincore)           $(ms "$t_pm")  $(ratio "$t_pm" "$t_vt") x vmtouch, $(ratio "$t_pm" "$t_fc") x fincore"
echo "  podmem files (+ charged pages)   $(ms "$t_ch")  $(ratio "$t_ch" "$t_vt") x vmtouch, $(ratio "$t_ch" "$t_fc") x fincore"
