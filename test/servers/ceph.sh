#!/usr/bin/env bash
# A single-node Ceph (one monitor, one memstore OSD, one radosgw) as the real S3 server of hdh's tests.
#
#   test/servers/ceph.sh start|stop|status
#
# Environment:
#   HDH_TEST_S3_PORT        radosgw port on 127.0.0.1 (default 7480); tests read HDH_TEST_S3_ENDPOINT,
#                           default http://127.0.0.1:7480
#   HDH_TEST_S3_ACCESS_KEY  access key of the S3 user created here (default HDHTESTACCESSKEY)
#   HDH_TEST_S3_SECRET_KEY  its secret (default HDHTESTSECRETKEY)
#   HDH_TEST_CEPH_MEMORY    bytes the memstore OSD may hold (default 6 GiB)
#
# Needs the Debian packages ceph-mon, ceph-osd, radosgw and ceph-common (no daemon of theirs runs on
# their own: there is no systemd here). Everything lives in test/servers/.run/ceph and is wiped on stop;
# the daemons are stopped by their recorded PIDs (rgw, then osd, then mon), never by name.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
D="$HERE/.run/ceph"
PORT="${HDH_TEST_S3_PORT:-7480}"
ACCESS_KEY="${HDH_TEST_S3_ACCESS_KEY:-HDHTESTACCESSKEY}"
SECRET_KEY="${HDH_TEST_S3_SECRET_KEY:-HDHTESTSECRETKEY}"
MEMORY="${HDH_TEST_CEPH_MEMORY:-6442450944}"
URL="http://127.0.0.1:$PORT"
C=(-c "$D/ceph.conf")

