# Checks one `podmem --json` sample of a fixture node (tests/fixtures/mktree.sh)
# against what the fixture wrote. Used by cli_fixtures.sh and cli_badinput.sh:
#
#   jq -n -f cli_fixture_check.jq --slurpfile out SAMPLE.json --rawfile exp expect.tsv \
#      --rawfile mi proc/meminfo --rawfile psi proc/pressure/memory --argjson physical BYTES \
#      --rawfile pods pods.tsv --rawfile ids ids.tsv \
#      --arg version 1|2 --arg runtime RT --arg named 1|0 --arg kube 1|0 \
#      --arg root CGROUP_ROOT --arg podmem VERSION
#
#   expect.tsv  kind \t namespace \t pod \t container \t metric \t value ("-": absent)
#   pods.tsv    namespace \t pod \t uid \t qos \t cgroup \t trusted  (the test's expectation of each pod)
#   ids.tsv     namespace \t pod \t container \t id \t trusted
#   named       1: podmem was given the fixture's log directories; 0: empty ones
#   trusted     1: Kubernetes names, shown; 0: not trusted, the pod shown by its UID
#               (and not named for the sandbox guess), the container by its ID
#
# Prints {"checked": N, "errors": [...]}: N values compared, one line per mismatch.

def rows($t): $t | split("\n") | map(select(length > 0) | split("\t"));
def show: if . == null then "nothing" else tojson end;
def has_key($o; $k): ($o | type) == "object" and ($o | has($k));

# expected numbers of one object from its expect.tsv entries (strings) plus the
# derived metrics by their formulas; null means "must be absent"
def expected($raw):
  ($raw | with_entries(.value |= (if . == "-" then null else tonumber end))) as $r
  | def n($k): $r[$k];
    def psum($ks): [$ks[] | n(.) | select(. != null)] | add // 0;
  # fields the fixture writes that expect.tsv does not list
  ($r + (if $version == "2" then {zswap: 0} else {zswap: null} end) + {high: null, swap_limit: null})
  | .working_set = (if n("inactive_anon") != null and n("active_anon") != null and n("active_file") != null
                    then n("inactive_anon") + n("active_anon") + n("active_file") else null end)
  | .working_set_kubelet = (if n("usage") != null and n("inactive_file") != null then ([0, n("usage") - n("inactive_file")] | max) else null end)
  | .unaccounted = (if n("usage") != null and n("anon") != null and n("file") != null
                    then ([0, n("usage") - psum(if $version == "2" then ["anon", "file", "kernel", "sock"]
                                                 else ["anon", "file", "kernel"] end)] | max)
                    else null end);

# [errors], and the number of values compared, for object O against expectation X
def check_metrics($o; $x; $idkeys; $where):
  ([$x | to_entries[] | .key as $k | .value as $want | $o[$k] as $got
    | if $want == null then
        (if has_key($o; $k) then "\($where): \($k) must be absent, got \($got | show)" else empty end)
      elif ($got | type) != "number" then "\($where): \($k): expected \($want), got \($got | show)"
      elif $got != $want then "\($where): \($k): expected \($want), got \($got)"
      else empty end]
   + [$o | keys[] | . as $k
      | select(($idkeys | any(. == $k)) | not) | select(($x | has($k)) | not)
      | "\($where): unexpected field \($k) = \($o[$k] | show)"]
   # the formulas again, on the values of this very object
   + (if has_key($o; "working_set") and ($o.working_set != ($o.inactive_anon + $o.active_anon + $o.active_file))
      then ["\($where): working_set \($o.working_set) != inactive_anon + active_anon + active_file"] else [] end)
   + (if has_key($o; "working_set_kubelet") and (($o.usage | type) != "number" or ($o.inactive_file | type) != "number" or
        $o.working_set_kubelet != ([0, $o.usage - $o.inactive_file] | max))
      then ["\($where): working_set_kubelet \($o.working_set_kubelet) != max(0, usage - inactive_file)"] else [] end)
  ) as $errs
  | {errors: $errs, checked: ($x | length)};

def sorted_desc($a): [range(1; $a | length) | select($a[. - 1] < $a[.])] | length == 0;

$out[0] as $j
| rows($exp) as $E
| (rows($pods) | map({key: (.[0] + "\t" + .[1]), value: {ns: .[0], pod: .[1], uid: .[2], qos: .[3], cgroup: .[4], named: ($named == "1" and .[5] == "1")}}) | from_entries) as $P
| (rows($ids) | map({key: (.[0] + "\t" + .[1] + "\t" + .[2]), value: .[3]}) | from_entries) as $I
| (rows($ids) | map({key: (.[0] + "\t" + .[1] + "\t" + .[2]), value: ($named == "1" and .[4] == "1")}) | from_entries) as $IN
| ($E | reduce .[] as $r ({}; .[$r[0:4] | join("\t")] += {($r[4]): $r[5]})) as $X
| ($mi | split("\n") | map(select(length > 0) | capture("^(?<k>[^:]+):\\s*(?<n>[0-9]+)(?<kb> kB)?$"))
   | map({key: .k, value: ((.n | tonumber) * (if .kb then 1024 else 1 end))}) | from_entries) as $M
