#!/bin/sh
# The Debian 12 packages each job needs, and their installation.
#   tests/deps.sh list run|check|bench     print the package names
#   tests/deps.sh install run|check|bench  install the missing ones (as root)
set -eu

run_pkgs="gcc libc6-dev make"
check_pkgs="$run_pkgs pkg-config check clang libclang-rt-14-dev jq valgrind tmux iproute2 procps util-linux curl python3 strace \
collectd-core collectd-dev collectd-utils \
snmpd snmp libsnmp-dev smitools \
influxdb influxdb-client prometheus prometheus-node-exporter \
python3-yaml python3-matplotlib \
git systemd man-db mandoc build-essential debhelper lintian rpm \
cgroup-tools vmtouch"
# make bench: the peers it compares with are in check_pkgs (the harness runs in make check, at a tiny size)
bench_pkgs=$check_pkgs

case "${2:-}" in
run) pkgs=$run_pkgs ;;
check) pkgs=$check_pkgs ;;
bench) pkgs=$bench_pkgs ;;
*) echo "usage: $0 list|install run|check|bench" >&2; exit 2 ;;
esac

case $1 in
list) echo $pkgs ;;
install)
	missing=""
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
	done
	[ -z "$missing" ] && exit 0
	if [ "$(id -u)" != 0 ]; then
		echo "podmem: missing Debian packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	echo "podmem: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# policy-rc.d keeps the daemons the tests start themselves from starting system-wide
	apt-get install -y -qq --no-install-recommends $missing
	;;
*) echo "usage: $0 list|install run|check|bench" >&2; exit 2 ;;
esac
