#!/usr/bin/env python3
"""Checks a DaemonSet manifest of packaging/kubernetes against the program it
runs, for tests/integration/k8s_manifests.sh; never run by itself.

  k8s_check.py telegraf MANIFEST HELP_FILE FIXTURE OUT
      the execd command of the telegraf.conf in the ConfigMap: every option is
      in podmem-execd's --help (HELP_FILE), every path option is under a
      read-only hostPath mount of the expected host directory; OUT gets the
      command, one argument a line, with the host paths rewritten to FIXTURE
  k8s_check.py collectd MANIFEST FIXTURE OUT PLUGIN_DIR PORT
      the same for the <Plugin podmem> block of the collectd.conf in the
      ConfigMap; OUT gets that collectd.conf with the host paths rewritten to
      FIXTURE, podmem.so loaded from PLUGIN_DIR and the network plugin's
      server at 127.0.0.1:PORT, for a real `collectd -T`

Both check the container too: a read-only root file system, every capability
dropped and only those of podmem's file view added, resource requests, every
hostPath mounted read-only. One line on stderr and exit 1 at the first fault.
"""
import re
import sys
import tomllib

import yaml

# the host directory each path option must reach, and the fixture directory
# (under FIXTURE) that stands for it in the test
HOST_DIRS = {
    "cgroup": ("/sys/fs/cgroup", "cgroup"),
    "proc": ("/proc", "proc"),
    "pod-log": ("/var/log/pods", "log/pods"),
    "container-log": ("/var/log/containers", "log/containers"),
    "kubelet-pods": ("/var/lib/kubelet/pods", "kubelet/pods"),
}
# option -> (which host directory, the suffix podmem appends to the value)
EXECD_PATHS = {
    "--cgroup-root": ("cgroup", ""),
    "--proc-root": ("proc", ""),
    "--pod-log-dir": ("pod-log", ""),
    "--container-log-dir": ("container-log", ""),
    "--kubelet-dir": ("kubelet-pods", "/pods"),  # podmem walks DIR/pods/<uid>/volumes
}
COLLECTD_PATHS = {
    "CgroupRoot": ("cgroup", ""),
    "ProcRoot": ("proc", ""),
    "PodLogDir": ("pod-log", ""),
    "ContainerLogDir": ("container-log", ""),
}
# what the README's least-privilege section says the file view needs; nothing else
FILE_VIEW_CAPS = {"SYS_PTRACE", "DAC_READ_SEARCH", "SYS_ADMIN"}
# the mounts every set-up has (the list), by host directory
REQUIRED = {"cgroup", "proc", "pod-log", "container-log"}


def fail(msg):
    print(f"k8s_check: {msg}", file=sys.stderr)
    sys.exit(1)


def load(manifest):
    with open(manifest) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    kinds = {}
    for d in docs:
        kinds.setdefault(d.get("kind"), []).append(d)
    for k in ("DaemonSet", "ConfigMap"):
        if len(kinds.get(k, [])) != 1:
            fail(f"{manifest}: expected one {k}, found {len(kinds.get(k, []))}")
    return kinds["DaemonSet"][0], kinds["ConfigMap"][0]


def check_container(ds, cm, manifest):
    """The pod spec's rules; returns (container, {mountPath: (hostPath, readOnly)},
    the ConfigMap's mount path)."""
    spec = ds["spec"]["template"]["spec"]
    if len(spec.get("containers", [])) != 1:
        fail(f"{manifest}: expected one container")
    c = spec["containers"][0]
    sc = c.get("securityContext") or {}
    if sc.get("readOnlyRootFilesystem") is not True:
        fail(f"{manifest}: readOnlyRootFilesystem is not true")
    if sc.get("privileged"):
        fail(f"{manifest}: the container is privileged")
    caps = sc.get("capabilities") or {}
    if caps.get("drop") != ["ALL"]:
        fail(f"{manifest}: capabilities.drop is {caps.get('drop')}, not [ALL]")
    extra = set(caps.get("add") or []) - FILE_VIEW_CAPS
    if extra:
        fail(f"{manifest}: capabilities the file view does not need: {sorted(extra)}")
    if spec.get("hostPID") or spec.get("hostNetwork") or spec.get("hostIPC"):
        fail(f"{manifest}: host namespaces are shared")
    req = (c.get("resources") or {}).get("requests") or {}
    for r in ("cpu", "memory"):
        if r not in req:
            fail(f"{manifest}: no {r} request")
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    mounts = {}
    cm_path = None
    for m in c.get("volumeMounts", []):
        v = volumes.get(m["name"])
        if v is None:
            fail(f"{manifest}: volumeMount {m['name']} has no volume")
        if "hostPath" in v:
            if m.get("readOnly") is not True:
                fail(f"{manifest}: hostPath {v['hostPath']['path']} is mounted writable at {m['mountPath']}")
            mounts[m["mountPath"].rstrip("/")] = v["hostPath"]["path"].rstrip("/")
        elif "configMap" in v:
            if v["configMap"]["name"] != cm["metadata"]["name"]:
                fail(f"{manifest}: the config volume is ConfigMap {v['configMap']['name']}, not {cm['metadata']['name']}")
            cm_path = m["mountPath"].rstrip("/")
    if cm_path is None:
        fail(f"{manifest}: the ConfigMap is not mounted")
    return c, mounts, cm_path


