#!/usr/bin/env bash
# make install and make uninstall are each other's inverse: installed into a
# DESTDIR, every file lands where its host looks (the expected list below,
# exactly), and make uninstall leaves no file behind (as automake's
# distuninstallcheck: directories of the host's may stay, podmem's own go).
# An edited collectd drop-in is kept by both. Then, installed under a private
# PREFIX so that their programs exist, the systemd units pass
# `systemd-analyze verify` with no message and `systemd-analyze security`
# rates each at most 3.0 ("OK").
. "$(dirname "$0")/lib.sh"

[ -x "$B/podmem" ] && [ -x "$B/podmem-execd" ] || fail "build first: make build-all"
D=$T/dest
files() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./|/|' | sort); }
mk() { make -s -C "$SRC" "$@" >"$T/make.out" 2>&1 || fail "make $*: $(tail -5 "$T/make.out")"; }

{
	printf '%s\n' /usr/local/bin/podmem /usr/local/share/man/man1/podmem.1 \
		/usr/local/bin/podmem-execd /usr/local/share/man/man1/podmem-execd.1 \
		/usr/local/share/podmem/telegraf/podmem.conf \
		/usr/local/lib/systemd/system/podmem-textfile.service /usr/local/lib/systemd/system/podmem-textfile.timer \
		/usr/local/share/doc/podmem/README.md
	[ ! -f "$B/podmem.so" ] || printf '%s\n' /usr/lib/collectd/podmem.so /etc/collectd/collectd.conf.d/podmem.conf \
		/usr/local/share/man/man5/collectd-podmem.5 /usr/local/lib/systemd/system/collectd.service.d/podmem.conf
	[ ! -x "$B/podmem-agentx" ] || printf '%s\n' /usr/local/sbin/podmem-agentx /usr/local/share/snmp/mibs/PODMEM-MIB.txt \
		/usr/local/share/podmem/snmp/podmem.conf /usr/local/share/man/man8/podmem-agentx.8 \
		/usr/local/lib/systemd/system/podmem-agentx.service
} | sort >"$T/expected"

mk install DESTDIR="$D"
files "$D" >"$T/installed"
diff -u "$T/expected" "$T/installed" >"$T/diff" || fail "make install DESTDIR= installed other files than expected: $(cat "$T/diff")"
cmp -s "$B/podmem" "$D/usr/local/bin/podmem" || fail "the installed podmem is not build/podmem"
grep -q '^ExecStart=/usr/local/bin/podmem-execd --once --format prometheus --output /var/lib/prometheus/node-exporter/podmem.prom$' \
	"$D/usr/local/lib/systemd/system/podmem-textfile.service" || fail "podmem-textfile.service does not run PREFIX's podmem-execd"
mk uninstall DESTDIR="$D"
left=$(files "$D")
[ -z "$left" ] || fail "make uninstall left files behind: $left"
for d in usr/local/share/podmem usr/local/share/doc/podmem usr/local/lib/systemd/system/collectd.service.d; do
	[ ! -e "$D/$d" ] || fail "make uninstall left podmem's directory /$d"
done
note "make install DESTDIR= put $(wc -l <"$T/expected") files where expected; make uninstall removed every one"

if [ -f "$B/podmem.so" ]; then
	# an administrator's edits survive a reinstall and an uninstall
	mk install DESTDIR="$D"
	echo '# edited' >>"$D/etc/collectd/collectd.conf.d/podmem.conf"
	mk install DESTDIR="$D"
	assert_eq "the edited drop-in after make install" "# edited" "$(tail -1 "$D/etc/collectd/collectd.conf.d/podmem.conf")"
	mk uninstall DESTDIR="$D"
	assert_eq "what make uninstall leaves of an edited drop-in" "/etc/collectd/collectd.conf.d/podmem.conf" "$(files "$D")"
fi

# the units, with their programs where the units say
command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed (systemd)"
P=$T/prefix
mk install PREFIX="$P" COLLECTD_PLUGINDIR="$P/lib/collectd" COLLECTD_CONFDIR="$P/etc/collectd.conf.d"
units=("$P"/lib/systemd/system/*.service "$P"/lib/systemd/system/*.timer)
[ "${#units[@]}" -ge 2 ] || fail "no units installed under $P/lib/systemd/system"
for u in "${units[@]}"; do
	x=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
	[ -z "$x" ] || [ -x "$x" ] || fail "$(basename "$u"): ExecStart $x is not installed"
done
# each service's command line, as the unit has it, is accepted by its program:
# the textfile service writes a sample (into a directory of ours), the
# subagent keeps running (waiting for a master that is not there); both on a
# fixture node (the options every front end takes, added at the end)
fixture "$T/fx" --version 2
read -ra cmd <<<"$(sed -n 's/^ExecStart=//p' "$P/lib/systemd/system/podmem-textfile.service")"
mkdir "$T/textfile"
cmd=("${cmd[@]//\/var\/lib\/prometheus\/node-exporter/$T/textfile}")
"${cmd[@]}" "${FIX_OPTS[@]}" 2>"$T/textfile.err" || fail "podmem-textfile.service's ${cmd[*]} exited $?: $(cat "$T/textfile.err")"
grep -q '^# TYPE podmem_node_usage_bytes gauge$' "$T/textfile/podmem.prom" || fail "podmem-textfile.service wrote no Prometheus text"
if [ -f "$P/lib/systemd/system/podmem-agentx.service" ]; then
	read -ra cmd <<<"$(sed -n 's/^ExecStart=//p' "$P/lib/systemd/system/podmem-agentx.service")"
	cmd=("${cmd[@]//\/run\/agentx\/master/$T/no-master.sock}")
	daemon_start AX_PID "" "$T/agentx.log" "$T/agentx.log" "${cmd[@]}" "${FIX_OPTS[@]}"
	sleep 2
	kill -0 "$AX_PID" 2>/dev/null || fail "podmem-agentx.service's ${cmd[*]} exited: $(cat "$T/agentx.log")"
	daemon_stop AX_PID
fi
note "the units' commands run: $(grep -c '^podmem_' "$T/textfile/podmem.prom") samples from podmem-textfile.service's"

out=$(cd "$P/lib/systemd/system" && systemd-analyze verify --man=no "${units[@]}" 2>&1) ||
	fail "systemd-analyze verify exited $?: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"
for u in "$P"/lib/systemd/system/*.service; do
	out=$(systemd-analyze security --offline=yes --threshold=30 "$u" 2>&1) ||
		fail "$(basename "$u"): systemd-analyze security: $(printf '%s\n' "$out" | grep -E 'Overall|✗' | tail -8)"
	note "$(basename "$u"): $(printf '%s\n' "$out" | grep -o 'Overall exposure level.*')"
done
# the collectd drop-in, on collectd's own unit (Debian's collectd-core)
if [ -f "$B/podmem.so" ] && [ -f /lib/systemd/system/collectd.service ] && [ -x /usr/sbin/collectd ]; then
	grep -q '^LimitNOFILE=[0-9]' "$P/lib/systemd/system/collectd.service.d/podmem.conf" || fail "the collectd drop-in sets no LimitNOFILE"
	cp /lib/systemd/system/collectd.service "$P/lib/systemd/system/"
	out=$(cd "$P/lib/systemd/system" && systemd-analyze verify --man=no ./collectd.service 2>&1) || fail "systemd-analyze verify collectd.service exited $?: $out"
	[ -z "$out" ] || fail "systemd-analyze verify collectd.service with podmem's drop-in: $out"
	units+=(collectd.service.d/podmem.conf)
fi
note "systemd-analyze verify accepts $(printf '%s ' "${units[@]##*/}")"
