#!/usr/bin/env bash
# The RPMs: `make rpm` builds packaging/rpm/podmem.spec with rpmbuild -bb
# (Debian's rpm) from `make dist`'s tarball, into podmem, podmem-collectd and
# podmem-snmp, the same split as the .debs; rpm -qlp shows each file where
# RHEL's hosts look (collectd's %{_libdir}/collectd and /etc/collectd.d, the
# units in /usr/lib/systemd/system), the drop-in is %config(noreplace), and
# the textfile unit writes where these systems' node_exporter reads.
. "$(dirname "$0")/lib.sh"

for c in rpmbuild rpm rpm2archive git tar; do
	command -v "$c" >/dev/null || skip "$c is not installed (apt-get install rpm)"
done
git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout: make dist lists the tree with git"

make -s -C "$SRC" BUILD="$T/b" rpm >"$T/build.log" 2>&1 || fail "make rpm: $(tail -15 "$T/build.log")"
v=$(sed -n 's/^#define PODMEM_VERSION "\(.*\)"/\1/p' "$SRC/common/podmem.h")
tar -tzf "$T/b/podmem-$v.tar.gz" >"$T/dist.list"
grep -qx "podmem-$v/packaging/rpm/podmem.spec" "$T/dist.list" || fail "make dist's tarball has no podmem-$v/packaging/rpm/podmem.spec"
grep -q "^podmem-$v/build/" "$T/dist.list" && fail "make dist's tarball holds build/"
assert_eq "the files of make dist's tarball" "$(cd "$SRC" && git ls-files -co --exclude-standard | sed "s|^|podmem-$v/|" | sort)" \
	"$(grep -v '/$' "$T/dist.list" | sort)"

declare -A RPM
for p in podmem podmem-collectd podmem-snmp; do
	RPM[$p]=$(ls "$T/b/rpm/RPMS/"*/"$p-$v-"*.rpm) || fail "make rpm built no $p: $(find "$T/b/rpm/RPMS" -name '*.rpm')"
done
# the files (not the directories rpm lists, nor the build-id links), exactly
qlp() { rpm -qlp --noartifact "$1" 2>/dev/null | grep -v '^/usr/lib/\.build-id' | while read -r f; do
	rpm -qp --qf '[%{FILENAMES} %{FILEMODES:perms}\n]' "$1" | awk -v f="$f" '$1 == f && $2 !~ /^d/ { print f }'; done | sort; }
libdir=$(rpm --eval '%{_libdir}')
assert_eq "the files of podmem" "/usr/bin/podmem
/usr/bin/podmem-execd
/usr/lib/systemd/system/podmem-textfile.service
/usr/lib/systemd/system/podmem-textfile.timer
/usr/share/doc/podmem/README.md
/usr/share/man/man1/podmem-execd.1
/usr/share/man/man1/podmem.1
/usr/share/podmem/telegraf/podmem.conf" "$(qlp "${RPM[podmem]}" | sed 's/\.gz$//')"
assert_eq "the files of podmem-collectd" "$(printf '%s\n' /etc/collectd.d/podmem.conf \
	/usr/lib/systemd/system/collectd.service.d/podmem.conf "$libdir/collectd/podmem.so" \
	/usr/share/man/man5/collectd-podmem.5 | sort)" "$(qlp "${RPM[podmem-collectd]}" | sed 's/\.gz$//')"
assert_eq "the files of podmem-snmp" "/usr/lib/systemd/system/podmem-agentx.service
/usr/sbin/podmem-agentx
/usr/share/man/man8/podmem-agentx.8
/usr/share/podmem/snmp/podmem.conf
/usr/share/snmp/mibs/PODMEM-MIB.txt" "$(qlp "${RPM[podmem-snmp]}" | sed 's/\.gz$//')"
assert_eq "podmem-collectd's config files" /etc/collectd.d/podmem.conf "$(rpm -qp --configfiles "${RPM[podmem-collectd]}")"
assert_contains "podmem-snmp's requirements" "$(rpm -qp --requires "${RPM[podmem-snmp]}")" "libnetsnmpagent.so"
assert_contains "podmem-collectd's requirements" "$(rpm -qp --requires "${RPM[podmem-collectd]}")" "collectd"

# the contents: the textfile unit writes where node_exporter reads here
mkdir "$T/x"
rpm2archive - <"${RPM[podmem]}" | tar -xzf - -C "$T/x"
grep -qx 'ExecStart=/usr/bin/podmem-execd --once --format prometheus --output /var/lib/node_exporter/textfile_collector/podmem.prom' \
	"$T/x/usr/lib/systemd/system/podmem-textfile.service" || fail "podmem-textfile.service in the RPM: $(grep '^ExecStart' "$T/x/usr/lib/systemd/system/podmem-textfile.service")"
grep -qx 'ReadWritePaths=/var/lib/node_exporter/textfile_collector' "$T/x/usr/lib/systemd/system/podmem-textfile.service" ||
	fail "podmem-textfile.service in the RPM may not write its directory"
"$T/x/usr/bin/podmem" --version | grep -qx "podmem $v" || fail "the RPM's podmem --version: $("$T/x/usr/bin/podmem" --version)"
note "make rpm: ${RPM[*]##*/}, each file where expected"
