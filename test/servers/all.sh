#!/usr/bin/env bash
# Starts or stops every server the test suite uses (Azurite, a single-node Ceph radosgw, a SoftHSM2
# token). Each server's own script records its PIDs under test/servers/.run/ and stops them by PID.
#   test/servers/all.sh start|stop|status
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
action="${1:-status}"
servers=(softhsm azurite ceph)
case "$action" in
  start)
    for s in "${servers[@]}"; do "$here/$s.sh" start; done
    ;;
  stop)
    # Stop in reverse order, and keep going if one fails so nothing is left running.
    rc=0
    for ((i = ${#servers[@]} - 1; i >= 0; i--)); do "$here/${servers[i]}.sh" stop || rc=1; done
    exit $rc
    ;;
  status)
    for s in "${servers[@]}"; do "$here/$s.sh" status || true; done
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
