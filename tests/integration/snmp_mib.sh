#!/usr/bin/env bash
# PODMEM-MIB: clean under `smilint -l 6` (no output at all) against the
# shared IETF base MIBs, which the project never copies; generated from the
# catalogue and up to date, its identity columns named by the labels; every catalogue metric is a column at
# 100 + its position, in both tables and (for node metrics) the node group.
. "$(dirname "$0")/lib.sh"

command -v smilint >/dev/null || skip "smilint is not installed (apt-get install smitools)"
command -v snmptranslate >/dev/null || skip "snmptranslate is not installed (apt-get install snmp)"
[ -x "$B/pm-mibgen" ] || fail "build first: make build-all FRONTENDS=\"cli snmp\""
[ -f "$SHARED_MIBS/SNMPv2-SMI.txt" ] || skip "the IETF base MIBs are not in $SHARED_MIBS"
export LC_ALL=C SNMPCONFPATH=$T SNMP_PERSISTENT_DIR=$T/state MIBS=
MIB_DIR=$SRC/plugins/snmp/mibs
mkdir -p "$SNMP_PERSISTENT_DIR/cert_indexes" # else the tools say they made it
MIB=$MIB_DIR/PODMEM-MIB.txt

# 1. smilint: nothing at level 6 (it exits 0 even on errors: its output is the verdict)
out=$(SMIPATH="$SHARED_MIBS:$MIB_DIR" smilint -l 6 -s "$MIB" 2>&1)
assert_eq "smilint -l 6 -s PODMEM-MIB.txt" "" "$out"
# ... and the same smilint does speak up about a broken copy
sed 's/podmemPodKind,$/podmemPodKinds,/' "$MIB" >"$T/PODMEM-MIB.txt"
out=$(SMIPATH="$SHARED_MIBS" smilint -l 6 -s "$T/PODMEM-MIB.txt" 2>&1)
assert_contains "smilint on a MIB with an unknown group member" "$out" "podmemPodKinds"

# 2. the base MIBs are never copied into the project
copies=$(find "$SRC" -path "$B" -prune -o -type f \( -name 'SNMPv2-*' -o -name 'HCNUM-TC*' \) -print)
assert_eq "copies of the IETF base MIBs in the project" "" "$copies"

# 3. the checked-in MIB is what the generator makes of the catalogue now
"$B/pm-mibgen" "$SRC/plugins/snmp/PODMEM-MIB.txt.in" >"$T/generated.txt" || fail "pm-mibgen exited $?"
cmp -s "$T/generated.txt" "$MIB" ||
	fail "$MIB is stale; run 'make snmp-mib': $(diff "$MIB" "$T/generated.txt" | head -10)"
printf 'x\n@OBJECTS nowhere@\n' >"$T/bad.in"
rc=0; out=$("$B/pm-mibgen" "$T/bad.in" 2>&1 >/dev/null) || rc=$?
assert_eq "pm-mibgen on an unknown level: exit status" 1 "$rc"
assert_contains "pm-mibgen on an unknown level" "$out" "unknown level"
# an identity column must be named as its label (plugins/snmp/pm_snmp.h): one line, and no MIB
sed 's/^podmemPodUid OBJECT-TYPE/podmemPodUuid OBJECT-TYPE/' "$SRC/plugins/snmp/PODMEM-MIB.txt.in" >"$T/misnamed.in"
rc=0; out=$("$B/pm-mibgen" "$T/misnamed.in" 2>&1 >/dev/null) || rc=$?
assert_eq "pm-mibgen on a misnamed identity column: exit status" 1 "$rc"
assert_eq "pm-mibgen on a misnamed identity column" \
	"pm-mibgen: $T/misnamed.in: column 5 of podmemPodEntry is podmemPodUuid, but label \"pod_uid\" names it podmemPodUid" "$out"

# 4. one column per catalogue metric, at 100 + its position in the catalogue
names=() want=()
pos=0
while read -r name levels; do
	camel=$(printf '%s' "$name" | awk -F_ '{ for (i = 1; i <= NF; i++) printf "%s%s", toupper(substr($i, 1, 1)), substr($i, 2) }')
	col=$((100 + pos))
	if [[ $levels == *CG* ]]; then
		names+=("PODMEM-MIB::podmemPod$camel" "PODMEM-MIB::podmemContainer$camel")
		want+=(".1.3.6.1.4.1.32473.1.3.1.$col" ".1.3.6.1.4.1.32473.1.4.1.$col")
	fi
	if [[ $levels == *NODE* ]]; then
		names+=("PODMEM-MIB::podmemNode$camel")
		want+=(".1.3.6.1.4.1.32473.1.2.$col")
	fi
	pos=$((pos + 1))
done < <(catalogue | awk -F'\t' '{ print $1, $4 }')
[ "$pos" -gt 40 ] || fail "only $pos metrics read from pm_catalog.def"
out=$(snmptranslate -M "+$SHARED_MIBS:$MIB_DIR" -m PODMEM-MIB -On "${names[@]}" 2>&1 | grep -v '^$')
assert_eq "the OIDs of every metric column" "$(printf '%s\n' "${want[@]}")" "$out"
note "$pos catalogue metrics, ${#names[@]} MIB objects, each at 100 + its catalogue position"

# 5. the identity columns and the types the MIB promises
out=$(snmptranslate -M "+$SHARED_MIBS:$MIB_DIR" -m PODMEM-MIB -Td PODMEM-MIB::podmemPodUsage 2>&1)
assert_contains "podmemPodUsage's type" "$out" "TEXTUAL CONVENTION CounterBasedGauge64"
assert_contains "podmemPodUsage's units" "$out" '"bytes"'
out=$(snmptranslate -M "+$SHARED_MIBS:$MIB_DIR" -m PODMEM-MIB -Td PODMEM-MIB::podmemContainerPgfault 2>&1)
assert_contains "podmemContainerPgfault's type" "$out" "SYNTAX	Counter64"
assert_not_contains "podmemContainerPgfault's type" "$out" "TEXTUAL CONVENTION"
out=$(snmptranslate -M "+$SHARED_MIBS:$MIB_DIR" -m PODMEM-MIB -Tp PODMEM-MIB::podmemContainerEntry 2>&1)
assert_contains "podmemContainerEntry's index" "$out" "Index: podmemPodKey, podmemContainerKey"
