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
M_ALLOC="allocations from podmem.so per read, $N containers"
all_skipped() {
	bench_skip collectd "$M_RSS" "$1" "<= 4 MiB"
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
# the node's usage in the cache: the plugin has read
node_read() { collectdctl -s "$T/with/sock" getval bench/podmem-node/memory-usage 2>/dev/null | grep -q value=; }
daemon_wait PID_WITH "$T/with/log" 120 node_read || fail "collectd with podmem never read; log: $(tail -5 "$T/with/log")"
daemon_wait PID_WITHOUT "$T/without/log" 30 test -S "$T/without/sock" || fail "collectd without podmem did not start"
values=$(collectdctl -s "$T/with/sock" listval | wc -l)
sleep $((2 * IV)) # past the first reads (discovery, names) into the steady state
# cpu PID: its utime + stime in ms (from /proc/PID/stat, after the comm field)
hz=$(getconf CLK_TCK)
cpu() { awk -v hz="$hz" '{sub(/.*\) /, ""); print ($12 + $13) * 1000 / hz}' "/proc/$1/stat"; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; } # kB
allocs() { tr -d ' ' < "$T/allocs"; }
declare -a per_read_with per_read_without added
a0=$(allocs)
for ((r = 0; r < R; r++)); do
	w0=$(cpu "$PID_WITH") n0=$(cpu "$PID_WITHOUT")
	sleep $((WIN * IV))
	w1=$(cpu "$PID_WITH") n1=$(cpu "$PID_WITHOUT")
	per_read_with+=("$(awk -v a="$w0" -v b="$w1" -v n="$WIN" 'BEGIN {print (b - a) / n}')")
	per_read_without+=("$(awk -v a="$n0" -v b="$n1" -v n="$WIN" 'BEGIN {print (b - a) / n}')")
	added+=("$(( $(rss "$PID_WITH") - $(rss "$PID_WITHOUT") ))")
	echo "  window $r: with podmem ${per_read_with[-1]} ms CPU per interval, without ${per_read_without[-1]} ms; RSS $(rss "$PID_WITH") kB against $(rss "$PID_WITHOUT") kB"
done
a1=$(allocs)
reads=$((R * WIN))
# the plugin kept up: its last read is less than two intervals old
# (LISTVAL through the socket itself: collectdctl does not print the times)
last=$(/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"LISTVAL\n")
f = s.makefile("rb"); n = int(f.readline().split()[0])
for _ in range(n):
    t, ident = f.readline().decode().split()
    if ident == "bench/podmem-node/memory-usage": print(int(float(t)))
' "$T/with/sock")
[ $(( $(date +%s) - ${last:-0} )) -le $((2 * IV + 1)) ] || fail "the plugin did not keep up with the interval (last read at $last)"
add=$(median "${added[@]}")
mib=$(awk -v k="$add" 'BEGIN {printf "%.1f", k / 1024}')
bench_row collectd "$M_RSS" "$mib MiB (median of $R windows; $(rss "$PID_WITH") kB against $(rss "$PID_WITHOUT") kB; collectd caches $values value lists from it)" \
	"<= 4 MiB" "$(verdict_le "$mib" 4)"
cw=$(median "${per_read_with[@]}") cn=$(median "${per_read_without[@]}")
bench_row collectd "$M_CPU" "$(awk -v a="$cw" -v b="$cn" 'BEGIN {printf "%.1f ms (median of %d windows of %d reads; the same collectd without the plugin: %.1f ms per interval)", a - b, '"$R"', '"$WIN"', b}')" - -
per=$(awk -v a="$a0" -v b="$a1" -v n="$reads" 'BEGIN {printf "%g", (b - a) / n}')
bench_row collectd "$M_ALLOC" "$per ($((a1 - a0)) in $reads reads; $a1 since the start, with the first discovery)" 0 \
	"$(awk -v a="$a0" -v b="$a1" 'BEGIN {print a == b ? "met" : "NOT MET"}')"
daemon_stop PID_WITH
daemon_stop PID_WITHOUT
