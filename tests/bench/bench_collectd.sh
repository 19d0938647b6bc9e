#!/usr/bin/env bash
# make bench (collectd): a real collectd loading build/podmem.so on a kubepods
# tree of CONTAINERS (2000) containers as real memory cgroups, against the
# same collectd without the plugin, both running at once (so the machine's
# load is the same for both): the RSS the plugin adds, the CPU time per read,
# and the allocations made from podmem.so's code per read (malloc_count.so
# preloaded, counting only calls from podmem.so). No write plugin: what is
# measured is the plugin's read and dispatch, and collectd's cache of the
# values. ROUNDS (3) windows of WINDOW reads (5) each, at INTERVAL (2) s.
. "$(dirname "$0")/../integration/lib.sh"
. "$SRC/tests/bench/lib_bench.sh"
if [ "$SMOKE" = 1 ]; then N=${CONTAINERS:-50} R=${ROUNDS:-1} WIN=${WINDOW:-2} IV=${INTERVAL:-1}
else N=${CONTAINERS:-2000} R=${ROUNDS:-3} WIN=${WINDOW:-5} IV=${INTERVAL:-2}; fi
M_RSS="RSS the plugin adds, $N containers"
M_CPU="CPU time per read, $N containers"
M_OWN="heap held by podmem.so's code, $N containers"
M_ALLOC="allocations from podmem.so per read, $N containers"
all_skipped() {
	bench_skip collectd "$M_RSS" "$1" "<= 4 MiB"
	bench_skip collectd "$M_OWN" "$1"
	bench_skip collectd "$M_CPU" "$1"
	bench_skip collectd "$M_ALLOC" "$1" 0
	exit 0
}
command -v collectd >/dev/null || all_skipped "collectd is not installed (Debian package collectd-core)"
command -v collectdctl >/dev/null || all_skipped "collectdctl is not installed (Debian package collectd-utils)"
[ -f "$B/podmem.so" ] && [ -f "$B/malloc_count.so" ] || all_skipped "build first: make build-all bench-bins"
bench_base || all_skipped "$BENCH_NO_BASE"
bench_tree "$BENCH_BASE" "$N"
mkdir -p "$T/log/pods" "$T/log/containers"

# conf NAME [PODMEM]: a private collectd (log, unixsock; PODMEM: with the plugin) in $T/NAME
conf() {
	local d=$T/$1
	mkdir -p "$d"
	cat > "$d/conf" <<EOC
Hostname "bench"
FQDNLookup false
BaseDir "$d"
PIDFile "$d/pid"
Interval $IV
PluginDir "/usr/lib/collectd"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$d/log"
</Plugin>
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$d/sock"
</Plugin>
EOC
	[ -z "${2:-}" ] || cat >> "$d/conf" <<EOC
PluginDir "$B"
LoadPlugin podmem
<Plugin podmem>
  CgroupRoot "$BENCH_BASE"
  PodLogDir "$T/log/pods"
  ContainerLogDir "$T/log/containers"
</Plugin>
EOC
}
conf without
conf with podmem
daemon_start PID_WITHOUT "" "$T/without/out" "$T/without/out" collectd -f -C "$T/without/conf"
daemon_start PID_WITH "" "$T/with/out" "$T/with/out" \
	env LD_PRELOAD="$B/malloc_count.so" BENCH_ALLOC_OBJ=/podmem.so BENCH_ALLOC_OUT="$T/allocs" collectd -f -C "$T/with/conf"
# node_time: the time of the plugin's last read (the node's usage in collectd's
# cache; LISTVAL through the socket itself: collectdctl does not print the times)
node_time() {
	local i t
	for i in 1 2 3 4 5; do
		t=$(node_time_once) && [ -n "$t" ] && { echo "$t"; return; }
		sleep 1
	done
}
node_time_once() {
	timeout 60 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"LISTVAL\n")
f = s.makefile("rb"); n = int(f.readline().split()[0])
for _ in range(n):
    t, ident = f.readline().decode().split()
    if ident == "bench/podmem-node/memory-usage": print("%.3f" % float(t))