| ($psi | split("\n") | map(select(length > 0) | capture("^(?<k>some|full) avg10=[0-9.]+ avg60=[0-9.]+ avg300=[0-9.]+ total=(?<n>[0-9]+)$"))
   | map({key: .k, value: (.n | tonumber)}) | from_entries) as $PSI
| ($named == "1") as $isnamed
| ["kind", "namespace", "pod", "pod_uid", "qos", "cgroup", "containers"] as $podkeys
| ["container", "container_id", "runtime", "sandbox"] as $ctrkeys

# ---- the top level
| [ (if $j.podmem != $podmem then "podmem: expected \($podmem), got \($j.podmem | show)" else empty end),
    (if $j.cgroup_root != $root then "cgroup_root: expected \($root), got \($j.cgroup_root | show)" else empty end),
    (if $j.cgroup_version != ($version | tonumber) then "cgroup_version: expected \($version), got \($j.cgroup_version | show)" else empty end),
    (if $j.kubernetes != ($kube == "1") then "kubernetes: expected \($kube == "1"), got \($j.kubernetes | show)" else empty end),
    (if ($j.time_ns | type) != "number" or $j.time_ns <= 0 then "time_ns: not a positive number: \($j.time_ns | show)" else empty end),
    (if sorted_desc([$j.pods[] | .working_set // 0]) | not then "pods are not sorted by working_set, largest first" else empty end),
    ($j.pods[] | select(sorted_desc([.containers[] | .working_set // 0]) | not) | "pod \(.pod): containers not sorted by working_set")
  ] as $toperr

# ---- the node, from /proc/meminfo
| def mi($k): $M[$k];
  def add_present($ks): [$ks[] | mi(.) | select(. != null)] | add // 0;
  (if mi("MemTotal") != null and mi("MemFree") != null then mi("MemTotal") - mi("MemFree") else null end) as $used
  | (add_present(["AnonPages", "Cached", "Buffers", "SwapCached", "Hugetlb"])) as $app
  | (add_present(["Slab", "KernelStack", "PageTables", "SecPageTables", "VmallocUsed", "Percpu"])) as $kern
  | {usage: $used, total: mi("MemTotal"), free: mi("MemFree"), available: mi("MemAvailable"),
     anon: mi("AnonPages"), active_anon: mi("Active(anon)"), inactive_anon: mi("Inactive(anon)"),
     anon_thp: mi("AnonHugePages"), file: mi("Cached"), active_file: mi("Active(file)"),
     inactive_file: mi("Inactive(file)"), shmem: mi("Shmem"), file_mapped: mi("Mapped"), file_dirty: mi("Dirty"),
     file_writeback: mi("Writeback"), unevictable: mi("Unevictable"), buffers: mi("Buffers"), hugetlb: mi("Hugetlb"),
     swapcached: mi("SwapCached"), zswap: mi("Zswap"), slab: mi("Slab"), slab_reclaimable: mi("SReclaimable"),
     slab_unreclaimable: mi("SUnreclaim"), kernel_stack: mi("KernelStack"), pagetables: mi("PageTables"),
     secondary_pagetables: mi("SecPageTables"), percpu: mi("Percpu"), vmalloc: mi("VmallocUsed"),
     working_set: (if mi("Inactive(anon)") != null and mi("Active(anon)") != null and mi("Active(file)") != null
                   then mi("Inactive(anon)") + mi("Active(anon)") + mi("Active(file)") else null end),
     pressure_some: $PSI.some, pressure_full: $PSI.full,
     physical: (if mi("MemTotal") != null then $physical else null end),
     reserved: (if mi("MemTotal") != null then ([0, $physical - mi("MemTotal")] | max) else null end),
     app: (if $used != null then $app else null end),
     kernel: (if $used != null then $kern else null end),
     unaccounted: (if $used != null then ([0, $used - $app - $kern] | max) else null end)} as $nx
  | check_metrics($j.node; $nx; []; "node") as $node

# ---- pods and containers, or groups
| (if $kube == "1" then
    [$X | to_entries[] | select(.key | startswith("pod\t")) | (.key | split("\t")) as $k
     | $P[$k[1] + "\t" + $k[2]] as $p
     | "pod \($k[1])/\($k[2])" as $where
     | if $p == null then {errors: ["\($where): the test has no UID for it (pods.tsv)"], checked: 0}
       else
       [$j.pods[] | select(.pod_uid == $p.uid)] as $found
       | if ($found | length) != 1 then {errors: ["\($where) (uid \($p.uid)): found \($found | length) times"], checked: 0}
         else $found[0] as $o
         | [$X | to_entries[] | select(.key | startswith("container\t\($k[1])\t\($k[2])\t")) | (.key | split("\t"))[3]] as $ctrs
         | ([ (if $o.kind != "pod" then "\($where): kind \($o.kind | show)" else empty end),
              (if $o.namespace != (if $p.named then $p.ns else "" end) then "\($where): namespace \($o.namespace | show)" else empty end),
              (if $o.pod != (if $p.named then $p.pod else $p.uid end) then "\($where): pod \($o.pod | show)" else empty end),
              (if $o.qos != $p.qos then "\($where): qos: expected \($p.qos), got \($o.qos | show)" else empty end),
              (if $o.cgroup != $p.cgroup then "\($where): cgroup: expected \($p.cgroup), got \($o.cgroup | show)" else empty end),
              (if ($o.containers | length) != ($ctrs | length) then "\($where): \($o.containers | length) containers, expected \($ctrs | length): \([$o.containers[].container])" else empty end)
            ] | {errors: ., checked: 6}),
           check_metrics($o; expected($X[.key]); $podkeys; $where),
           ($ctrs[] as $c
            | $I["\($k[1])\t\($k[2])\t\($c)"] as $id
            | "\($where) container \($c)" as $cw
            | [$o.containers[] | select(.container_id == $id)] as $cf
            | if $id == null then {errors: ["\($cw): the test has no ID for it (ids.tsv)"], checked: 0}
              elif ($cf | length) != 1 then {errors: ["\($cw) (id \($id)): found \($cf | length) times"], checked: 0}
              else $cf[0] as $co
              | ([ (if $co.runtime != $runtime then "\($cw): runtime: expected \($runtime | show), got \($co.runtime | show)" else empty end),
                   (if $p.named and $IN["\($k[1])\t\($k[2])\t\($c)"] then
                      (if $co.container != $c then "\($cw): container name \($co.container | show)" else empty end),
                      (if $co.sandbox != ($c == "POD") then "\($cw): sandbox \($co.sandbox | show)" else empty end)
                    elif $c != "POD" then
                      (if $co.container != $id or $co.sandbox != false then "\($cw): unnamed: expected container = its ID, not a sandbox; got \($co.container | show), sandbox \($co.sandbox | show)" else empty end)
                    else
                      # no log directories and no pause process: the sandbox may go unrecognised
                      (if ($co.container == $id and $co.sandbox == false) or ($co.container == "POD" and $co.sandbox == true) | not
                       then "\($cw): unnamed sandbox: got container \($co.container | show), sandbox \($co.sandbox | show)" else empty end)
                    end)
                 ] | {errors: ., checked: 3}),
                check_metrics($co; expected($X["container\t\($k[1])\t\($k[2])\t\($c)"]); $ctrkeys; $cw)
              end)
         end
       end]
    + [{errors: [if ($j.pods | length) != ([$X | keys[] | select(startswith("pod\t"))] | length)
                 then "\($j.pods | length) pods reported, the fixture has \([$X | keys[] | select(startswith("pod\t"))] | length): \([$j.pods[] | .cgroup])"
                 else empty end], checked: 1}]
  else
    [$X | to_entries[] | select(.key | startswith("group\t")) | (.key | split("\t"))[2] as $g
     | "group \($g)" as $where
     | [$j.pods[] | select(.pod == $g)] as $found
     | if ($found | length) != 1 then {errors: ["\($where): found \($found | length) times"], checked: 0}
       else $found[0] as $o
       | ([ (if [$o.kind, $o.namespace, $o.pod_uid, $o.qos, $o.cgroup] != ["group", "", "", "", $g]
             then "\($where): identity: expected kind group, namespace/pod_uid/qos empty, cgroup \($g); got \([$o.kind, $o.namespace, $o.pod_uid, $o.qos, $o.cgroup])" else empty end)
          ] | {errors: ., checked: 5}),
         check_metrics($o; expected(.value); $podkeys; $where)
       end]
    + [{errors: [if ($j.pods | length) != ([$X | keys[] | select(startswith("group\t"))] | length)
                 then "\($j.pods | length) groups reported, the fixture has \([$X | keys[] | select(startswith("group\t"))] | length): \([$j.pods[] | .cgroup])"
                 else empty end], checked: 1}]
  end) as $objs

| ([{errors: $toperr, checked: 5}, $node] + $objs) as $all
| {checked: ([$all[].checked] | add), errors: [$all[].errors[]]}
