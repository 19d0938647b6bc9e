#!/usr/bin/env bash
# The Debian packages, as a user gets them: `make deb` (dpkg-buildpackage -us
# -uc -b in a copy of the tree, packaging/debian as ./debian) builds podmem,
# podmem-collectd and podmem-snmp; lintian finds no error and no warning (nor
# a pedantic one) that is not overridden with its reason; each file lands where
# its host looks. Then, on this machine: dpkg -i installs them, enabling and
# starting nothing; a real collectd loads the INSTALLED plugin from
# /usr/lib/collectd (by the installed drop-in, and on a fixture node where
# every value is compared with the installed podmem --json); a real snmpd
# serves the INSTALLED podmem-agentx, whose every row and column resolves by
# name through the INSTALLED PODMEM-MIB (with the IETF base MIBs of
# $SHARED_MIBS, never the project's copy); the installed units pass
# systemd-analyze verify; man finds the pages. dpkg -r removes every file but
# the conffile, dpkg -P that too, and nothing the packages made is left.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "installing packages needs root"
for c in dpkg-buildpackage dh lintian git collectd collectdctl snmpd snmpwalk snmptranslate jq systemd-analyze flock; do
	command -v "$c" >/dev/null || skip "$c is not installed (tests/deps.sh install check)"
done
git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout: make dist lists the tree with git"
[ -f "$SHARED_MIBS/SNMPv2-SMI.txt" ] || skip "the IETF base MIBs are not in $SHARED_MIBS"
PKGS=(podmem podmem-collectd podmem-snmp)

# one run at a time on a machine: it installs system-wide
mkdir -p /run/lock
exec 9>/run/lock/podmem-pkg-deb.lock
flock -w 900 9 || fail "another pkg_deb.sh holds /run/lock/podmem-pkg-deb.lock"
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $st in "" | *not-installed) ;; *) skip "package $p is on this machine already ($st): not touching it" ;; esac
done

# ---- build and lint ---------------------------------------------------------
make -s -C "$SRC" BUILD="$T/b" deb >"$T/build.log" 2>&1 || fail "make deb: $(tail -15 "$T/build.log")"
declare -A DEB
for p in "${PKGS[@]}"; do
	DEB[$p]=$(ls "$T/b/deb/${p}_"*.deb) || fail "make deb built no $p: $(ls "$T/b/deb")"
done
grep -E '^(dpkg-buildpackage|dh_[a-z]+): warning' "$T/build.log" && fail "the package build warned"

rc=0
lintian --pedantic --display-info --show-overrides --fail-on error,warning,pedantic "${DEB[@]}" >"$T/lintian.out" 2>"$T/lintian.err" || rc=$?
bad=$(grep -vE '^([IO]: |N: )' "$T/lintian.out"; grep -v '^running with root privileges is not recommended!$' "$T/lintian.err") || true
[ "$rc" = 0 ] && [ -z "$bad" ] || fail "lintian (exit status $rc): $bad"
note "lintian --pedantic: no error, warning or pedantic tag ($(grep -c '^O: ' "$T/lintian.out" || true) overridden, each with its reason)"

