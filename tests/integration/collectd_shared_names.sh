#!/usr/bin/env bash
# Two cgroups whose names would meet in one collectd plugin instance never
# write into one series: a top-level group named "node" (on a host without
# Kubernetes) is not the node (named by identity instead; the node keeps
# "node"; said once), and names with "_" from the log directories ("ns_a_b"
# + container "x" against "ns_a" ...) are not trusted, so they meet nothing.
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

# names with "_" a tenant can write into kubelet's log directories: not
# Kubernetes names, so not trusted, and they meet no other pod's names (the
# pod "web-0_app" of default, whose container "app" would have been
# default_web-0_app_app, is named by its UID; the pod now named web-0 keeps
# default_web-0 and its container "app" default_web-0_app); said once
fixture "$T/k" --version 2 >/dev/null
uid=2a3b4c5d-6e7f-4081-9293-0000000000b2 # default/web-0
logs=$T/k/log
mv "$logs/pods/default_web-0_$uid" "$logs/pods/default_web-0_app_$uid"
job=3c4d5e6f-7081-4293-a4b5-0000000000c3
mv "$logs/pods/batch_job-7f9c_$job" "$logs/pods/default_web-0_$job"
worker=$(cd "$logs/containers" && ls job-7f9c_batch_worker-*.log)
mv "$logs/containers/$worker" "$logs/containers/web-0_default_app-${worker#job-7f9c_batch_worker-}"
cd_conf "$T/k.conf" 1 "$(conf_for "$T/k")"
cd_start "$T/k.conf"
both() { [ -d "$CSV/$CD_HOST/podmem-${uid}_app" ] && [ -d "$CSV/$CD_HOST/podmem-default_web-0_app" ]; }
cd_wait 20 both || fail "no podmem-${uid}_app beside podmem-default_web-0_app: $(ls "$CSV/$CD_HOST" | tr '\n' ' ')"
cd_stop
assert_eq "instances renamed" "" "$(cd "$CSV/$CD_HOST" && ls -d podmem-*~* 2>/dev/null | tr '\n' ' ')"
assert_eq "warnings about shared instances" 0 "$(grep -c 'would be shared by two cgroups' "$T/k.conf.log" || true)"
assert_eq "the untrusted pod log directory, said once" 1 "$(grep -cF "'default_web-0_app_$uid' in '$logs/pods' is not trusted" "$T/k.conf.log")"
# each series its own cgroup's: the renamed pod's container "app" is the old worker
app_id=${worker##*-} app_id=${app_id%.log}
want=$(podmem_json --cgroup-root "$T/k/cgroup" --proc-root "$T/k/proc" --pod-log-dir "$logs/pods" --container-log-dir "$logs/containers" 2>/dev/null |
	jq --arg id "$app_id" '.pods[].containers[] | select(.container_id == $id) | .usage')
got=$(tail -1 "$(ls "$CSV/$CD_HOST/podmem-default_web-0_app"/memory-usage-*)" | cut -d, -f2 | sed 's/\.0*$//')
assert_eq "usage under podmem-default_web-0_app" "$want" "$got"
note "a pod log directory with '_' in the name is not trusted: the pod by its UID, nothing shared, nothing renamed"
