"""A plain Python one-shot reader of a kubepods tree, the peer bench_oneshot.sh
compares `podmem --json` with: list the tree, read FILE... in every pod and
container cgroup, and parse each line's number, as an exporter would.

    python3 reader.py ROOT FILE...
Prints the cgroups read and the sum of the values."""
import os
import sys


def read_cgroup(path, files, acc):
    acc[0] += 1
    for name in files:
        try:
            with open(os.path.join(path, name)) as f:
                text = f.read()
        except OSError:
            continue
        for line in text.splitlines():
            field = line.rsplit(" ", 1)[-1]
            if field.isdigit():
                acc[1] += int(field)


def subdirs(path):
    with os.scandir(path) as it:
        return [e for e in it if e.is_dir(follow_symlinks=False)]


def pod(entry, files, acc):
    if not entry.name.startswith("pod"):
        return
    read_cgroup(entry.path, files, acc)
    for c in subdirs(entry.path):
        read_cgroup(c.path, files, acc)


def main():
    root, files = sys.argv[1], sys.argv[2:]
    acc = [0, 0]
    for e in subdirs(os.path.join(root, "kubepods")):
        if e.name in ("burstable", "besteffort"):
            for p in subdirs(e.path):
                pod(p, files, acc)
        else:
            pod(e, files, acc)
    print("%d cgroups, checksum %d" % (acc[0], acc[1]))


main()
