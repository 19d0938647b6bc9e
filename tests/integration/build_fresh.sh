#!/usr/bin/env bash
# The README's first command on a machine without the check-only packages:
# in a fresh copy of the tree, inside a private mount namespace in which the
# collectd and net-snmp include directories are hidden under empty tmpfs
# mounts, `make run` prints podmem's table, and plain `make` builds what it
# can, says once for each skipped front end which package it needs, builds
# no test program and never ends in a compiler error.
. "$(dirname "$0")/lib.sh"

command -v unshare >/dev/null || skip "unshare is not installed (util-linux)"
unshare -m true 2>/dev/null || skip "cannot make a mount namespace here (unshare -m: not root?)"
command -v git >/dev/null || skip "git is not installed"

# the tree as it is now (tracked and new files, not build/)
mkdir "$T/p"
(cd "$SRC" && git ls-files -z -co --exclude-standard | xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$T/p"
[ -f "$T/p/Makefile" ] || fail "could not copy the tree"

hide=""
for d in /usr/include/collectd /usr/include/net-snmp; do
	[ -d "$d" ] && hide="$hide mount -t tmpfs -o size=1m none $d &&"
done
in_ns() { (cd "$T/p" && unshare -m sh -c "$hide $*") 2>&1; }

# the run command
out=$(in_ns make run) || fail "make run exited $?: $(printf '%s\n' "$out" | tail -5)"
assert_not_contains "make run" "$out" "error:"
grep -Eq '^(NAMESPACE/POD|CGROUP) +(QOS +)?USAGE +LIMIT +WS ' <<<"$out" ||
	fail "make run printed no table: $(printf '%s\n' "$out" | tail -5)"
[ -x "$T/p/build/podmem" ] || fail "make run did not build build/podmem"
for f in podmem-execd podmem.so podmem-agentx; do
	[ ! -e "$T/p/build/$f" ] || fail "make run built $f too: it needs only podmem"
done
note "make run prints the table with $(printf '%s\n' "$out" | grep -c '') lines of output"

# plain make: what it can, and one line per skipped front end
out=$(in_ns make) || fail "make exited $?: $(printf '%s\n' "$out" | grep -m3 -E 'error|\*\*\*')"
assert_not_contains "make" "$out" "error:"
assert_not_contains "make" "$out" "No such file"
if [ -d /usr/include/collectd ]; then
	assert_eq "collectd skip lines" 1 "$(printf '%s\n' "$out" | grep -c '^podmem: skipping the collectd plugin: collectd-dev is not installed$')"
	[ ! -e "$T/p/build/podmem.so" ] || fail "make built podmem.so without collectd's headers"
fi
if [ -d /usr/include/net-snmp ]; then
	assert_eq "SNMP skip lines" 1 "$(printf '%s\n' "$out" | grep -c '^podmem: skipping the SNMP subagent: libsnmp-dev is not installed$')"
	[ ! -e "$T/p/build/podmem-agentx" ] || fail "make built podmem-agentx without net-snmp's headers"
fi
[ -x "$T/p/build/podmem-execd" ] || fail "make did not build podmem-execd, which needs nothing more"
tests=$(cd "$T/p/build" && find . -type f -perm -u+x -path '*san*' | sort)
[ -z "$tests" ] || fail "plain make built test programs: $tests"

# with the headers (make check installs them), nothing is skipped
out=$(cd "$T/p" && make 2>&1) || fail "make with every header exited $?"
assert_not_contains "make with every header" "$out" "skipping"
for f in podmem.so podmem-agentx; do [ -e "$T/p/build/$f" ] || fail "make did not build $f with its headers present"; done
