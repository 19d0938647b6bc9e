# Shared by cli_fixtures.sh and cli_badinput.sh (sourced after lib.sh): make
# a fixture node with tests/fixtures/mktree.sh, take one `podmem --json`
# sample of it and compare every field of every pod, container and group,
# and the node, with what the fixture wrote (cli_fixture_check.jq).

command -v jq >/dev/null || skip "jq is not installed"
[ -x "$B/podmem" ] || fail "$B/podmem is not built (make build-all FRONTENDS=cli)"
CHECK=$SRC/tests/integration/cli_fixture_check.jq
PODMEM_VERSION=$(sed -n 's/^#define PODMEM_VERSION "\(.*\)"$/\1/p' "$SRC/common/podmem.h")
[ -n "$PODMEM_VERSION" ] || fail "cannot read PODMEM_VERSION from common/podmem.h"
EMPTY=$T/empty-logs
mkdir -p "$EMPTY"

# the runtime podmem must report for a container leaf of DRIVER/RUNTIME:
# cgroupfs leaves of containerd and docker are bare IDs, so nothing tells
expected_runtime() {
	case $1/$2 in
	cgroupfs/containerd | cgroupfs/docker) echo "" ;;
	*/crio) echo crio ;;
	systemd/containerd) echo containerd ;;
	systemd/docker) echo docker ;;
	*) fail "no expected runtime for $1/$2" ;;
	esac
}

# kubelet's pod cgroup, relative to the root: pod_path DRIVER PREFIX QOS UID
pod_path() {
	local driver=$1 prefix=$2 qos=$3 uid=$4 base="" pfx=""
	[ -n "$prefix" ] && base=$prefix/
	if [ "$driver" = systemd ]; then
		[ -n "$prefix" ] && pfx=$(basename "$prefix" .slice)-
		local u=${uid//-/_}
		base=$base${pfx}kubepods.slice
		case $qos in
		guaranteed) echo "$base/${pfx}kubepods-pod$u.slice" ;;
		*) echo "$base/${pfx}kubepods-$qos.slice/${pfx}kubepods-$qos-pod$u.slice" ;;
		esac
	else
		case $qos in
		guaranteed) echo "${base}kubepods/pod$uid" ;;
		*) echo "${base}kubepods/$qos/pod$uid" ;;
		esac
	fi
}

# make_fixture NAME MKTREE_ARGS...: writes the fixture to $T/NAME and sets D,
# VERSION, DRIVER, RUNTIME, PREFIX, KUBE and the podmem options OPTS
make_fixture() {
	local name=$1; shift
	D=$T/$name VERSION=1 DRIVER=cgroupfs RUNTIME=containerd PREFIX="" KUBE=1
	local a=("$@") i
	for ((i = 0; i < ${#a[@]}; i++)); do
		case ${a[$i]} in
		--version) VERSION=${a[$((i + 1))]} ;;
		--driver) DRIVER=${a[$((i + 1))]} ;;
		--runtime) RUNTIME=${a[$((i + 1))]} ;;
		--prefix) PREFIX=${a[$((i + 1))]} ;;
		--no-kube) KUBE=0 ;;
		esac
	done
	"$SRC/tests/fixtures/mktree.sh" "$D" "$@" || fail "$name: mktree.sh $* failed"
	[ -s "$D/expect.tsv" ] || fail "$name: the fixture wrote no expect.tsv"
	OPTS=(--cgroup-root "$D/cgroup" --proc-root "$D/proc" --pod-log-dir "$D/log/pods" --container-log-dir "$D/log/containers"
		--sys-root "$D/sys")
}