# where each file lands (the non-directories of each package, exactly)
contents() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort; }
expect_podmem="/lib/systemd/system/podmem-textfile.service
/lib/systemd/system/podmem-textfile.timer
/usr/bin/podmem
/usr/bin/podmem-execd
/usr/share/doc/podmem/README.md.gz
/usr/share/doc/podmem/changelog.gz
/usr/share/doc/podmem/copyright
/usr/share/man/man1/podmem-execd.1.gz
/usr/share/man/man1/podmem.1.gz
/usr/share/podmem/telegraf/podmem.conf"
expect_podmem_collectd="/etc/collectd/collectd.conf.d/podmem.conf
/lib/systemd/system/collectd.service.d/podmem.conf
/usr/lib/collectd/podmem.so
/usr/share/doc/podmem-collectd/changelog.gz
/usr/share/doc/podmem-collectd/copyright
/usr/share/lintian/overrides/podmem-collectd
/usr/share/man/man5/collectd-podmem.5.gz"
expect_podmem_snmp="/lib/systemd/system/podmem-agentx.service
/usr/sbin/podmem-agentx
/usr/share/doc/podmem-snmp/changelog.gz
/usr/share/doc/podmem-snmp/copyright
/usr/share/lintian/overrides/podmem-snmp
/usr/share/man/man8/podmem-agentx.8.gz
/usr/share/podmem/snmp/podmem.conf
/usr/share/snmp/mibs/PODMEM-MIB.txt"
for p in "${PKGS[@]}"; do
	v=expect_${p//-/_}
	assert_eq "the files of $p" "${!v}" "$(contents "${DEB[$p]}")"
done
assert_eq "podmem-collectd's conffiles" "/etc/collectd/collectd.conf.d/podmem.conf" \
	"$(dpkg-deb --ctrl-tarfile "${DEB[podmem-collectd]}" | tar -xOf - ./conffiles)"
assert_contains "podmem-collectd's Depends" "$(dpkg-deb -f "${DEB[podmem-collectd]}" Depends)" "collectd-core (>= "
# the maintainer scripts start nothing (a unit is enabled again only on an
# upgrade where the administrator had enabled it: dh_installsystemd --no-enable)
for p in "${PKGS[@]}"; do
	s=$(dpkg-deb --ctrl-tarfile "${DEB[$p]}" | tar -xOf - ./postinst)
	assert_not_contains "$p's postinst" "$s" "deb-systemd-invoke"
	assert_not_contains "$p's postinst" "$s" "systemctl start"
	assert_not_contains "$p's postinst" "$s" "invoke-rc.d"
done

# ---- install ----------------------------------------------------------------
# every path the packages hold, and whether each is there now; and every
# file under the packages' roots whose name says podmem
all_paths() {
	local p
	for p in "${PKGS[@]}"; do dpkg-deb -c "${DEB[$p]}" | awk '{ sub(/^\./, "", $6); sub(/\/$/, "", $6); if ($6 != "") print $6 }'; done | sort -u
}
state() {
	local f
	while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done < <(all_paths)
	find /etc /lib/systemd /usr/lib/collectd /usr/share/snmp /usr/share/podmem /var/lib/systemd /var/lib/dpkg/info \
		-name '*podmem*' 2>/dev/null || true
}
state | sort -u >"$T/before"
while read -r f; do
	[ -d "$f" ] || fail "$f is on this machine already, outside any package of podmem's: not overwriting it"
done <"$T/before"

# dpkg_retry ARGS...: dpkg, waiting while another apt or dpkg holds its lock
dpkg_retry() {
	local i out
	for i in $(seq 1 120); do
		out=$(dpkg "$@" 2>&1) && return 0
		case $out in *"lock"*) sleep 5 ;; *) printf '%s\n' "$out"; return 1 ;; esac
	done
	printf '%s\n' "$out"; return 1
}
at_exit "dpkg_retry -P ${PKGS[*]}"
out=$(dpkg_retry -i "${DEB[@]}") || fail "dpkg -i: $out"
for p in "${PKGS[@]}"; do
	assert_eq "dpkg status of $p" "install ok installed" "$(dpkg-query -W -f='${Status}' "$p")"
done
for l in /etc/systemd/system/multi-user.target.wants/podmem-agentx.service /etc/systemd/system/timers.target.wants/podmem-textfile.timer \
	/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/podmem-agentx.service \
	/var/lib/systemd/deb-systemd-helper-enabled/timers.target.wants/podmem-textfile.timer; do
	[ ! -e "$l" ] && [ ! -L "$l" ] || fail "installing enabled a unit: $l"
done
note "dpkg -i: ${PKGS[*]} installed, no unit enabled or started"

