#!/usr/bin/env bash
# SoftHSM2 for the pkcs11 key provider tests. SoftHSM is a library, not a daemon: "start" writes a
# private configuration and token directory under test/servers/.run/softhsm/ and initialises the test
# token once; "stop" removes them (and every key in them). The token label and PINs are test values.
#
#   test/servers/softhsm.sh start    # idempotent; prints the environment to export
#   test/servers/softhsm.sh status   # exit 0 when the token is there
#   test/servers/softhsm.sh stop
#
# Overrides: HDH_TEST_PKCS11_LIBRARY, HDH_TEST_PKCS11_TOKEN, HDH_TEST_PKCS11_PIN, HDH_TEST_PKCS11_SO_PIN.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run_dir="$here/.run/softhsm"
conf="$run_dir/softhsm2.conf"
token_dir="$run_dir/tokens"
label=${HDH_TEST_PKCS11_TOKEN:-hdh-test}
pin=${HDH_TEST_PKCS11_PIN:-12345678}
so_pin=${HDH_TEST_PKCS11_SO_PIN:-87654321}

find_library() {
  if [[ -n ${HDH_TEST_PKCS11_LIBRARY:-} ]]; then
    echo "$HDH_TEST_PKCS11_LIBRARY"
    return
  fi
  local candidate
  for candidate in /usr/lib/softhsm/libsofthsm2.so \
    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
    /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so \
    /usr/local/lib/softhsm/libsofthsm2.so; do
    if [[ -f $candidate ]]; then
      echo "$candidate"
      return
    fi
  done
  echo "softhsm.sh: libsofthsm2.so not found; install softhsm2 or set HDH_TEST_PKCS11_LIBRARY" >&2
  exit 1
}

token_present() {
  [[ -f $conf ]] && SOFTHSM2_CONF=$conf softhsm2-util --show-slots 2>/dev/null |
    grep -Eq "^[[:space:]]*Label:[[:space:]]+$label[[:space:]]*$"
}

print_env() {
  echo "export SOFTHSM2_CONF=$conf"
  echo "export HDH_TEST_PKCS11_LIBRARY=$library"
  echo "export HDH_TEST_PKCS11_TOKEN=$label"
  echo "export HDH_TEST_PKCS11_PIN=$pin"
}

command -v softhsm2-util >/dev/null || {
  echo "softhsm.sh: softhsm2-util not found; install softhsm2" >&2
  exit 1
}

case ${1:-} in
  start)
    library=$(find_library)
    mkdir -p "$token_dir"
    chmod 700 "$run_dir" "$token_dir"
    cat >"$conf" <<CONF
directories.tokendir = $token_dir
objectstore.backend = file
log.level = ERROR
slots.removable = false
slots.mechanisms = ALL
library.reset_on_fork = false
CONF
    if ! token_present; then
      SOFTHSM2_CONF=$conf softhsm2-util --init-token --free --label "$label" \
        --so-pin "$so_pin" --pin "$pin" >/dev/null
    fi
    print_env
    ;;
  status)
    library=$(find_library)
    if token_present; then
      echo "softhsm: token \"$label\" ready in $token_dir" >&2
      print_env
    else
      echo "softhsm: not started (run test/servers/softhsm.sh start)" >&2
      exit 1
    fi
    ;;
  stop)
    rm -rf "$run_dir"
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
