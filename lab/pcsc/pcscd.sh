#!/usr/bin/env bash
# Runs Debian's pcscd with the vsmartcard vpcd driver for tests and CI: two virtual readers, "Virtual PCD 00 00"
# on TCP 35963 and "Virtual PCD 00 01" on 35964, which a virtual card (the bundled simulator) connects to.
#
#   bash lab/pcsc/pcscd.sh install   apt-get the packages if missing (root)
#   bash lab/pcsc/pcscd.sh start     start pcscd in the foreground, in the background; no-op if one already runs
#   bash lab/pcsc/pcscd.sh stop      stop the pcscd this script started (never one it did not)
#   bash lab/pcsc/pcscd.sh status    exit 0 when pcscd answers with the vpcd readers
set -euo pipefail
state=${SIMCERT_PCSCD_STATE:-/tmp/simcert-pcscd}
pidfile=$state/pcscd.pid
log=$state/pcscd.log
mkdir -p "$state"

have_packages() {
  command -v pcscd >/dev/null 2>&1 && [ -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] && [ -f /usr/include/PCSC/winscard.h ]
}

running() {
  [ -S /run/pcscd/pcscd.comm ] && pgrep -x pcscd >/dev/null 2>&1
}

case "${1:-}" in
  install)
    if ! have_packages; then
      apt-get update
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pcscd libpcsclite-dev vsmartcard-vpcd
    fi
    ;;
  start)
    have_packages || { echo "pcscd.sh: pcscd or vsmartcard-vpcd is not installed (bash lab/pcsc/pcscd.sh install)" >&2; exit 3; }
    [ "$(id -u)" = 0 ] || { echo "pcscd.sh: pcscd needs root here" >&2; exit 3; }
    if running; then
      echo "pcscd.sh: pcscd already running (pid $(pgrep -x pcscd | head -1)); using it"
      exit 0
    fi
    # -f: foreground (so we own the process), -a: log APDU headers for debugging. Its readers appear once the
    # vpcd driver has opened its two ports.
    setsid pcscd -f -a >"$log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    for _ in $(seq 1 100); do
      # Listening on 35964 (0x8C7C) per /proc/net/tcp, without connecting (a connection is a card insertion).
      if [ -S /run/pcscd/pcscd.comm ] && grep -qi ':8C7C 00000000:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
        echo "pcscd.sh: pcscd started (pid $(cat "$pidfile")), vpcd readers on 35963 and 35964"
        exit 0
      fi
      sleep 0.1
    done
    echo "pcscd.sh: pcscd did not come up; log:" >&2
    cat "$log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$pidfile"
      echo "pcscd.sh: stopped pcscd $pid"
    fi
    ;;
  status)
    running
    ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