# pods.tsv and ids.tsv: what the test expects of each pod's identity, from
# the fixture's pod log directories (<ns>_<pod>_<uid>), kubelet's cgroup
# naming and mktree.sh's container IDs (sha256 of "<uid>/<container>"), and
# whether podmem may trust the names (1: Kubernetes names, lib.sh's k8s_label
# and k8s_subdomain; 0: shown by UID and ID)
write_identities() {
	local dir b ns rest uid pod q found qos path ctr id trusted ctr_trusted
	declare -A uid_of
	: > "$D/pods.tsv"; : > "$D/ids.tsv"
	[ "$KUBE" = 1 ] || return 0
	for dir in "$D"/log/pods/*/; do
		b=$(basename "$dir")
		ns=${b%%_*} rest=${b#*_}
		uid=${rest##*_} pod=${rest%_*}
		found=0
		for q in guaranteed burstable besteffort; do
			path=$(pod_path "$DRIVER" "$PREFIX" "$q" "$uid")
			if [ -d "$D/cgroup/$path" ]; then found=$((found + 1)); qos=$q; fi
		done
		[ "$found" = 1 ] || fail "$D: pod $uid: found $found directories by kubelet's $DRIVER naming (prefix '$PREFIX')"
		path=$(pod_path "$DRIVER" "$PREFIX" "$qos" "$uid")
		trusted=0
		k8s_label "$ns" && k8s_subdomain "$pod" && trusted=1
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$ns" "$pod" "$uid" "$qos" "$path" "$trusted" >> "$D/pods.tsv"
		uid_of["$ns	$pod"]=$uid
	done
	while IFS=$'\t' read -r ns pod ctr; do
		uid=${uid_of["$ns	$pod"]:-}
		[ -n "$uid" ] || fail "$D: no pod log directory for $ns/$pod"
		id=$(printf '%s' "$uid/$ctr" | sha256sum | cut -c1-64)
		[ -n "$(find "$D/cgroup" -type d -name "*$id*" -print -quit)" ] ||
			fail "$D: no cgroup for container $ns/$pod/$ctr (id $id): has mktree.sh's ID scheme changed?"
		ctr_trusted=0
		k8s_label "$ns" && k8s_subdomain "$pod" && { [ "$ctr" = POD ] || k8s_label "$ctr"; } && ctr_trusted=1
		printf '%s\t%s\t%s\t%s\t%s\n' "$ns" "$pod" "$ctr" "$id" "$ctr_trusted" >> "$D/ids.tsv"
	done < <(awk -F'\t' '$1 == "container" {print $2 "\t" $3 "\t" $4}' "$D/expect.tsv" | sort -u)
	local qs
	qs=$(cut -f4 "$D/pods.tsv" | sort -u | tr '\n' ' ')
	assert_eq "$D: QoS classes in the fixture" "besteffort burstable guaranteed " "$qs"
}

# check NAMED [PODMEM_ARGS...]: one sample of the fixture in D, checked
# against its expect.tsv; NAMED=0 when the arguments hide the log directories
check() {
	local named=$1; shift
	local tag=$D out err res n rows checked
	[ "$named" = 1 ] || tag="$D (unnamed)"
	out=$D/out.$named.json err=$D/err.$named
	"$B/podmem" --json "${OPTS[@]}" "$@" > "$out" 2> "$err" || fail "$tag: podmem exited $?: $(head -c 1000 "$err")"
	# the only lines: one for each log entry whose names are not Kubernetes names
	[ -z "$(grep -v "' is not trusted: " "$err")" ] || fail "$tag: podmem wrote to stderr on a valid fixture: $(head -c 1000 "$err")"
	if [ "$named" = 1 ]; then
		assert_untrusted_said "$D" "$err" >/dev/null
	else
		assert_eq "$tag: lines saying a log name is not trusted" 0 "$(grep -c . "$err")"
	fi
	write_identities
	# physical RAM, from the fixture's memory blocks: the online ones times their size
	local blocks physical
	blocks=$(grep -lx online "$D"/sys/devices/system/memory/memory*/state | wc -l)
	physical=$((blocks * 16#$(cat "$D/sys/devices/system/memory/block_size_bytes")))
	res=$(jq -n -r -f "$CHECK" --slurpfile out "$out" --rawfile exp "$D/expect.tsv" --rawfile mi "$D/proc/meminfo" \
		--rawfile psi "$D/proc/pressure/memory" --argjson physical "$physical" \
		--rawfile pods "$D/pods.tsv" --rawfile ids "$D/ids.tsv" --arg version "$VERSION" \
		--arg runtime "$(expected_runtime "$DRIVER" "$RUNTIME")" --arg named "$named" --arg kube "$KUBE" \
		--arg root "$D/cgroup" --arg podmem "$PODMEM_VERSION" |
		jq -r '"\(.checked) \(.errors | length)", .errors[:40][]') ||
		fail "$tag: podmem's output is not JSON, or the jq check itself failed: $(head -c 500 "$out")"
	read -r checked n <<< "$res"
	if [ "$n" != 0 ]; then
		printf '%s\n' "$res" | tail -n +2 >&2
		fail "$tag: $n mismatches against expect.tsv (first 40 above)"
	fi
	rows=$(wc -l < "$D/expect.tsv")
	[ "$checked" -ge "$rows" ] || fail "$tag: only $checked values compared, expect.tsv has $rows"
	CHECKED=$((CHECKED + checked))
	check_table "$out" "$@"
}

# check_table SAMPLE [PODMEM_ARGS...]: the table (--containers) shows the JSON
# sample's numbers: the node line, then one row per pod and container, in
# the same order, each column in the table's binary units ("-" when absent)
check_table() {
	local sample=$1 table; shift
	table=$("$B/podmem" --containers "${OPTS[@]}" "$@" 2>"$D/table.err") || fail "$D: podmem (table) exited $?: $(cat "$D/table.err")"
	[ -z "$(grep -v "' is not trusted: " "$D/table.err")" ] || fail "$D: podmem (table) wrote to stderr: $(cat "$D/table.err")"
	printf '%s\n' "$table" > "$D/table"
	jq -r '
		# (names hold no tab or newline here; @tsv would escape their backslashes)
		def v($o; $k): if $o | has($k) then $o[$k] else "-" end;
		["usage", "limit", "working_set", "working_set_kubelet", "active_anon", "inactive_anon", "active_file",
		 "inactive_file", "shmem", "file_dirty", "kernel"] as $cols
		| (["node"] + [.node as $n | "total", "usage", "app", "kernel", "unaccounted", "free", "reserved" | v($n; .)] | map(tostring) | join("\t")),
		  (["header", if .kubernetes then "NAMESPACE/POD" else "CGROUP" end] | map(tostring) | join("\t")),
		  (.pods[] | (["pod", (if .namespace != "" then .namespace + "/" else "" end) + .pod, .qos] + [. as $o | $cols[] | v($o; .)] | map(tostring) | join("\t")),
		   (.containers[] | (["container", "  " + .container, ""] + [. as $o | $cols[] | v($o; .)] | map(tostring) | join("\t"))))' \
		"$sample" > "$D/table.expect" || fail "$D: jq failed on the sample"
	local problems
	problems=$(awk -F'\t' '
		function human(x,   u, units) {
			if (x == "-") return "-"
			split("B Ki Mi Gi Ti Pi Ei", units, " ")
			for (u = 1; x >= 1024 && u < 7; u++) x /= 1024
			if (u == 1) return sprintf("%.0f%s", x, units[u])
			return sprintf(x < 9.995 ? "%.2f%s" : x < 99.95 ? "%.1f%s" : "%.0f%s", x, units[u])
		}
		NR == FNR { wanted[++n] = $0; next }
		{ got[++m] = $0 }
		END {
			if (m != n) print "the table has " m " lines, expected " n
			for (i = 1; i <= n && i <= m; i++) {
				k = split(wanted[i], e, "\t"); line = got[i]
				if (e[1] == "node") {
					want = sprintf("node: total %s  used %s  app %s  kernel %s  unaccounted %s  free %s  reserved %s",
						human(e[2]), human(e[3]), human(e[4]), human(e[5]), human(e[6]), human(e[7]), human(e[8]))
					if (line != want) print "node line: \"" line "\", expected \"" want "\""
					continue
				}
				if (e[1] == "header") {
					if (index(line, e[2] " ") != 1) print "header: \"" line "\""
					continue
				}
				# the label (cut to 60 columns with a "~"), then (pods) the QoS class, then the 11 columns
				label = e[2]; cols = label; gsub(/[\200-\277]/, "", cols)
				if (length(cols) > 60) label = substr(label, 1, 59) "~"
				if (index(line, label " ") != 1) print "line " i ": \"" line "\" does not start with \"" label "\""
				nf = split(line, f, " ")
				if (e[1] == "pod" && e[3] != "" && f[nf - 11] != e[3]) print "line " i ": QoS \"" f[nf - 11] "\", expected " e[3]
				for (c = 4; c <= k; c++) {
					want = human(e[c]); have = f[nf - 11 + c - 3]
					if (have != want) print "line " i " (" e[2] ") column " (c - 3) ": \"" have "\", expected \"" want "\" (" e[c] ")"
				}
			}
		}' "$D/table.expect" "$D/table")
	[ -z "$problems" ] || fail "$(printf '%s: the table:\n%s\n%s' "$D" "$problems" "$table")"
}
CHECKED=0
