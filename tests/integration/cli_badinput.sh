#!/usr/bin/env bash
# The design's bad-input table, through the podmem CLI: bad options and roots
# (exit 2, one line on stderr naming them), --help, every --sort field, and a
# fixture node with damaged files: truncated, garbage, empty, oversized and
# negative memory.stat, missing and odd one-value files, and hostile names
# in the log directories. Damaged files are parsed as far as they are well
# formed; everything else in the sample must stay exactly right.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli_fixture.bash"
P=$B/podmem

# ---- options and roots -------------------------------------------------------

# expect_usage_error WHAT NEEDLE ARGS...: exit 2, nothing on stdout, one line on stderr holding NEEDLE
expect_usage_error() {
	local what=$1 needle=$2 rc=0; shift 2
	"$P" "$@" > "$T/out" 2> "$T/err" || rc=$?
	assert_eq "$what: exit status" 2 "$rc"
	[ ! -s "$T/out" ] || fail "$what: wrote to stdout: $(head -c 300 "$T/out")"
	assert_eq "$what: lines on stderr ($(head -c 300 "$T/err"))" 1 "$(wc -l < "$T/err")"
	assert_contains "$what: the error names it" "$(cat "$T/err")" "$needle"
}
make_fixture ok --version 1 --driver cgroupfs --runtime containerd
expect_usage_error "unknown long option" "--bogus" "${OPTS[@]}" --bogus
expect_usage_error "unknown short option" "-x" -x "${OPTS[@]}"
expect_usage_error "unknown option with a value" "--json=yes" --json=yes "${OPTS[@]}"
expect_usage_error "a count with a leading blank" "' 5'" -n ' 5' "${OPTS[@]}"
expect_usage_error "a count with a sign" "'+5'" -n +5 "${OPTS[@]}"
expect_usage_error "a node-only metric to sort pods by" "'free' is a node metric" --sort free "${OPTS[@]}"
# the catalogues as JSON: every metric and label, strict JSON
"$P" metrics --json > "$T/metrics.json" || fail "podmem metrics --json exited $?"
assert_eq "podmem metrics --json: metrics" "$(grep -c '^X(' "$SRC/common/pm_catalog.def")" "$(jq length "$T/metrics.json")"
assert_eq "podmem metrics --json: the first" '"usage" "bytes" ["node","pod","container"]' \
	"$(jq -r '.[0] | "\(.name | tojson) \(.unit | tojson) \(.levels | tojson)"' "$T/metrics.json")"
"$P" labels --json > "$T/labels.json" || fail "podmem labels --json exited $?"
assert_eq "podmem labels --json: labels" "$(grep -c '^L(' "$SRC/common/pm_labels.def")" "$(jq length "$T/labels.json")"
expect_usage_error "unknown command" "frobnicate" "${OPTS[@]}" frobnicate
expect_usage_error "--sort nosuchfield" "nosuchfield" "${OPTS[@]}" --sort nosuchfield
expect_usage_error "--sort ''" "--sort" "${OPTS[@]}" --sort ''
expect_usage_error "--top 0" "0" "${OPTS[@]}" --top 0
expect_usage_error "--top x" "'x'" "${OPTS[@]}" --top x
expect_usage_error "--top -1" "-1" "${OPTS[@]}" --top -1
expect_usage_error "--top 5x" "5x" "${OPTS[@]}" --top 5x
expect_usage_error "--top 2^64" "18446744073709551616" "${OPTS[@]}" --top 18446744073709551616
expect_usage_error "-n ''" "--top" "${OPTS[@]}" -n ''
expect_usage_error "--top without a value" "--top" "${OPTS[@]}" --top
expect_usage_error "--sort without a value" "--sort" "${OPTS[@]}" --sort
expect_usage_error "-n without a value" "-n" "${OPTS[@]}" -n
expect_usage_error "--cgroup-root without a value" "--cgroup-root" "${OPTS[@]}" --cgroup-root
expect_usage_error "--pod-log-dir without a value" "--pod-log-dir" "${OPTS[@]}" --pod-log-dir
expect_usage_error "--cgroup-root=''" "--cgroup-root" --cgroup-root= "${OPTS[@]:2}"
expect_usage_error "--proc-root ''" "--proc-root" "${OPTS[@]}" --proc-root ''
expect_usage_error "a nonexistent root" "$T/no-such-root" --cgroup-root "$T/no-such-root"
: > "$T/a-file"
expect_usage_error "a root that is a file" "$T/a-file" --cgroup-root "$T/a-file"
mkdir -p "$T/empty-root"
expect_usage_error "an empty root" "$T/empty-root" --cgroup-root "$T/empty-root"
mkdir -p "$T/bare-root/kubepods/burstable/pod2a3b4c5d-6e7f-4081-9293-0000000000b2/x" "$T/bare-root/system.slice"
echo "not a cgroup" > "$T/bare-root/kubepods/README"
expect_usage_error "a root with directories but no cgroup files" "$T/bare-root" --cgroup-root "$T/bare-root"

