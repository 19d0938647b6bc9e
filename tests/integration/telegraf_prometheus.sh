#!/usr/bin/env bash
# podmem-execd --format prometheus, as node_exporter's textfile collector
# reads it: promtool check metrics passes with no lint problem; every family
# has # HELP and # TYPE, grouped; names and units follow the catalogue;
# every sample equals `podmem --json` of the same tree; --output replaces
# the file atomically.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_telegraf.sh"

command -v promtool >/dev/null || skip "promtool is not installed (apt-get install prometheus)"

fixture_set "$T/fx"
for fx in "${FIXTURES[@]}"; do
	dir=$T/fx/$fx
	fix_opts "$dir"
	mkdir "$dir/textfile"
	prom=$dir/textfile/podmem.prom
	"$EXECD" "${FIX_OPTS[@]}" --once --format prometheus --output "$prom" 2>"$T/execd.err" ||
		fail "$fx: podmem-execd --once failed: $(cat "$T/execd.err")"
	[ -z "$(grep -v "' is not trusted: " "$T/execd.err")" ] || fail "$fx: podmem-execd complained: $(cat "$T/execd.err")"
	untrusted=$(assert_untrusted_said "$dir" "$T/execd.err")
	case $fx in *-hostile) want=2 ;; v2-oddnames) want=1 ;; *) want=0 ;; esac
	assert_eq "$fx: untrusted log entries said" "$want" "$untrusted"

	lint=$(promtool check metrics <"$prom" 2>&1) || fail "$fx: promtool check metrics: $lint"
	assert_eq "$fx: promtool check metrics output" "" "$lint"

	# families: HELP then TYPE, then the samples, each family in one group;
	# _total exactly on counters; a unit suffix on every family but the
	# gauges of a number of things (the catalogue's COUNT GAUGE metrics);
	# lower-case words, and huge page sizes as the kernel writes them (2MB)
	bad=$(awk -v bare="$(catalogue | awk -F'\t' '$2 == "COUNT" && $3 == "GAUGE" {printf "%s ", $1}')" '
		BEGIN { n = split(bare, b, " "); for (i = 1; i <= n; i++) plain[b[i]] = 1 }
		/^# HELP / { if ($3 in seen) print "family twice: " $3; seen[$3] = 1; help = $3; next }
		/^# TYPE / { if ($3 != help) print "TYPE without HELP: " $3; type[$3] = $4; fam = $3; next }
		/^#/ { print "stray comment: " $0; next }
		{ name = $1; sub(/\{.*/, "", name)
		  if (name != fam) print "sample outside its family: " name
		  if ((type[name] == "counter") != (name ~ /_total$/)) print "counter vs _total: " name " " type[name]
		  base = name; sub(/^podmem_(node|pod|container)_/, "", base)
		  if (name !~ /^podmem_(node|pod|container)_([a-z_]|[0-9]+[KMG]B)+_(bytes|total)$/ && !(type[name] == "gauge" && base in plain)) print "name: " name }' "$prom" | head -5)
	assert_eq "$fx: family structure" "" "$bad"
	grep -q '_seconds_total' "$prom" || [ "$fx" = v1-hostile ] || fail "$fx: no PSI family in seconds"

	# every sample equal to the JSON (PSI microseconds as seconds), nothing more
	podmem_json "${FIX_OPTS[@]}" | json_prometheus >"$dir/expect.prom"
	grep -v '^#' "$prom" >"$dir/got.prom"
	assert_same_lines "$fx: samples vs podmem --json" "$dir/expect.prom" "$dir/got.prom"
	case $fx in
	*-hostile)
		# not trusted: by its UID, no namespace; the names are in no label
		grep -qF "{pod=\"$HOSTILE_UID\",pod_uid=\"$HOSTILE_UID\"," "$prom" || fail "$fx: the hostile pod is not labelled by its UID"
		! grep -qF 'quoted' "$prom" || fail "$fx: an untrusted name is in a label"
		;;
	v2-nokube)
		grep -qF 'pod="grp with space,comma=eq \"quoted\" \\back\\slash,é=ü 漢字"' "$prom" || fail "$fx: hostile group label not escaped as expected"
		grep -qF "pod=\"grp\\n7f9c"$'\t'"x\\\\\"" "$prom" || fail "$fx: newline in a label not escaped as \\n"
		;;
	v2-oddnames)
		grep -qF 'pod="3c4d5e6f-7081-4293-a4b5-0000000000c3"' "$prom" || fail "$fx: the untrusted pod is not labelled by its UID"
		;;
	esac

	# --output: a new file each time (rename, not rewrite), readable by others, no temporary left
	ino1=$(stat -c %i "$prom")
	"$EXECD" "${FIX_OPTS[@]}" --once --format prometheus --output "$prom"
	ino2=$(stat -c %i "$prom")
	[ "$ino1" != "$ino2" ] || fail "$fx: --output rewrote the file in place (inode $ino1)"
	assert_eq "$fx: --output file mode" 644 "$(stat -c %a "$prom")"
	assert_eq "$fx: files in the textfile directory" podmem.prom "$(ls -A "$dir/textfile")"
	note "$fx: $(wc -l <"$dir/got.prom") samples, lint-clean and equal to podmem --json"
done

# an --output that cannot be written: one error line, exit 1, nothing left behind
fix_opts "$T/fx/v2-nokube"
rc=0
"$EXECD" "${FIX_OPTS[@]}" --once --format prometheus --output "$T/nodir/podmem.prom" 2>"$T/err" || rc=$?
assert_eq "exit status for an unwritable --output" 1 "$rc"
assert_eq "error lines" 1 "$(wc -l <"$T/err")"
assert_contains "error line" "$(cat "$T/err")" "E! podmem-execd: cannot write '$T/nodir/podmem.prom'"
