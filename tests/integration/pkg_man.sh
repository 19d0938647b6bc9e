#!/usr/bin/env bash
# The man pages in docs/man: clean under mandoc -Tlint, and each documents,
# as a tagged paragraph of its own, exactly the options its program's --help
# lists (podmem's with those of `podmem files --help` and `podmem explain
# --help`), and collectd-podmem(5) exactly the options the collectd plugin
# accepts (plugins/collectd/pm_collectd.c's report_key[] and set_option(),
# and the core's CgroupRoot... in common/pm_catalog.c), plus collectd's own
# Interval.
. "$(dirname "$0")/lib.sh"

command -v mandoc >/dev/null || skip "mandoc is not installed (apt-get install mandoc)"
M=$SRC/docs/man

for p in podmem.1 podmem-execd.1 podmem-agentx.8 collectd-podmem.5; do
	[ -f "$M/$p" ] || fail "no docs/man/$p"
	out=$(mandoc -Tlint "$M/$p" 2>&1) || fail "mandoc -Tlint docs/man/$p: $out"
	[ -z "$out" ] || fail "mandoc -Tlint docs/man/$p: $out"
done

# help_opts: the options of --help output on stdin, one a line: the leading
# "-x, --long" words of each line that starts with blanks and a dash
help_opts() {
	awk '/^ +-/ { n = split($0, w, " ")
		for (i = 1; i <= n; i++) { t = w[i]; c = sub(/,$/, "", t); if (t ~ /^-/) print t; if (!c) break } }' | sort -u
}
# man_tags PAGE: the words of the page's tagged paragraphs (.TP) as rendered:
# lines indented by 7 blanks whose first word starts with a dash or a capital
# letter, split at ", "
man_tags() {
	mandoc -Tascii "$M/$1" | col -b | awk '/^       [^ ]/ { n = split($0, w, " ")
		for (i = 1; i <= n; i++) { t = w[i]; c = sub(/,$/, "", t); print t; if (!c) break } }' | sort -u
}

# check_page PAGE WHAT EXPECTED_FILE TAG_PATTERN: every expected option is a
# tag of PAGE, and every tag of PAGE that looks like an option is expected
check_page() {
	local page=$1 what=$2 want=$3 pat=$4 missing extra
	[ -s "$want" ] || fail "no options found for $page ($what)"
	man_tags "$page" | grep -E "$pat" | sort -u >"$T/tags"
	missing=$(comm -23 "$want" "$T/tags" | tr '\n' ' ')
	extra=$(comm -13 "$want" "$T/tags" | tr '\n' ' ')
	[ -z "$missing" ] || fail "docs/man/$page does not document (as a tagged paragraph) what $what has: $missing"
	[ -z "$extra" ] || fail "docs/man/$page documents what $what does not have: $extra"
	note "$page: the $(wc -l <"$want") options of $what"
}

[ -x "$B/podmem" ] && [ -x "$B/podmem-execd" ] || fail "build first: make build-all"
{ "$B/podmem" --help; "$B/podmem" files --help; "$B/podmem" explain --help; } | help_opts >"$T/podmem"
check_page podmem.1 "podmem --help, files --help and explain --help" "$T/podmem" '^-'
"$B/podmem-execd" --help | help_opts >"$T/execd"
check_page podmem-execd.1 "podmem-execd --help" "$T/execd" '^-'
if [ -x "$B/podmem-agentx" ]; then
	"$B/podmem-agentx" --help | help_opts >"$T/agentx"
	check_page podmem-agentx.8 "podmem-agentx --help" "$T/agentx" '^-'
else
	note "SKIP of podmem-agentx.8's options: podmem-agentx is not built (libsnmp-dev)"
fi

# the collectd plugin's options, read from its source
{
	sed -n '/report_key\[REPORT__COUNT\] = {/,/};/p' "$SRC/plugins/collectd/pm_collectd.c" | grep -oE '"[A-Za-z]+"'
	grep -oE 'strcasecmp\(k, "[A-Za-z]+"\)' "$SRC/plugins/collectd/pm_collectd.c" | grep -oE '"[A-Za-z]+"'
	sed -n '/pm_core_opts\[PM_OPT__COUNT\] = {/,/^};/p' "$SRC/common/pm_catalog.c" | grep -oE '\{"[a-z-]+", "[A-Za-z]+"' | grep -oE '"[A-Z][A-Za-z]+"'
	echo Interval
} | tr -d '"' | sort -u >"$T/collectd"
[ "$(wc -l <"$T/collectd")" -ge 10 ] || fail "found only $(wc -l <"$T/collectd") collectd options in pm_collectd.c: $(tr '\n' ' ' <"$T/collectd")"
check_page collectd-podmem.5 "the collectd plugin (pm_collectd.c)" "$T/collectd" '^[A-Z][a-z]+[A-Z][A-Za-z]*$|^(Interval|Namespace|Metrics)$'
