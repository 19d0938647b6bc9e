#!/usr/bin/env bash
# The README stays true: its metric list is the catalogue, and it shows the two commands.
. "$(dirname "$0")/lib.sh"

readme=$SRC/README.md
sed -n '/<!-- metrics:begin -->/,/<!-- metrics:end -->/p' "$readme" | sed '1d;$d' > "$T/readme-metrics"
"$B/podmem" metrics > "$T/catalogue"
diff -u "$T/catalogue" "$T/readme-metrics" > "$T/diff" || fail "README's metric list differs from 'podmem metrics' (regenerate it): $(head -20 "$T/diff")"
n=$(grep -c '^| `' "$T/catalogue")
[ "$n" -ge 40 ] || fail "only $n metrics in the catalogue"
assert_contains "README" "$(cat "$readme")" "make run"
assert_contains "README" "$(cat "$readme")" "make check"
grep -q 'make check' "$SRC/.ci/run" || fail ".ci/run does not run make check"
# every option of every front end's --help is documented
for cmd in "" files explain; do
	for opt in $("$B/podmem" $cmd --help | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "$opt" "$readme" || fail "README does not mention podmem ${cmd:+$cmd }$opt"
	done
done
# its label list is the label catalogue
sed -n '/<!-- labels:begin -->/,/<!-- labels:end -->/p' "$readme" | sed '1d;$d' > "$T/readme-labels"
"$B/podmem" labels > "$T/labels"
diff -u "$T/labels" "$T/readme-labels" > "$T/diff" || fail "README's label list differs from 'podmem labels' (regenerate it): $(head -20 "$T/diff")"
assert_eq "labels in the catalogue" "$(grep -c '^L(' "$SRC/common/pm_labels.def")" "$(grep -c '^| `' "$T/labels")"
# the explain rules are the code's table
sed -n '/<!-- explain-rules:begin -->/,/<!-- explain-rules:end -->/p' "$readme" | sed '1d;$d' > "$T/readme-rules"
"$B/podmem" explain --rules > "$T/rules"
diff -u "$T/rules" "$T/readme-rules" > "$T/diff" || fail "README's explain rules differ from 'podmem explain --rules': $(head -20 "$T/diff")"
