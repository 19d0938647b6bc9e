#!/usr/bin/env bash
# Two cgroups whose names would meet in one collectd plugin instance never
# write into one series: a top-level group named "node" (on a host without
# Kubernetes) is not the node, and names with "_" from the log directories
# ("ns_a_b" + container "x" against "ns_a" ... ) are named by identity
# instead; the node keeps "node"; said once.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_collectd.sh"

fixture "$T/g" --version 2 --no-kube >/dev/null
cp -r "$T/g/cgroup/system.slice" "$T/g/cgroup/node"
conf_for() { printf 'CgroupRoot "%s"\nProcRoot "%s"\nPodLogDir "%s"\nContainerLogDir "%s"\n' "$1/cgroup" "$1/proc" "$1/log/pods" "$1/log/containers"; }
cd_conf "$T/g.conf" 1 "$(conf_for "$T/g")"
cd_start "$T/g.conf"
has_group() { ls -d "$CSV/$CD_HOST"/podmem-node~* >/dev/null 2>&1 && [ -n "$(ls "$CSV/$CD_HOST/podmem-node" | grep '^memory-free-')" ]; }
cd_wait 20 has_group || fail "no podmem-node~HASH beside podmem-node: $(ls "$CSV/$CD_HOST" 2>/dev/null | tr '\n' ' ')"
cd_stop
inst=$(cd "$CSV/$CD_HOST" && ls -d podmem-node~*)
[[ $inst =~ ^podmem-node~[0-9a-f]{16}$ ]] || fail "the group's instance: $inst"
# the node's instance holds node metrics only; the group's holds the group's
[ -z "$(ls "$CSV/$CD_HOST/podmem-node" | grep -E '^derive-pgfault-')" ] || fail "a group's counter reached the node's instance"
[ -n "$(ls "$CSV/$CD_HOST/$inst" | grep -E '^derive-pgfault-')" ] || fail "the group named node has no pgfault"
# its children are renamed as well (they shared the "node_" prefix with nothing, so they keep their names)
assert_eq "warnings about shared instances" 1 "$(grep -c 'would be shared by two cgroups' "$T/g.conf.log")"
note "a group named node is $inst; the node keeps podmem-node"

# names with "_" a tenant can write into kubelet's log directories
fixture "$T/k" --version 2 >/dev/null
uid=2a3b4c5d-6e7f-4081-9293-0000000000b2 # default/web-0
logs=$T/k/log
mv "$logs/pods/default_web-0_$uid" "$logs/pods/default_web-0_app_$uid" # pod "web-0_app": instance default_web-0_app
# and a container "app" of pod web-0 ... is now in pod "web-0_app": its instance default_web-0_app_app; the pod itself
# default_web-0_app: make a second pod named "web-0" whose container "app" would be "default_web-0_app"
job=3c4d5e6f-7081-4293-a4b5-0000000000c3
mv "$logs/pods/batch_job-7f9c_$job" "$logs/pods/default_web-0_$job"
worker=$(cd "$logs/containers" && ls job-7f9c_batch_worker-*.log)
mv "$logs/containers/$worker" "$logs/containers/web-0_default_app-${worker#job-7f9c_batch_worker-}"
cd_conf "$T/k.conf" 1 "$(conf_for "$T/k")"
cd_start "$T/k.conf"
two_pods() { [ "$(ls "$CSV/$CD_HOST" | grep -c '~')" -ge 2 ]; }
cd_wait 20 two_pods || fail "the pods whose names meet were not renamed: $(ls "$CSV/$CD_HOST" | tr '\n' ' ')"
cd_stop
[ ! -d "$CSV/$CD_HOST/podmem-default_web-0_app" ] || fail "two cgroups still write into podmem-default_web-0_app"
for d in $(cd "$CSV/$CD_HOST" && ls -d podmem-*~*); do
	[[ $d =~ ^podmem-[0-9a-f-]+(_[0-9a-f]+)?~[0-9a-f]{16}$ ]] || fail "a renamed instance is not UID[_ID]~HASH: $d"
done
assert_eq "warnings about shared instances" 1 "$(grep -c 'would be shared by two cgroups' "$T/k.conf.log")"
note "pods whose names meet through '_' are named $(cd "$CSV/$CD_HOST" && ls -d podmem-*~* | tr '\n' ' ')"