def host_path_of(value, suffix, mounts, what):
    """The host path VALUE+SUFFIX is in the container: under which mount."""
    path = value.rstrip("/") + suffix
    best = None
    for mp in mounts:
        if path == mp or path.startswith(mp + "/"):
            if best is None or len(mp) > len(best):
                best = mp
    if best is None:
        fail(f"{what} {value}: under no read-only hostPath mount (mounts: {sorted(mounts)})")
    return mounts[best] + path[len(best):], best


def check_paths(opts, table, mounts, fixture, what):
    """OPTS: [(option, value)]; returns {value: fixture path}; checks REQUIRED are there."""
    seen, rewrite = set(), {}
    for opt, value in opts:
        if opt not in table:
            continue
        key, suffix = table[opt]
        want_host, fix_sub = HOST_DIRS[key]
        got, mp = host_path_of(value, suffix, mounts, f"{what} {opt}")
        # cgroup v1 nodes: the memory controller's directory under the same mount
        if not (got == want_host or (key == "cgroup" and got == want_host + "/memory")):
            fail(f"{what} {opt} {value}: reaches the host's {got}, expected {want_host}")
        seen.add(key)
        # the fixture directory for VALUE: what VALUE + SUFFIX stands for, less SUFFIX
        fix = f"{fixture}/{fix_sub}" + got[len(want_host):]
        rewrite[value] = fix[: len(fix) - len(suffix)]
    missing = REQUIRED - seen
    if missing:
        fail(f"{what}: no option for the host's {sorted(HOST_DIRS[k][0] for k in missing)}")
    # every required host directory is mounted, read-only (checked above)
    for key in REQUIRED:
        if HOST_DIRS[key][0] not in mounts.values():
            fail(f"{what}: the host's {HOST_DIRS[key][0]} is not mounted")
    return rewrite