# --help: every option, on stdout, exit 0
help=$("$P" --help 2> "$T/err") || fail "--help exited $?"
[ ! -s "$T/err" ] || fail "--help wrote to stderr: $(cat "$T/err")"
assert_eq "-h is --help" "$help" "$("$P" -h)"
# the core options: enum pm_core_opt's members (podmem.h) and the long names in pm_catalog.c
n_core=$(sed -n '/^enum pm_core_opt {/,/^};/p' "$SRC/common/podmem.h" | grep -o 'PM_OPT_[A-Z_]*' | grep -vc '__COUNT' || true)
# "name META" per core option, META being DIR or N
core_meta=$(sed -n '/pm_core_opts\[PM_OPT__COUNT\] = {/,/^};/p' "$SRC/common/pm_catalog.c" |
	sed -n 's/^[[:space:]]*\[PM_OPT_[A-Z_]*\] = {"\([a-z-]*\)", "[A-Za-z]*", "\([A-Z]*\)".*/\1 \2/p' || true)
core=$(printf '%s\n' "$core_meta" | cut -d' ' -f1)
assert_eq "core options read from pm_catalog.c ($core)" "$n_core" "$(printf '%s\n' "$core" | grep -c .)"
for o in cgroup-root proc-root pod-log-dir container-log-dir; do
	grep -qx -- "$o" <<<"$core" || fail "pm_core_opts has no $o (a public option name in design.md)"
done
while read -r o meta; do
	# "  --cgroup-root DIR    help": the option, its value, at least one space, its help
	grep -Eq -- "^  --$o $meta +[^ ]" <<<"$help" ||
		fail "--help: no line '  --$o $meta  <help>': $(printf '%s\n' "$help" | grep -- "--$o" || echo none)"
done <<<"$core_meta"
for o in "--json" "--sort FIELD" "--top N" "--containers" "--help" "--version"; do
	grep -Eq -- "^  (-[a-zA-Z], )?$o( |$)" <<<"$help" || fail "--help does not list $o"
done
assert_eq "--version" "podmem $(sed -n 's/^#define PODMEM_VERSION "\(.*\)"$/\1/p' "$SRC/common/podmem.h")" "$("$P" --version)"

# every FIELD --help offers sorts, largest first (one jq over all the samples)
fields=$(printf '%s\n' "$help" | sed -n 's/^FIELD is one of: *//p')
[ "$(wc -w <<< "$fields")" -ge 20 ] || fail "--help lists too few sort fields: $fields"
mkdir "$T/sorted"
for f in $fields name; do
	"$P" --json --sort "$f" "${OPTS[@]}" > "$T/sorted/$f" 2> "$T/err" || fail "--sort $f exited $?: $(cat "$T/err")"
