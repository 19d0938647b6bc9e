#!/usr/bin/env bash
# The DaemonSets of packaging/kubernetes cannot drift from the programs they
# run (tests/integration/k8s_check.py does the parsing):
#   podmem-telegraf.yaml  the execd command of the telegraf.conf in its
#                         ConfigMap: every option is in podmem-execd --help,
#                         every path option is under a read-only hostPath
#                         mount of the expected host directory; the command,
#                         host paths rewritten to a fixture tree, runs (one
#                         batch) and writes every pod of the tree
#   podmem-collectd.yaml  the collectd.conf of its ConfigMap, host paths
#                         rewritten to the fixture tree, passes a real
#                         `collectd -T` with the built plugin, which reads
#                         the tree's pods
# and both: read-only root, every capability dropped but those of the file
# view, requests set. Then each kind of drift, made on a copy (an option
# renamed, a mount removed or made writable, a capability added, a collectd
# option renamed), must be caught.
. "$(dirname "$0")/lib.sh"

# Debian's python3 (with python3-yaml), not another python3 first on PATH
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 is not installed"
"$PY" -c 'import yaml, tomllib' 2>/dev/null || skip "python3-yaml (or Python 3.11's tomllib) is missing (apt-get install python3-yaml)"
command -v collectd >/dev/null || skip "collectd is not installed (apt-get install collectd-core)"
[ -x "$B/podmem-execd" ] || fail "build first: make build-all"
[ -f "$B/podmem.so" ] || skip "the collectd plugin is not built (collectd-dev is not installed)"
K=$SRC/packaging/kubernetes
TG=$K/podmem-telegraf.yaml CD=$K/podmem-collectd.yaml
CHECK=$SRC/tests/integration/k8s_check.py

fixture "$T/fx" --version 2 --driver systemd
mkdir -p "$T/fx/kubelet/pods" "$T/fx/cd-base"
"$B/podmem-execd" --help >"$T/help"
"$B/podmem" --json "${FIX_OPTS[@]}" | jq -r '.pods[].pod' | sort >"$T/pods.want"
[ -s "$T/pods.want" ] || fail "the fixture has no pods"

# telegraf MANIFEST: checks it, then runs its execd command on the fixture
telegraf_ok() {
	"$PY" "$CHECK" telegraf "$1" "$T/help" "$T/fx" "$T/cmd" || return 1
	mapfile -t argv <"$T/cmd"
	argv[0]=$B/podmem-execd
	"${argv[@]}" --once >"$T/batch.lp" 2>"$T/batch.err" || { echo "execd: $(cat "$T/batch.err")" >&2; return 1; }
	sed -n 's/^podmem_pod,.*pod=\([^, ]*\).*/\1/p' "$T/batch.lp" | sort >"$T/pods.got"
	diff -u "$T/pods.want" "$T/pods.got" >&2 || { echo "execd: the pods written differ" >&2; return 1; }
	grep -q '^podmem_node ' "$T/batch.lp" || { echo "execd: no podmem_node (meminfo through --proc-root)" >&2; return 1; }
}

# collectd MANIFEST: checks it, then collectd -T on its collectd.conf
collectd_ok() {
	local port rc=0
	port=$(free_port)
	"$PY" "$CHECK" collectd "$1" "$T/fx" "$T/collectd.conf" "$B" "$port" || return 1
	collectd -T -C "$T/collectd.conf" >"$T/cd.out" 2>&1 || rc=$?
	[ "$rc" = 0 ] || { echo "collectd -T: exit $rc: $(grep -i 'error\|podmem' "$T/cd.out" | head -3)" >&2; return 1; }
	! grep -q '\[error\]' "$T/cd.out" || { echo "collectd -T: $(grep '\[error\]' "$T/cd.out" | head -3)" >&2; return 1; }
}
# collectd_runs: the good one, run for real: the plugin's values of every
# fixture pod reach the csv writer, under the node's name (@NODE_NAME@)
collectd_runs() {
	local p
	daemon_start CDR_PID "" "$T/cd.run" "$T/cd.run" collectd -f -C "$T/collectd.conf"
	for p in $(cat "$T/pods.want"); do
		daemon_wait CDR_PID "$T/cd.run" 20 sh -c "ls -d '$T/fx/csv/testnode/podmem-'*'$p'*" ||
			fail "collectd wrote no values of pod $p: $(ls "$T/fx/csv/testnode" 2>&1 | head -5)"
	done
	daemon_stop CDR_PID
}

telegraf_ok "$TG" || fail "podmem-telegraf.yaml (above)"
note "podmem-telegraf.yaml: $(wc -l <"$T/cmd") arguments, all in --help and under read-only mounts; one batch of $(wc -l <"$T/batch.lp") lines on the fixture"
collectd_ok "$CD" || fail "podmem-collectd.yaml (above)"
note "podmem-collectd.yaml: collectd -T with podmem.so passes, every path under a read-only mount"
collectd_runs
note "podmem-collectd.yaml: run for real, every fixture pod reached the csv writer under the node's name"