def telegraf(manifest, help_file, fixture, out):
    ds, cm = load(manifest)
    c, mounts, cm_path = check_container(ds, cm, manifest)
    if "telegraf.conf" not in cm["data"]:
        fail(f"{manifest}: no telegraf.conf in the ConfigMap")
    cmd = c.get("command") or []
    if f"{cm_path}/telegraf.conf" not in cmd:
        fail(f"{manifest}: the container's command {cmd} does not read {cm_path}/telegraf.conf")
    conf = tomllib.loads(cm["data"]["telegraf.conf"])
    execd = conf.get("inputs", {}).get("execd", [])
    if len(execd) != 1:
        fail(f"{manifest}: expected one [[inputs.execd]], found {len(execd)}")
    e = execd[0]
    if e.get("signal") != "STDIN" or e.get("data_format") != "influx":
        fail(f"{manifest}: execd wants signal = \"STDIN\" and data_format = \"influx\"")
    if "${NODE_NAME}" not in conf.get("agent", {}).get("hostname", "") or \
            not any(v.get("name") == "NODE_NAME" and v.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
                    == "spec.nodeName" for v in c.get("env", [])):
        fail(f"{manifest}: the host tag is not the node's name (agent hostname ${{NODE_NAME}} from spec.nodeName)")
    argv = e["command"]
    if argv[0] != "podmem-execd":
        fail(f"{manifest}: execd runs {argv[0]}, not podmem-execd")
    with open(help_file) as f:
        help_text = f.read()
    # the options --help lists, and which take a value (an upper-case word after them)
    known = dict(re.findall(r"^\s+(--[a-z-]+)(?: ([A-Z]+))?", help_text, re.M))
    opts, i = [], 1
    while i < len(argv):
        a = argv[i]
        if a not in known:
            fail(f"{manifest}: execd option {a} is not in podmem-execd --help")
        if a in ("--once", "--interval", "--output", "--format", "--help", "--version"):
            fail(f"{manifest}: execd option {a} does not belong in Telegraf's execd (signal = \"STDIN\", influx)")
        if known[a]:
            if i + 1 >= len(argv):
                fail(f"{manifest}: execd option {a} has no value")
            opts.append((a, argv[i + 1]))
            i += 2
        else:
            opts.append((a, None))
            i += 1
    # every DIR option of --help that is used must be in the table (a new one
    # is a path this test does not know how to check)
    for a, v in opts:
        if known[a] == "DIR" and a not in EXECD_PATHS:
            fail(f"{manifest}: execd option {a} takes a DIR this test does not map to a mount")
    rewrite = check_paths(opts, EXECD_PATHS, mounts, fixture, f"{manifest}: execd")
    if any(a == "--top-files" for a, _ in opts):
        if "kubelet-pods" not in {EXECD_PATHS[a][0] for a, _ in opts if a in EXECD_PATHS}:
            fail(f"{manifest}: --top-files without --kubelet-dir under a mount of the host's /var/lib/kubelet/pods")
    elif set((c["securityContext"]["capabilities"].get("add") or [])):
        fail(f"{manifest}: capabilities added without the file view (--top-files)")
    with open(out, "w") as f:
        for a in argv:
            f.write(rewrite.get(a, a) + "\n")


def collectd(manifest, fixture, out, plugin_dir, port):
    ds, cm = load(manifest)
    c, mounts, cm_path = check_container(ds, cm, manifest)
    if c["securityContext"]["capabilities"].get("add"):
        fail(f"{manifest}: the collectd plugin has no file view: no capability to add")
    if "collectd.conf" not in cm["data"]:
        fail(f"{manifest}: no collectd.conf in the ConfigMap")
    if f"{cm_path}/collectd.conf" not in " ".join(c.get("command") or []):
        fail(f"{manifest}: the container's command does not read {cm_path}/collectd.conf")
    text = cm["data"]["collectd.conf"]
    block = re.search(r"^\s*<Plugin podmem>\n(.*?)^\s*</Plugin>", text, re.M | re.S)
    if not block or not re.search(r"^\s*LoadPlugin\s+\"?podmem\"?\s*$", text, re.M):
        fail(f"{manifest}: collectd.conf has no LoadPlugin podmem and <Plugin podmem> block")
    opts = []
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r'(\w+)\s+"([^"]*)"', line)
        if m:
            opts.append((m.group(1), m.group(2)))
    rewrite = check_paths(opts, COLLECTD_PATHS, mounts, fixture, f"{manifest}: collectd")
    # a test copy: the same text, host paths and host names replaced
    for old, new in rewrite.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    text = text.replace("@NODE_NAME@", "testnode")
    text = re.sub(r'^(\s*BaseDir\s+).*$', rf'\1"{fixture}/cd-base"', text, flags=re.M)
    text = re.sub(r'^(\s*PIDFile\s+).*$', rf'\1"{fixture}/cd-base/collectd.pid"', text, flags=re.M)
    text = re.sub(r'^(\s*Server\s+)"[^"]*"\s+"[^"]*"', rf'\1"127.0.0.1" "{port}"', text, flags=re.M)
    text = re.sub(r'^(\s*LoadPlugin\s+"?podmem"?\s*)$',
                  rf'PluginDir "{plugin_dir}"\n\1\nPluginDir "/usr/lib/collectd"', text, count=1, flags=re.M)
    # and the csv writer, to see what the plugin read
    text += f'LoadPlugin csv\n<Plugin csv>\n  DataDir "{fixture}/csv"\n</Plugin>\n'
    with open(out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "telegraf":
        telegraf(*sys.argv[2:])
    elif len(sys.argv) == 7 and sys.argv[1] == "collectd":
        collectd(*sys.argv[2:])
    else:
        fail(__doc__)
