#!/usr/bin/env bash
# The real-collectd run under valgrind: collectd loads build/podmem.so against
# a real kubepods tree for at least 20 reads while pods and containers come
# and go, then stops on SIGTERM. valgrind must report no errors and no
# definite or indirect leaks, and nothing podmem allocated may be left at exit
# (only what collectd's own module_register bookkeeping keeps).
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_collectd.sh"

command -v valgrind >/dev/null || skip "valgrind is not installed"
real_cgroup_base
[ -x "$B/pm-hog" ] || make -s -C "$SRC" build/pm-hog >/dev/null || fail "cannot build pm-hog"

READS=20
real_pod "$CG_BASE" cgroupfs burstable 0b1b2c3d-0000-4000-8000-00000000b001 default steady app
STEADY_DIR=$POD_DIR
hog "${CTR_DIR[app]}" anon $((8 << 20))

CONF=$T/collectd.conf
cd_conf "$CONF" 0.4 "  CgroupRoot \"$CG_BASE\"
  PodLogDir \"$T/log/pods\"
  ContainerLogDir \"$T/log/containers\"
  RescanInterval 0.4"
VG=$T/valgrind.log
cd_start "$CONF" valgrind --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=definite,indirect \
	--error-exitcode=99 --log-file="$VG"

reads() { awk 'END { print NR - 1 }' "$CSV/$CD_HOST"/podmem-node/memory-usage-* 2>/dev/null || echo 0; }
started() { [ "$(reads)" -ge 1 ]; }
cd_wait 30 started || fail "no read under valgrind; log: $(tail -5 "$CONF.log")"

# churn until READS reads have happened: each round a pod comes, the pod of
# two rounds ago goes, and a container comes and goes in the steady pod
i=0 pods=()
while [ "$(reads)" -lt "$READS" ]; do
	i=$((i + 1))
	[ "$i" -lt 400 ] || fail "only $(reads) reads under valgrind"
	real_pod "$CG_BASE" cgroupfs besteffort "$(printf '0b1b2c3d-0000-4000-8000-%012d' "$i")" churn "job-$i" a b
	pods+=("$POD_DIR")
	if [ "${#pods[@]}" -gt 2 ]; then
		rmdir "${pods[0]}"/*/ "${pods[0]}"
		pods=("${pods[@]:1}")
	fi
	mkdir "$STEADY_DIR/ctr$i"
	sleep 0.2
	rmdir "$STEADY_DIR/ctr$i"
done
churned=$i
# the churned pods were seen: some came and went between reads
n=$(find "$CSV/$CD_HOST" -maxdepth 1 -name 'podmem-churn_job-*' | wc -l)
[ "$n" -ge 3 ] || fail "only $n of $churned churned pods were reported"

cd_halt
note "$(reads) reads, $churned pods came and went; $(grep -E 'ERROR SUMMARY|definitely lost' "$VG" | sed 's/^==[0-9]*== //' | xargs)"
assert_eq "errors logged" "" "$(log_errors "$CONF")"
grep -q 'ERROR SUMMARY: 0 errors' "$VG" || fail "valgrind: $(grep -A20 -m1 -E 'Invalid|uninitialised|definitely' "$VG")"
grep -Eq 'definitely lost: 0 bytes|All heap blocks were freed' "$VG" || fail "valgrind: $(grep -A3 'LEAK SUMMARY' "$VG")"
grep -Eq 'indirectly lost: 0 bytes|All heap blocks were freed' "$VG" || fail "valgrind: $(grep -A3 'LEAK SUMMARY' "$VG")"
# blocks left at exit that podmem allocated (outside module_register)
ours=$(sed 's/^==[0-9]*== \{0,1\}//' "$VG" | awk 'BEGIN { RS = "" }
	/are (still reachable|possibly lost|definitely lost|indirectly lost)/ && /\((pm_|podmem)[^)]*\.c:/ && !/module_register/')
[ -z "$ours" ] || fail "podmem left memory at exit: $(head -30 <<<"$ours")"
assert_eq "collectd's exit status under valgrind" 0 "$CD_RC"