pid_of() {
  local file="$D/$1.pid" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

rgw_answers() {
  local code
  code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$URL/" || true)"
  [[ "$code" != "000" && -n "$code" ]]
}

healthy() {
  pid_of mon >/dev/null && pid_of osd >/dev/null && pid_of rgw >/dev/null && rgw_answers
}

# Stops one daemon by its recorded PID and waits for it to be gone.
stop_one() {
  local name="$1" pid
  if pid="$(pid_of "$name")"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "ceph $name (pid $pid) still running 10 s after SIGTERM; sending SIGKILL" >&2
      kill -9 "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  rm -f "$D/$name.pid"
}

write_conf() {
  local fsid="$1"
  cat >"$D/ceph.conf" <<EOF
[global]
fsid = $fsid
mon_host = v1:127.0.0.1:6789
mon_initial_members = a
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr2 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 5
osd_crush_chooseleaf_type = 0
run_dir = $D/run
pid_file = $D/run/\$name.pid
admin_socket = $D/run/\$name.asok
log_file = $D/log/\$name.log
mon_data = $D/mon/\$cluster-\$id
osd_data = $D/osd/\$cluster-\$id
osd_objectstore = memstore
memstore_device_bytes = $MEMORY
# The OSD's own start-up crush commands race its monitor client: sent before the monitor map (and with
# it the cluster fsid) arrives, they fail with 'wrong fsid' and the OSD never comes up. This script
# places the OSD in the crush map itself, before starting it.
osd_class_update_on_start = false
osd_crush_update_on_start = false
[client.rgw.hdh]
rgw_frontends = beast endpoint=127.0.0.1:$PORT
rgw_data = $D/rgw
EOF
}

start_osd() {
  local id="$1"
  setsid ceph-osd "${C[@]}" -i "$id" -f >"$D/log/osd.stdout" 2>&1 </dev/null &
  echo $! >"$D/osd.pid"
}

start() {
  for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool ceph-authtool curl; do
    command -v "$tool" >/dev/null || {
      echo "$tool is missing: apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common" >&2
      return 1
    }
  done
  if healthy; then
    echo "ceph radosgw already running (pid $(pid_of rgw)) at $URL"
    return 0
  fi
  # A half-started cluster from an earlier run cannot be trusted: begin again from nothing.
  stop_all quiet
  if rgw_answers; then
    echo "port $PORT already answers but not with a radosgw this script started; refusing to start" >&2
    return 1
  fi
  local began=$SECONDS
  # Any failure from here on stops what was started; the logs stay in $D until the next start.
  trap 'stop_daemons; echo "ceph start failed; logs in $D/log" >&2' EXIT
  mkdir -p "$D"/{mon,osd,rgw,run,log}
  local fsid
  fsid="$(cat /proc/sys/kernel/random/uuid)"
  write_conf "$fsid"

  monmaptool --create --add a 127.0.0.1:6789 --fsid "$fsid" "$D/monmap" >/dev/null
  ceph-authtool --create-keyring "$D/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" --keyring "$D/mon.keyring"

  setsid ceph-mon "${C[@]}" -i a -f >"$D/log/mon.stdout" 2>&1 </dev/null &
  echo $! >"$D/mon.pid"
  local up=0
  for _ in $(seq 1 30); do
    if timeout 5 ceph "${C[@]}" mon stat >/dev/null 2>&1; then
      up=1
      break
    fi
    sleep 1
  done
  [[ $up == 1 ]] || { echo "ceph monitor did not answer within 30 s; see $D/log" >&2; return 1; }
  # An OSD started the moment the monitor answers may register with fsid 0000… and never come up.
  sleep 2

  local uuid id
  uuid="$(cat /proc/sys/kernel/random/uuid)"
  id="$(timeout 30 ceph "${C[@]}" osd new "$uuid")"
  mkdir -p "$D/osd/ceph-$id"
  ceph-osd "${C[@]}" -i "$id" --mkfs --osd-uuid "$uuid" >"$D/log/osd-mkfs.stdout" 2>&1
  timeout 30 ceph "${C[@]}" osd crush add "osd.$id" 1.0 host=hdh root=default >/dev/null 2>&1

  up=0
  for try in 1 2 3; do
    start_osd "$id"
    for _ in $(seq 1 20); do
      if timeout 5 ceph "${C[@]}" osd stat 2>/dev/null | grep -q '1 up'; then
        up=1
        break
      fi
      sleep 1
    done
    [[ $up == 1 ]] && break
    echo "ceph OSD not up after 20 s (try $try of 3); restarting it" >&2
    stop_one osd
    sleep 2
  done
  [[ $up == 1 ]] || { echo "ceph OSD did not come up; see $D/log" >&2; return 1; }

  setsid radosgw "${C[@]}" -n client.rgw.hdh -f >"$D/log/rgw.stdout" 2>&1 </dev/null &
  echo $! >"$D/rgw.pid"
  up=0
  for _ in $(seq 1 60); do
    if rgw_answers; then
      up=1
      break
    fi
    pid_of rgw >/dev/null || break
    sleep 1
  done
  [[ $up == 1 ]] || { echo "radosgw did not answer within 60 s; see $D/log" >&2; return 1; }

  timeout 60 radosgw-admin "${C[@]}" user create --uid=hdh-test --display-name=hdh-test \
    --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null
  trap - EXIT
  echo "ceph radosgw running (pid $(pid_of rgw)) at $URL after $((SECONDS - began)) s"
}

stop_daemons() {
  stop_one rgw
  stop_one osd
  stop_one mon
}

stop_all() {
  stop_daemons
  rm -rf "$D"
  [[ "${1:-}" == quiet ]] || echo "ceph stopped"
}

status() {
  if healthy; then
    echo "ceph radosgw running (pid $(pid_of rgw)) at $URL"
    return 0
  fi
  local any=0 name
  for name in mon osd rgw; do
    if pid_of "$name" >/dev/null; then
      echo "ceph $name running (pid $(pid_of "$name"))"
      any=1
    fi
  done
  if [[ $any == 1 ]]; then
    echo "ceph is only partly running: $URL does not answer"
    return 1
  fi
  echo "ceph not running"
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop_all ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
