#!/usr/bin/env bash
# podmemCgroupRoot is a PodmemUtf8String, SIZE (0..511): a cgroup root path
# longer than that is cut to 511 bytes at a character boundary, not sent
# whole against the MIB.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_snmp.sh"

long=$T
for i in 1 2 3 4 5; do long=$long/$(printf 'd%.0s' $(seq 1 60))-$i-é; done # 5 x 64 bytes and more: > 511 with $T
long=$long/$(printf 'x%.0s' $(seq 1 200))
fixture "$long" --version 2 >/dev/null
root=$long/cgroup
[ "${#root}" -gt 511 ] || fail "the test root is only ${#root} characters"
snmpd_start
agentx_start -i 1 "${FIX_OPTS[@]}"
got=$(snmpget "${SNMP[@]}" -Oqv "$AGENT" podmemCgroupRoot.0) || fail "snmpget exited $?"
got=${got#\"}; got=${got%\"}
n=$(printf '%s' "$got" | wc -c)
[ "$n" -le 511 ] && [ "$n" -ge 508 ] || fail "podmemCgroupRoot is $n bytes"
case $root in "$got"*) ;; *) fail "podmemCgroupRoot is not the root's beginning: $got" ;; esac
printf '%s' "$got" | iconv -f UTF-8 -t UTF-8 >/dev/null || fail "podmemCgroupRoot was cut inside a character"
agentx_stop
note "a ${#root}-byte cgroup root is sent as its first $n bytes"