done
bad=$(cd "$T/sorted" && jq -n -r '
	def desc($a): [range(1; $a | length) | select($a[. - 1] < $a[.])] | length == 0;
	inputs | input_filename as $f
	| if $f == "name" then
		(if [.pods[] | [.namespace, .pod]] != ([.pods[] | [.namespace, .pod]] | sort) then "--sort name: pods not in name order" else empty end)
	  else
		(if desc([.pods[] | .[$f] // 0]) | not then "--sort \($f): pods not largest first" else empty end),
		(.pods[] | select(desc([.containers[] | .[$f] // 0]) | not) | "--sort \($f): containers of \(.pod) not largest first")
	  end' $fields name) || fail "jq failed on the --sort samples"
[ -z "$bad" ] || fail "$bad"
# and the default is working_set
"$P" --json "${OPTS[@]}" | jq -e '[.pods[].working_set] as $a | $a == ($a | sort | reverse)' >/dev/null ||
	fail "the default order is not working_set, largest first"

# ---- damaged files in a fixture node ---------------------------------------------

# the catalogue's v1 memory.stat keys: "total_rss<TAB>anon"
V1KEYS=$(jq -R -s -r '[scan("X\\((\\w+),\\s*\"([^\"]+)\",\\s*\\w+,\\s*\\w+,\\s*[^,]+,\\s*\"([^\"]+)\",\\s*\"([^\"]+)\"")]
	| .[] | select(.[2] | startswith("memory.stat:")) | "\(.[2] | ltrimstr("memory.stat:"))\t\(.[1])"' "$SRC/common/pm_catalog.def")
[ "$(grep -c '^X(' "$SRC/common/pm_catalog.def")" -gt 40 ] && [ "$(grep -c . <<< "$V1KEYS")" -ge 15 ] ||
	fail "cannot read the v1 memory.stat keys from pm_catalog.def: $V1KEYS"
metric_of() { K=$1 awk -F'\t' '$1 == ENVIRON["K"] {print $2}' <<< "$V1KEYS"; }

# expect_set KIND NS POD CTR METRIC VALUE: what the sample must now show ("-": absent)
expect_set() {
	# (through the environment: awk -v would take the backslashes in names as escapes)
	K=$1 N=$2 PD=$3 C=$4 M=$5 V=$6 awk -F'\t' -v OFS='\t' \
		'$1 == ENVIRON["K"] && $2 == ENVIRON["N"] && $3 == ENVIRON["PD"] && $4 == ENVIRON["C"] && $5 == ENVIRON["M"] {
			$6 = ENVIRON["V"]; hit = 1
		 } {print} END {if (!hit) exit 1}' "$D/expect.tsv" > "$D/expect.new" || fail "expect_set $*: no such row"
	mv "$D/expect.new" "$D/expect.tsv"
}
# absent_from KIND NS POD CTR FILE LINE: every catalogue key on line LINE and after of FILE (the original) is absent
absent_from() {
	local k m
	while read -r k _; do
		m=$(metric_of "$k")
		[ -z "$m" ] || expect_set "$1" "$2" "$3" "$4" "$m" -
	done < <(tail -n +"$6" "$5")
}
uid_of() { # uid_of NS POD: from the fixture's pod log directory
	local d
	for d in "$D"/log/pods/"$1_$2"_*; do echo "${d##*_}"; return; done
}
ctr_dir() { # ctr_dir NS POD CTR
	local id
	id=$(printf '%s' "$(uid_of "$1" "$2")/$3" | sha256sum | cut -c1-64)
	find "$D/cgroup" -type d -name "*$id*" -print -quit
}
pod_dir() { find "$D/cgroup" -type d -name "pod$(uid_of "$1" "$2")" -print -quit; } # cgroupfs naming

make_fixture damaged --version 1 --driver cgroupfs --runtime containerd --hostile
HNS='ns with space,comma=eq' HPOD='pod "quoted" \back\slash,é=ü 漢字' HCTR='ctr=1, "two"\three'
APP=$(ctr_dir default web-0 app) SIDECAR=$(ctr_dir default web-0 sidecar) WORKER=$(ctr_dir batch job-7f9c worker)
CORE=$(ctr_dir kube-system coredns-5d78c9869d-x7k2p coredns) CORE_POD=$(ctr_dir kube-system coredns-5d78c9869d-x7k2p POD)
WEB_SANDBOX=$(ctr_dir default web-0 POD) JOB_SANDBOX=$(ctr_dir batch job-7f9c POD)
HCTR_DIR=$(ctr_dir "$HNS" "$HPOD" "$HCTR") HSANDBOX=$(ctr_dir "$HNS" "$HPOD" POD)
WEB=$(pod_dir default web-0) JOB=$(pod_dir batch job-7f9c) CORE_P=$(pod_dir kube-system coredns-5d78c9869d-x7k2p)
HPOD_DIR=$(pod_dir "$HNS" "$HPOD")
for d in "$APP" "$SIDECAR" "$WORKER" "$CORE" "$CORE_POD" "$WEB_SANDBOX" "$JOB_SANDBOX" "$HCTR_DIR" "$HSANDBOX" "$WEB" "$JOB" "$CORE_P" "$HPOD_DIR"; do
	[ -n "$d" ] && [ -f "$d/memory.stat" ] || fail "the fixture lacks a cgroup the test damages ($d)"
done
lineno() { grep -n "^$1 " "$2" | head -1 | cut -d: -f1; } # lineno KEY FILE

# 1. web-0/app: truncated in the middle of a number (total_inactive_file)
orig=$T/app.stat; cp "$APP/memory.stat" "$orig"
ln=$(lineno total_inactive_file "$orig")
full=$(sed -n "${ln}p" "$orig" | cut -d' ' -f2)
[ "${#full}" -ge 4 ] || fail "total_inactive_file is too short to cut: $full"
cut_digits=${full:0:$((${#full} / 2))}
{ head -n $((ln - 1)) "$orig"; printf 'total_inactive_file %s' "$cut_digits"; } > "$APP/memory.stat"
absent_from container default web-0 app "$orig" $((ln + 1))
# (the cut value itself is looked at once the sample is taken)

# 2. web-0/sidecar: truncated in the middle of a key (total_shm|em)
orig=$T/sidecar.stat; cp "$SIDECAR/memory.stat" "$orig"
ln=$(lineno total_shmem "$orig")
{ head -n $((ln - 1)) "$orig"; printf 'total_shm'; } > "$SIDECAR/memory.stat"
absent_from container default web-0 sidecar "$orig" "$ln"

# 3. batch/job-7f9c/worker: an empty memory.stat
orig=$T/worker.stat; cp "$WORKER/memory.stat" "$orig"
: > "$WORKER/memory.stat"
absent_from container batch job-7f9c worker "$orig" 1

# 4. coredns/coredns: garbage after the real keys up to total_shmem: binary
#    bytes with NULs, a 200 KiB line, ill-formed values for keys already seen
#    (they must not overwrite them), then more binary bytes
orig=$T/coredns.stat; cp "$CORE/memory.stat" "$orig"
ln=$(lineno total_shmem "$orig")
{
	head -n "$ln" "$orig"
	perl -e 'srand(42); print map { chr(int(rand(256))) } 1 .. 49152'
	printf '\n'; head -c 204800 /dev/zero | tr '\0' 'x'; printf '\n'
	printf 'total_rss 12abc\ntotal_cache 99999999999999999999999\ntotal_shmem\ntotal_rss_huge -\n total_dirty 5\ntotal_dirty\t\t\n'
	perl -e 'srand(7); print map { chr(int(rand(256))) } 1 .. 8192'
} > "$CORE/memory.stat"
absent_from container kube-system coredns-5d78c9869d-x7k2p coredns "$orig" $((ln + 1))

# 5. coredns/POD: the real keys after 100 KiB of well-formed unknown keys
orig=$T/corepod.stat; cp "$CORE_POD/memory.stat" "$orig"
{ awk 'BEGIN {for (i = 0; i < 4000; i++) printf "unknown_key_%06d %d\n", i, i * 4096}'; cat "$orig"; } > "$CORE_POD/memory.stat"
[ "$(stat -c %s "$CORE_POD/memory.stat")" -gt 102400 ] || fail "the junk is too short"

# 6. pod batch/job-7f9c: the real keys, then 1 MiB of unknown keys
orig=$T/job.stat; cp "$JOB/memory.stat" "$orig"
{ cat "$orig"; awk 'BEGIN {for (i = 0; i < 40000; i++) printf "total_unknown_%06d %d\n", i, i}'; } > "$JOB/memory.stat"
[ "$(stat -c %s "$JOB/memory.stat")" -gt 1048576 ] || fail "the junk is too short"

# 7. batch/job-7f9c/POD: a negative counter (kernel bugs): 0
sed -i 's/^total_rss [0-9]*$/total_rss -4096/' "$JOB_SANDBOX/memory.stat"
grep -qx 'total_rss -4096' "$JOB_SANDBOX/memory.stat" || fail "could not write the negative value"
expect_set container batch job-7f9c POD anon 0

# 8. web-0/POD: no memory.usage_in_bytes (the working set and unaccounted need it)
rm "$WEB_SANDBOX/memory.usage_in_bytes"
expect_set container default web-0 POD usage -

# 9. the hostile pod's container: no memory.limit_in_bytes
rm "$HCTR_DIR/memory.limit_in_bytes"
expect_set container "$HNS" "$HPOD" "$HCTR" limit -

# 10. the hostile pod's sandbox: garbage in one-value files; an empty peak
echo "12abc" > "$HSANDBOX/memory.usage_in_bytes"
: > "$HSANDBOX/memory.max_usage_in_bytes"
printf '\0\0\0' > "$HSANDBOX/memory.failcnt"
expect_set container "$HNS" "$HPOD" POD usage -
expect_set container "$HNS" "$HPOD" POD peak -
expect_set container "$HNS" "$HPOD" POD events_max -

# 11. pod web-0: a limit of exactly 2^62 is unlimited; pod coredns: 2^62 - 4096 is a limit
echo 4611686018427387904 > "$WEB/memory.limit_in_bytes"
expect_set pod default web-0 "" limit -
echo 4611686018427383808 > "$CORE_P/memory.limit_in_bytes"
expect_set pod kube-system coredns-5d78c9869d-x7k2p "" limit 4611686018427383808

# 12. the hostile pod: memory.stat cannot be read (a link to a directory: EISDIR)
orig=$T/hpod.stat; cp "$HPOD_DIR/memory.stat" "$orig"
rm "$HPOD_DIR/memory.stat"; ln -s . "$HPOD_DIR/memory.stat"
absent_from pod "$HNS" "$HPOD" "" "$orig" 1

# one sample, plain and under ASan and UBSan
"$P" --json "${OPTS[@]}" > "$D/damaged.json" 2> "$D/damaged.err" || fail "podmem exited $? on damaged files: $(head -c 800 "$D/damaged.err")"
jq -e . "$D/damaged.json" >/dev/null || fail "podmem's output on damaged files is not JSON"
got=$(jq -r --arg id "$(basename "$APP")" '.pods[].containers[] | select(.container_id == $id) | .inactive_file // "-"' "$D/damaged.json")
# a number cut short is either dropped or read as the digits that are there
case $got in
-) ;;
"$cut_digits") note "a number cut short at the end of memory.stat is read as its first digits ($full -> $got)" ;;
*) fail "web-0/app: total_inactive_file cut to '$cut_digits' (was $full) gave inactive_file '$got'" ;;
esac
expect_set container default web-0 app inactive_file "$got"
check 1 # (checks stderr is empty as well)
cp "$D/out.1.json" "$D/damaged.json"
[ -x "$B/san/podmem" ] || fail "build the sanitized podmem first: make build/san/podmem"
ASAN_OPTIONS=detect_leaks=1 "$B/san/podmem" --json "${OPTS[@]}" > "$D/san.json" 2> "$D/san.err" ||
	fail "podmem under ASan/UBSan failed on damaged files: $(head -c 2000 "$D/san.err")"
[ -z "$(grep -v "' is not trusted: " "$D/san.err")" ] || fail "podmem under ASan/UBSan: $(head -c 2000 "$D/san.err")"
assert_eq "untrusted log entries said under ASan/UBSan" 2 "$(assert_untrusted_said "$D" "$D/san.err")"
jq -S 'del(.time_ns)' "$D/san.json" > "$D/san.norm"
jq -S 'del(.time_ns)' "$D/damaged.json" > "$D/plain.norm"
cmp -s "$D/san.norm" "$D/plain.norm" || fail "the sanitized podmem's sample differs from the plain one"

# ---- hostile names in the log directories ----------------------------------------
# Not Kubernetes names: not trusted. The pod is shown by its UID, its container
# by its ID, and each entry is said once, on one line whatever its bytes.

make_fixture hostile-logs --version 2 --driver systemd --runtime docker --hostile
uid=$(uid_of "$HNS" "$HPOD")
[ -n "$uid" ] || fail "no hostile pod log directory"
old_id=$(printf '%s' "$uid/$HCTR" | sha256sum | cut -c1-64)
NS2=$'ns "q" \\b\tt'
POD2=$'pod with space, "quotes",\nnew line \x01\x1f\x7f é 漢字 =eq \\'
CTR2=$'ctr "c"\nx y\\z\t=,'
mv "$D/log/pods/${HNS}_${HPOD}_$uid" "$D/log/pods/${NS2}_${POD2}_$uid"
rm "$D/log/containers/${HPOD}_${HNS}_${HCTR}-$old_id.log"
ln -s "../pods/${NS2}_${POD2}_$uid/$HCTR/0.log" "$D/log/containers/${POD2}_${NS2}_${CTR2}-$old_id.log"
"$P" --json "${OPTS[@]}" > "$D/out.json" 2> "$D/err" || fail "podmem exited $? on hostile log names: $(cat "$D/err")"
assert_eq "hostile names: the JSON is one line" 1 "$(wc -l < "$D/out.json")"
jq -e . "$D/out.json" >/dev/null 2>&1 || fail "hostile names: the output is not JSON: $(head -c 1500 "$D/out.json")"
res=$(jq -r --arg uid "$uid" --arg id "$old_id" '
	[.pods[] | select(.pod_uid == $uid)] as $f
	| if ($f | length) != 1 then "pod \($uid): found \($f | length) times"
	  else $f[0] as $p
	  | (if $p.namespace != "" then "namespace \($p.namespace | tojson): expected none" else empty end),
	    (if $p.pod != $uid then "pod \($p.pod | tojson): expected its UID" else empty end),
	    (if ($p.containers | length) != 2 then "\($p.containers | length) containers, expected 2" else empty end),
	    ($p.containers[] | select(.container != .container_id or .sandbox) | "container \(.container | tojson): expected its ID, not the sandbox")
	  end,
	  (if [.pods[] | select(.namespace != "") | .pod] != ["job-7f9c", "web-0", "coredns-5d78c9869d-x7k2p"]
	   then "the named pods: \([.pods[] | select(.namespace != "") | .pod])" else empty end)' "$D/out.json")
[ -z "$res" ] || fail "hostile names: $res"
[ -z "$(grep -v "' is not trusted: " "$D/err")" ] || fail "hostile names: podmem said more: $(cat "$D/err")"
assert_eq "hostile names: untrusted entries said" 2 "$(assert_untrusted_said "$D" "$D/err")"
perl -ne 'chomp; exit 1 if /[\x00-\x1f\x7f-\xff]/' "$D/err" || fail "hostile names: raw bytes in the warnings: $(cat -A "$D/err")"
grep -qF "pod log directory 'ns \"q\" \\x5cb\\x09t_pod with space, \"quotes\",\\x0anew line \\x01\\x1f\\x7f \\xc3\\xa9 " "$D/err" ||
	fail "hostile names: the pod log directory's name is not said escaped: $(cat "$D/err")"
grep -qF "' in '$D/log/pods' is not trusted: its namespace is not a DNS-1123 label (a byte other than a-z, 0-9 and '-'); its pod is shown by its UID" "$D/err" ||
	fail "hostile names: the reason is not said: $(cat "$D/err")"
"$P" --containers "${OPTS[@]}" > "$D/table" 2> "$D/err" || fail "podmem (table) exited $? on hostile log names: $(cat "$D/err")"
assert_eq "hostile names: table lines (node, header, 4 pods, 9 containers)" 15 "$(wc -l < "$D/table")"
grep -q "^$uid " "$D/table" || fail "hostile names: the pod's row (its UID) is not in the table: $(cat -A "$D/table")"

# ---- hostile names of cgroups (a host without Kubernetes: the groups) --------------
# The names reach every output: JSON escapes them, the table passes no control character

make_fixture hostile-groups --version 2 --no-kube
mv "$D/cgroup/user.slice" "$D/cgroup/$POD2"
"$P" --json "${OPTS[@]}" > "$D/out.json" 2> "$D/err" || fail "podmem exited $? on hostile group names: $(cat "$D/err")"
[ ! -s "$D/err" ] || fail "hostile group names: podmem wrote to stderr: $(cat "$D/err")"
assert_eq "hostile group names: the JSON is one line" 1 "$(wc -l < "$D/out.json")"
perl -ne 'chomp; exit 1 if /[\x00-\x1f]/' "$D/out.json" || fail "hostile group names: raw control characters in the JSON"
jq -e . "$D/out.json" >/dev/null 2>&1 || fail "hostile group names: the output is not JSON: $(head -c 1500 "$D/out.json")"
assert_eq "hostile group names: the group, by its name" "group|$POD2|$POD2" \
	"$(jq -r --arg g "$POD2" '.pods[] | select(.pod == $g) | "\(.kind)|\(.pod)|\(.cgroup)"' "$D/out.json")"
assert_eq "hostile group names: groups" 4 "$(jq '.pods | length' "$D/out.json")"
# and the escapes themselves, in the raw text
for esc in '\"quotes\"' '\\' '\u0001' '\u001f'; do
	grep -qF -- "$esc" "$D/out.json" || fail "hostile group names: no $esc escape in the JSON"
done
grep -qF -e '\n' -e '\u000a' "$D/out.json" || fail "hostile group names: the newline is not escaped"
# the table: still one line per group, no control characters reach the terminal
"$P" --containers "${OPTS[@]}" > "$D/table" 2> "$D/err" || fail "podmem (table) exited $? on hostile group names: $(cat "$D/err")"
perl -ne 'chomp; exit 1 if /[\x00-\x1f\x7f]/' "$D/table" || fail "hostile group names: control characters in the table: $(cat -A "$D/table")"
assert_eq "hostile group names: table lines (node, header, 4 groups, 2 cgroups in them)" 8 "$(wc -l < "$D/table")"
grep -q "^pod with space, \"quotes\",?new line ???" "$D/table" ||
	fail "hostile group names: the group's row (control characters as '?') is not in the table: $(cat -A "$D/table")"
note "damaged files and hostile names: sample exact, $CHECKED values compared"