if grep -qsE '^path-exclude[= ]+/usr/share/man' /etc/dpkg/dpkg.cfg.d/*; then
	note "SKIP of man -w: this machine's dpkg leaves out /usr/share/man (/etc/dpkg/dpkg.cfg.d)"
elif command -v man >/dev/null; then
	for pg in 1:podmem 1:podmem-execd 5:collectd-podmem 8:podmem-agentx; do
		w=$(man -w "${pg%%:*}" "${pg#*:}" 2>/dev/null) || fail "man does not find ${pg#*:}(${pg%%:*})"
		assert_eq "where man finds ${pg#*:}(${pg%%:*})" "/usr/share/man/man${pg%%:*}/${pg#*:}.${pg%%:*}.gz" "$w"
	done
	note "man finds podmem(1), podmem-execd(1), collectd-podmem(5) and podmem-agentx(8) in /usr/share/man"
else
	note "SKIP of man -w: man is not installed (man-db)"
fi

# the installed units, their programs installed
out=$(cd / && systemd-analyze verify --man=no /lib/systemd/system/podmem-agentx.service \
	/lib/systemd/system/podmem-textfile.service /lib/systemd/system/podmem-textfile.timer 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify of the installed units: $out"
if [ -f /lib/systemd/system/collectd.service ]; then
	out=$(systemd-analyze verify --man=no /lib/systemd/system/collectd.service 2>&1 | grep podmem || true)
	[ -z "$out" ] || fail "systemd-analyze verify collectd.service with podmem's drop-in: $out"
	assert_eq "the drop-in's LimitNOFILE" "LimitNOFILE=65536" "$(grep '^LimitNOFILE=' /lib/systemd/system/collectd.service.d/podmem.conf)"
fi
note "systemd-analyze verify accepts the installed units"

# ---- collectd: the installed plugin, by the installed drop-in --------------
. "$SRC/tests/integration/lib_collectd.sh"
# cd_base sets PluginDir "$B"; each body here sets collectd's own back first,
# so that LoadPlugin podmem finds /usr/lib/collectd/podmem.so
uses_installed_plugin() {
	grep -q ' /usr/lib/collectd/podmem\.so$' "/proc/$CD_PID/maps" || fail "collectd did not map /usr/lib/collectd/podmem.so"
	! grep -q " $B/podmem\.so\$" "/proc/$CD_PID/maps" || fail "collectd mapped $B/podmem.so, not the installed plugin"
}
# 1. Debian's way: collectd.conf includes collectd.conf.d/*.conf; the node's
# own cgroups, as many as there are (warnings about them are the plugin's
# news about this node, not faults: only errors are)
conf=$T/cd-dropin.conf
cd_base "$conf" 10 "PluginDir \"/usr/lib/collectd\"
<Include \"/etc/collectd/collectd.conf.d\">
  Filter \"*.conf\"
</Include>"
cd_start "$conf"
cd_wait 60 sh -c "collectdctl -s '$CD_SOCK' listval | grep -q '^$CD_HOST/podmem-node/memory-usage\$'" ||
	fail "no podmem-node/memory-usage in collectd's cache; log: $(tail -5 "$conf.log")"
uses_installed_plugin
n=$(cd_listval | grep -c "^$CD_HOST/podmem-" || true)
cd_stop
errs=$(grep -F '[error]' "$conf.log" || true)
[ -z "$errs" ] || fail "collectd with the installed drop-in logged: $errs"
note "collectd loads /usr/lib/collectd/podmem.so through /etc/collectd/collectd.conf.d/podmem.conf: $n values of this node"

# 2. a fixture node: every value equals the installed podmem --json
fixture "$T/fx" --version 2 --driver systemd
/usr/bin/podmem --json "${FIX_OPTS[@]}" >"$T/fx.json" || fail "the installed podmem --json failed"
json_table "$T/fx.json" | sort >"$T/fx.expect"
conf=$T/cd-fixture.conf
cd_base "$conf" 1 "PluginDir \"/usr/lib/collectd\"
LoadPlugin podmem
<Plugin podmem>
  CgroupRoot \"$T/fx/cgroup\"
  ProcRoot \"$T/fx/proc\"
  PodLogDir \"$T/fx/log/pods\"
  ContainerLogDir \"$T/fx/log/containers\"
</Plugin>
$IDENTITY_CHAIN"
want=$(wc -l <"$T/fx.expect")
two_reads() { local f; f=$(csv_files | sed -n 1p); [ "$(csv_files | wc -l)" -ge "$want" ] && [ -n "$f" ] && [ "$(wc -l <"$f")" -ge 3 ]; }
cd_start "$conf"
cd_wait 20 two_reads || fail "$(csv_files | wc -l) of $want csv files; log: $(tail -5 "$conf.log")"
uses_installed_plugin
cd_stop
errs=$(log_errors "$conf")
[ -z "$errs" ] || fail "collectd logged: $errs"
csv_table >"$T/fx.actual"
keyed_table "$T/fx.actual" >"$T/fx.got"
bad=$(compare_values "$T/fx.expect" "$T/fx.expect" "$T/fx.got" 0)
[ -z "$bad" ] || fail "the installed plugin's values differ from the installed podmem --json: $(head -20 <<<"$bad")"
note "collectd with the installed plugin: $(wc -l <"$T/fx.got") values of a fixture node equal the installed podmem --json"

# ---- snmpd: the installed subagent and MIB ---------------------------------
. "$SRC/tests/integration/lib_snmp.sh"
cmp -s /usr/share/podmem/snmp/podmem.conf "$SRC/conf/snmp/podmem.conf" ||
	fail "the installed snmpd lines differ from conf/snmp/podmem.conf"
# names through the installed MIB only: the base MIBs, then /usr/share/snmp/mibs
SNMP=(-v2c -c public -t 2 -r 1 -M "$SHARED_MIBS:/usr/share/snmp/mibs" -m PODMEM-MIB)
AGENTX_BIN=/usr/sbin/podmem-agentx
oid=$(snmptranslate -M "$SHARED_MIBS:/usr/share/snmp/mibs" -m PODMEM-MIB -On PODMEM-MIB::podmemPodWorkingSet 2>&1) ||
	fail "snmptranslate through the installed MIB: $oid"
assert_contains "podmemPodWorkingSet's OID" "$oid" ".1.3.6.1.4.1.32473."
snmpd_start
agentx_start -i 1 "${FIX_OPTS[@]}"
assert_eq "the subagent's program" /usr/sbin/podmem-agentx "$(readlink "/proc/$AGENTX_PID/exe")"
snmp_check_all "$T/fx.json"
agentx_stop
snmpd_stop
note "snmpd serves the installed podmem-agentx; names resolve through /usr/share/snmp/mibs/PODMEM-MIB.txt ($oid)"

# ---- remove, then purge -----------------------------------------------------
out=$(dpkg_retry -r "${PKGS[@]}") || fail "dpkg -r: $out"
for p in "${PKGS[@]}"; do
	while read -r f; do
		[ "$f" = /etc/collectd/collectd.conf.d/podmem.conf ] && continue
		[ ! -e "$f" ] || fail "dpkg -r $p left $f"
	done < <(contents "${DEB[$p]}")
done
[ -f /etc/collectd/collectd.conf.d/podmem.conf ] || fail "dpkg -r removed the conffile (only a purge does)"
assert_eq "podmem-collectd after dpkg -r" "deinstall ok config-files" "$(dpkg-query -W -f='${Status}' podmem-collectd)"
out=$(dpkg_retry -P "${PKGS[@]}") || fail "dpkg -P: $out"
[ ! -e /etc/collectd/collectd.conf.d/podmem.conf ] || fail "dpkg -P left the conffile"
state | sort -u >"$T/after"
left=$(comm -13 "$T/before" "$T/after" | tr '\n' ' ')
[ -z "$left" ] || fail "the packages left: $left"
taken=$(comm -23 "$T/before" "$T/after" | tr '\n' ' ')
[ -z "$taken" ] || fail "the packages took what was there before: $taken"
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $st in "" | *not-installed) ;; *) fail "$p after dpkg -P: $st" ;; esac
done
note "dpkg -r removed every file but the conffile; dpkg -P the conffile; nothing is left ($(all_paths | wc -l) paths checked)"