# ---- the Dockerfile (not built here: no image builder), read: its two targets put the
# programs where the manifests' commands find them, and the manifests name them as
# images to build (a placeholder, no registry's)
DF=$K/Dockerfile
for want in ' AS build$' ' AS telegraf$' ' AS collectd$' 'FRONTENDS="cli telegraf collectd" build-all' \
	'^COPY --from=build /src/build/podmem-execd .* /usr/bin/$' \
	'^COPY --from=build /src/build/podmem.so /usr/lib/collectd/podmem.so$' 'collectd-core'; do
	grep -q -- "$want" "$DF" || fail "Dockerfile: no line matching '$want'"
done
for f in "$TG" "$CD"; do
	img=$(sed -n 's/^ *image: *//p' "$f")
	[[ $img == localhost/podmem-*:build-it-yourself ]] || fail "$(basename "$f"): image '$img' is not the build-it-yourself placeholder"
	t=${img#localhost/podmem-}; t=${t%%:*}
	grep -q -- "--target $t " "$DF" || fail "Dockerfile: no build command for the target $t of $(basename "$f")"
done
note "Dockerfile: the targets telegraf and collectd put podmem-execd on PATH and podmem.so in collectd's plugin directory"

# ---- drift, on copies: each must be caught ---------------------------------------------------
# mutant NAME FILE PYTHON: a copy of FILE with PYTHON (on s, the text) applied, in $T/NAME.yaml
mutant() {
	"$PY" - "$2" "$T/$1.yaml" "$3" <<'EOF'
import sys
s = open(sys.argv[1]).read()
before = s
exec(sys.argv[3])
if s == before:
    sys.exit("the mutation changed nothing: " + sys.argv[3])
open(sys.argv[2], "w").write(s)
EOF
}
caught() { # caught KIND NAME WHAT
	if "$1_ok" "$T/$2.yaml" 2>"$T/$2.err"; then fail "not caught: $3"; fi
	note "caught: $3: $(tail -1 "$T/$2.err")"
}
mutant t-flag "$TG" 's = s.replace("\"--proc-root\"", "\"--procfs-root\"")'
caught telegraf t-flag "an execd option renamed (--procfs-root)"
mutant t-nomount "$TG" 's = s.replace("            - {name: proc, mountPath: /host/proc, readOnly: true}\n", "")'
caught telegraf t-nomount "the /proc mount removed"
mutant t-rw "$TG" 's = s.replace("mountPath: /host/var/log/pods, readOnly: true", "mountPath: /host/var/log/pods")'
caught telegraf t-rw "the /var/log/pods mount made writable"
mutant t-host "$TG" 's = s.replace("hostPath: {path: /var/log/containers,", "hostPath: {path: /var/log,")'
caught telegraf t-host "the container log mount from another host directory"
mutant t-path "$TG" 's = s.replace("\"--pod-log-dir\", \"/host/var/log/pods\"", "\"--pod-log-dir\", \"/var/log/pods\"")'
caught telegraf t-path "--pod-log-dir pointed at the container's own /var/log/pods"
mutant t-cap "$TG" 's = s.replace("add: [\"SYS_PTRACE\",", "add: [\"NET_ADMIN\", \"SYS_PTRACE\",")'
caught telegraf t-cap "a capability the file view does not need"
mutant t-value "$TG" 's = s.replace("\"--top-files\", \"10\"", "\"--top-files\", \"1000\"")'
caught telegraf t-value "a --top-files value podmem-execd refuses"
mutant t-ro "$TG" 's = s.replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")'
caught telegraf t-ro "a writable root file system"
mutant c-opt "$CD" 's = s.replace("      ProcRoot \"/host/proc\"", "      ProcDir \"/host/proc\"\n      ProcRoot \"/host/proc\"")'
caught collectd c-opt "a collectd option the plugin does not have (ProcDir)"
mutant c-nomount "$CD" 's = s.replace("            - {name: cgroup, mountPath: /host/sys/fs/cgroup, readOnly: true}\n", "")'
caught collectd c-nomount "the cgroup mount removed"
mutant c-noopt "$CD" 's = s.replace("      ContainerLogDir \"/host/var/log/containers\"\n", "")'
caught collectd c-noopt "ContainerLogDir left out"
mutant c-cap "$CD" 's = s.replace("              drop: [\"ALL\"]\n", "              drop: [\"ALL\"]\n              add: [\"SYS_PTRACE\"]\n")'
caught collectd c-cap "a capability for a plugin with no file view"
