# Helpers for tests/integration/dashboard_*.sh (the Grafana dashboards and the
# Prometheus rules), sourced after lib.sh and lib_telegraf.sh. Never run.
#
# dash_nodes: three simulated nodes, each a tree podmem-execd reads, with the
# podmem-execd options for it in NODE_OPTS_<node> (an array):
#   node-a  a fixture tree, cgroup v1, kubelet's cgroupfs driver, containerd
#   node-b  a fixture tree, cgroup v2, systemd driver, CRI-O, with mktree.sh's
#           hostile names (spaces, commas, quotes, backslashes, UTF-8)
#   node-c  real v1 memory cgroups under our own: pod default/files-0
#           (burstable, a 256 MiB limit) whose container "app" holds an 8 MiB
#           file open: the only node with podmem_file rows (the fixture trees
#           have no processes whose files a scan could find)
# The selection every panel query is run with, for each node, is in SEL_<node>
# ("namespace|pod"): a pod with a limit, so that every column has data. (The
# hostile pod of node-b has log names Kubernetes does not allow: podmem does not
# trust them, and shows it by its UID in no namespace.)
# Call it directly, not in $(...): it registers the cleanups.
DASH_NODES=(node-a node-b node-c)

# dash_python: PY, Debian's python3 (its python3-yaml and python3-matplotlib),
# not another python3 first on PATH
dash_python() {
	PY=/usr/bin/python3
	[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 is not installed"
	"$PY" -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (apt-get install python3-yaml)"
	[ -z "${DASHBOARD_PNG:-}" ] || "$PY" -c 'import matplotlib' 2>/dev/null ||
		fail "python3-matplotlib is not installed (apt-get install python3-matplotlib)"
}
dash_nodes() {
	local d=$1
	[ -x "$B/pm-hog" ] || fail "$B/pm-hog is not built (make build/pm-hog)"
	"$SRC/tests/fixtures/mktree.sh" "$d/node-a" --version 1
	"$SRC/tests/fixtures/mktree.sh" "$d/node-b" --version 2 --driver systemd --runtime crio --hostile
	fix_opts "$d/node-a"; NODE_OPTS_node_a=("${FIX_OPTS[@]}" --sys-root "$d/node-a/sys")
	fix_opts "$d/node-b"; NODE_OPTS_node_b=("${FIX_OPTS[@]}" --sys-root "$d/node-b/sys")
	SEL_node_a="kube-system|coredns-5d78c9869d-x7k2p"
	SEL_node_b="default|web-0"

	real_cgroup_base
	local root=$CG_BASE/node
	mkdir -p "$root" "$d/disk"
	case $(stat -f -c %T "$d/disk") in tmpfs | ramfs) skip "$d is on a tmpfs: no disk page cache for podmem_file" ;; esac
	real_pod "$root" cgroupfs burstable 4b5c6d7e-0000-4000-8000-00000000da5c default files-0 app
	echo $((256 * 1048576)) >"$POD_DIR/memory.limit_in_bytes"
	hog "${CTR_DIR[app]}" hold "$d/disk/app.log" $((8 * 1048576))
	NODE_OPTS_node_c=(--cgroup-root "$root" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers"
		--top-files 5)
	SEL_node_c="default|files-0"
}

# node_opts NODE: the node's options, in OPTS
node_opts() { local v="NODE_OPTS_${1//-/_}[@]"; OPTS=("${!v}"); }
# node_sel NODE: the node's selection, in SEL_NS and SEL_POD
node_sel() { local v="SEL_${1//-/_}"; IFS='|' read -r SEL_NS SEL_POD <<<"${!v}"; }

# influx_batch NODE FILE: one batch of the node as Telegraf sends it: with
# the host tag Telegraf adds (the node's name), appended to FILE
influx_batch() {
	node_opts "$1"
	"$EXECD" --once "${OPTS[@]}" 2>"$T/execd.err" >"$T/batch.lp" || fail "$1: podmem-execd: $(cat "$T/execd.err")"
	sed "s/^\(podmem_[a-z]*\)\([, ]\)/\1,host=$1\2/" "$T/batch.lp" >>"$2"
}
