#!/usr/bin/env bash
# podmem --json on fixture nodes (tests/fixtures/mktree.sh): every cgroup
# version x driver x runtime, kubelet's --cgroup-root prefix per driver,
# hostile names, names falling back to UIDs and IDs, a host without
# Kubernetes, and the node breakdown. Every field of every pod and container
# is compared with the fixture's expect.tsv by one jq program per sample
# (cli_fixture_check.jq), the derived metrics by their formulas.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/cli_fixture.bash"
CASES=0

# every cgroup version x driver x runtime
for v in 1 2; do
	for drv in cgroupfs systemd; do
		for rt in containerd crio docker; do
			make_fixture "v$v-$drv-$rt" --version "$v" --driver "$drv" --runtime "$rt"
			check 1
			CASES=$((CASES + 1))
		done
	done
done

# kubelet's --cgroup-root, per driver and version
for v in 1 2; do
	make_fixture "v$v-prefix-cgroupfs" --version "$v" --driver cgroupfs --runtime crio --prefix custom
	check 1
	make_fixture "v$v-prefix-systemd" --version "$v" --driver systemd --runtime containerd --prefix kubelet.slice
	check 1
	CASES=$((CASES + 2))
done

# names that need escaping in every output (spaces, commas, quotes, '=', backslashes, UTF-8)
make_fixture v1-hostile --version 1 --driver cgroupfs --runtime containerd --hostile
check 1
make_fixture v2-hostile --version 2 --driver systemd --runtime docker --hostile
check 1
CASES=$((CASES + 2))

# no names: the log directories empty, or missing; the UID and the ID stand in.
# The same fixtures also get a /proc/meminfo whose zero fields are not zero
# and with keys missing, so each node sum is seen to take each part.
make_fixture v1-unnamed --version 1 --driver cgroupfs --runtime containerd
sed -i -e 's/^Hugetlb: .*/Hugetlb:            8192 kB/' -e 's/^SecPageTables: .*/SecPageTables:       640 kB/' \
	-e 's/^Zswap: .*/Zswap:               256 kB/' -e 's/^Writeback: .*/Writeback:            12 kB/' "$D/proc/meminfo"
check 0 --pod-log-dir "$EMPTY" --container-log-dir "$EMPTY"
make_fixture v2-unnamed --version 2 --driver systemd --runtime crio --hostile
sed -i -e '/^Percpu:/d' -e '/^Hugetlb:/d' -e '/^MemAvailable:/d' "$D/proc/meminfo"
check 0 --pod-log-dir "$T/no-such-dir/pods" --container-log-dir "$T/no-such-dir/containers"
CASES=$((CASES + 2))

# v2 without the "kernel" and "slab" keys (kernels before 5.18): kernel is
# the sum of its parts, slab of its two halves
make_fixture v2-kernel-parts --version 2 --driver cgroupfs --runtime containerd
uid=2a3b4c5d-6e7f-4081-9293-0000000000b2
id=$(printf '%s' "$uid/app" | sha256sum | cut -c1-64)
stat=$D/cgroup/kubepods/burstable/pod$uid/$id/memory.stat
[ -f "$stat" ] || fail "no $stat in the fixture"
sed -i -e '/^kernel /d' -e '/^slab /d' "$stat"
parts=$(awk '$1 ~ /^(slab_reclaimable|slab_unreclaimable|kernel_stack|pagetables|sec_pagetables|percpu|vmalloc)$/ {s += $2} END {print s}' "$stat")
slab=$(awk '$1 ~ /^(slab_reclaimable|slab_unreclaimable)$/ {s += $2} END {print s}' "$stat")
awk -F'\t' -v OFS='\t' -v k="$parts" -v s="$slab" \
	'$1 == "container" && $3 == "web-0" && $4 == "app" && $5 == "kernel" {$6 = k}
	 $1 == "container" && $3 == "web-0" && $4 == "app" && $5 == "slab" {$6 = s} {print}' \
	"$D/expect.tsv" > "$D/expect.new" && mv "$D/expect.new" "$D/expect.tsv"
grep -q "	app	kernel	$parts\$" "$D/expect.tsv" || fail "could not rewrite expect.tsv for the kernel parts"
check 1
CASES=$((CASES + 1))

# a host without Kubernetes: the top-level cgroups are groups
for v in 1 2; do
	make_fixture "v$v-nokube" --version "$v" --no-kube
	check 1
	CASES=$((CASES + 1))
done

note "$CASES fixture samples, $CHECKED values compared"
