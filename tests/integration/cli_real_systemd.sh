#!/usr/bin/env bash
# podmem on real v1 memory cgroups made in kubelet's systemd naming: real
# processes' anon, page cache and tmpfs memory reported per container and
# pod, limits, working sets, names, the sandbox, the table, and containers
# and pods that go away. The body is cli_real.bash.
. "$(dirname "$0")/lib.sh"
DRIVER=systemd
. "$(dirname "$0")/cli_real.bash"