' "$T/with/sock"
}
# the node's usage in the cache: the plugin has read
node_read() { collectdctl -s "$T/with/sock" getval bench/podmem-node/memory-usage 2>/dev/null | grep -q value=; }
daemon_wait PID_WITH "$T/with/log" 120 node_read || fail "collectd with podmem never read; log: $(tail -5 "$T/with/log")"
daemon_wait PID_WITHOUT "$T/without/log" 30 test -S "$T/without/sock" || fail "collectd without podmem did not start"
sleep $((2 * IV)) # past the first reads (discovery, names) into the steady state
# cpu PID: its utime + stime in ms (from /proc/PID/stat, after the comm field)
hz=$(getconf CLK_TCK)
cpu() { awk -v hz="$hz" '{sub(/.*\) /, ""); print ($12 + $13) * 1000 / hz}' "/proc/$1/stat"; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; } # kB
allocs() { awk '{print $1}' "$T/allocs"; }
held() { awk '{print $2}' "$T/allocs"; } # bytes held by podmem.so's blocks
declare -a per_read_with per_read_without added own
a0=$(allocs) reads=0
for ((r = 0; r < R; r++)); do
	t0=$(node_time) w0=$(cpu "$PID_WITH") n0=$(cpu "$PID_WITHOUT")
	sleep $((WIN * IV))
	t1=$(node_time) w1=$(cpu "$PID_WITH") n1=$(cpu "$PID_WITHOUT")
	k=$(awk -v a="$t0" -v b="$t1" -v iv="$IV" 'BEGIN {printf "%d", (b - a) / iv + 0.5}')
	[ "$k" -gt 0 ] || fail "no read in window $r ($t0, $t1)"
	reads=$((reads + k))
	per_read_with+=("$(awk -v a="$w0" -v b="$w1" -v n="$k" 'BEGIN {print (b - a) / n}')")
	per_read_without+=("$(awk -v a="$n0" -v b="$n1" -v n="$k" 'BEGIN {print (b - a) / n}')")
	added+=("$(( $(rss "$PID_WITH") - $(rss "$PID_WITHOUT") ))")
	own+=("$(held)")
	echo "  window $r: $k reads; with podmem ${per_read_with[-1]} ms CPU per read, without ${per_read_without[-1]} ms; RSS $(rss "$PID_WITH") kB against $(rss "$PID_WITHOUT") kB; podmem.so's blocks $(held) bytes"
done
a1=$(allocs)
values=$(collectdctl -s "$T/with/sock" listval | wc -l)
add=$(median "${added[@]}")
mib=$(awk -v k="$add" 'BEGIN {printf "%.1f", k / 1024}')
own_mib=$(awk -v b="$(median "${own[@]}")" 'BEGIN {printf "%.1f", b / 1048576}')
bench_row collectd "$M_RSS" "$mib MiB (median of $R windows; $(rss "$PID_WITH") kB against $(rss "$PID_WITHOUT") kB: collectd's cache and queues of the $values value lists it dispatches at each read, and $own_mib MiB in podmem.so's own blocks)" \
	"<= 4 MiB" "$(verdict_le "$mib" 4)"
bench_row collectd "$M_OWN" "$own_mib MiB (median of $R windows; the bytes of podmem.so's blocks, malloc_count.so)" - -
cw=$(median "${per_read_with[@]}") cn=$(median "${per_read_without[@]}")
bench_row collectd "$M_CPU" "$(awk -v a="$cw" -v b="$cn" 'BEGIN {printf "%.1f ms (median of %d windows, %d reads: the plugin, and collectd taking its values; the same collectd without the plugin: %.1f ms per interval)", a - b, '"$R"', '"$reads"', b}')" - -
per=$(awk -v a="$a0" -v b="$a1" -v n="$reads" 'BEGIN {printf "%g", (b - a) / n}')
bench_row collectd "$M_ALLOC" "$per ($((a1 - a0)) in $reads reads, rescans included; $a1 since the start, with the first discovery)" 0 \
	"$(awk -v a="$a0" -v b="$a1" 'BEGIN {print a == b ? "met" : "NOT MET"}')"
daemon_stop PID_WITH
daemon_stop PID_WITHOUT
