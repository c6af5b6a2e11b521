#!/usr/bin/env bash
# Runs Debian's pcscd with the vsmartcard vpcd driver for tests and CI: two virtual readers, "Virtual PCD 00 00"
# on TCP 35963 and "Virtual PCD 00 01" on 35964 (fixed by /etc/reader.conf.d/vpcd), which a virtual card (the
# bundled simulator) connects to.
#
#   bash lab/pcsc/pcscd.sh install        apt-get the packages if missing (root)
#   bash lab/pcsc/pcscd.sh check          exit 0 if pcscd can run here, else 3 and why (packages, root)
#   bash lab/pcsc/pcscd.sh run -- CMD...  run CMD with pcscd up and the readers to itself (see below); exit CMD's code
#   bash lab/pcsc/pcscd.sh hold           the same for a test process: prints "pcscd.sh: ready" once it holds
#                                         pcscd, and lets go when its standard input closes (or on SIGTERM/SIGINT)
#   bash lab/pcsc/pcscd.sh start          start pcscd in the background and leave it running (by hand)
#   bash lab/pcsc/pcscd.sh stop           stop the pcscd `start` started (never one this script did not start)
#   bash lab/pcsc/pcscd.sh status         exit 0 when pcscd is up with the vpcd readers
#
# Sharing. There is one pcscd per machine (Debian's 1.9.9 puts its socket and pidfile at /run/pcscd, fixed at build
# time; PCSCLITE_CSOCK_NAME is read by the client library only, not by the daemon), and its two vpcd readers take
# one card each. So `run` and `hold` take a lock (flock on $state/lock) for as long as they use them: a second run
# from another clone waits (at most SIMCERT_PCSCD_LOCK_WAIT seconds, default 900) instead of racing the first for
# the readers or having pcscd stopped under it. Each stops pcscd afterwards only if it started it, while still
# holding the lock; a pcscd someone else runs (systemd, a lab's real readers, `start`) is used and left running.
#
# Privacy. pcscd's log is written to a folder private to the user ($SIMCERT_PCSCD_STATE, default
# $XDG_RUNTIME_DIR/simcert-pcscd or /tmp/simcert-pcscd-<uid>): created 0700, refused if it is a symlink, owned by
# someone else, or writable by group or others. pcscd runs without -a, so no APDU reaches the log: the tests send
# PINs and STORE DATA blocks carrying private keys. SIMCERT_PCSCD_LOG_APDUS=1 adds -a for debugging, with a warning.
set -euo pipefail

readonly SOCKET=/run/pcscd/pcscd.comm
lock_wait=${SIMCERT_PCSCD_LOCK_WAIT:-900}
uid=$(id -u)
if [ -n "${SIMCERT_PCSCD_STATE:-}" ]; then
  state=$SIMCERT_PCSCD_STATE
elif [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "${XDG_RUNTIME_DIR}" ]; then
  state=$XDG_RUNTIME_DIR/simcert-pcscd
else
  state=/tmp/simcert-pcscd-$uid
fi
pidfile=$state/pcscd.pid
log=$state/pcscd.log

say() { echo "pcscd.sh: $*"; }
die() { echo "pcscd.sh: $*" >&2; exit "${2:-1}"; }

have_packages() {
  command -v pcscd >/dev/null 2>&1 && [ -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] && [ -f /usr/include/PCSC/winscard.h ]
}

# Exit 3 (environment) with the reason when pcscd cannot be run here: the callers skip on it outside CI.
check_can_run() {
  have_packages || die "pcscd or vsmartcard-vpcd is not installed (bash lab/pcsc/pcscd.sh install)" 3
  [ "$uid" = 0 ] || die "pcscd needs root here" 3
  command -v flock >/dev/null 2>&1 || die "flock (util-linux) is not installed" 3
}

# The state folder must be ours alone: pcscd's log names the readers and cards, and with the opt-in, every APDU.
private_state() {
  if [ -L "$state" ]; then die "state folder $state is a symlink; refusing it (set SIMCERT_PCSCD_STATE to a private folder)"; fi
  if [ ! -e "$state" ]; then
    (umask 077 && mkdir "$state") 2>/dev/null || [ -d "$state" ] || die "cannot create state folder $state"
  fi
  [ -d "$state" ] && [ ! -L "$state" ] || die "state folder $state is not a folder"
  local owner mode
  owner=$(stat -c %u "$state")
  mode=$(stat -c %a "$state")
  [ "$owner" = "$uid" ] || die "state folder $state belongs to uid $owner, not to you (uid $uid); refusing it (set SIMCERT_PCSCD_STATE to a private folder)"
  (( (8#$mode & 8#022) == 0 )) || die "state folder $state is writable by group or others (mode $mode); refusing it (chmod 700 $state)"
}

running() {
  [ -S "$SOCKET" ] && pgrep -x pcscd >/dev/null 2>&1
}

# The pcscd this script started, if it still runs (the pid is checked to still be a pcscd, not a reused pid).
our_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pcscd ] && echo "$pid"
}

take_lock() {
  exec 9>>"$state/lock"
  if ! flock -n 9; then
    say "waiting for another simcert run to finish with pcscd (lock $state/lock, at most ${lock_wait}s)"
    flock -w "$lock_wait" 9 || die "another simcert run has held pcscd for more than ${lock_wait}s (lock $state/lock); is one stuck?"
  fi
}

# Starts pcscd unless one runs; sets started_here. Caller holds the lock.
started_here=0
start_pcscd() {
  if running; then
    say "pcscd already running (pid $(pgrep -x pcscd | head -1)); using it, and leaving it running"
    return 0
  fi
  rm -f "$pidfile"
  local args=(-f)
  if [ "${SIMCERT_PCSCD_LOG_APDUS:-}" = 1 ]; then
    args+=(-a)
    echo "pcscd.sh: WARNING: SIMCERT_PCSCD_LOG_APDUS=1: pcscd logs every APDU to $log, PINs and the STORE DATA blocks carrying private keys included; delete the log when done" >&2
  fi
  (umask 077 && : >"$log")
  # -f: foreground, so this script owns the process. fd 9 (the lock) is closed for it: pcscd outlives nothing.
  setsid pcscd "${args[@]}" >>"$log" 2>&1 </dev/null 9>&- &
  echo $! >"$pidfile"
  started_here=1
  for _ in $(seq 1 100); do
    # Listening on 35964 (0x8C7C) per /proc/net/tcp, without connecting (a connection is a card insertion).
    if [ -S "$SOCKET" ] && grep -qi ':8C7C 00000000:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      say "pcscd started (pid $(cat "$pidfile")), vpcd readers on 35963 and 35964"
      return 0
    fi
    sleep 0.1
  done
  stop_ours
  echo "pcscd.sh: pcscd did not come up; its log:" >&2
  cat "$log" >&2
  exit 1
}

stop_ours() {
  local pid
  if pid=$(our_pid); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    say "stopped pcscd $pid"
  fi
  rm -f "$pidfile"
}

# On any exit of run/hold: stop pcscd if this invocation started it, while the lock is still held.
holding=
release() {
  if [ -n "$holding" ]; then kill "$holding" 2>/dev/null || true; fi
  if [ "$started_here" = 1 ]; then stop_ours; started_here=0; fi
}

# run and hold: pcscd up with the readers to this invocation alone until it exits (release on any exit).
hold_pcscd() {
  check_can_run
  private_state
  take_lock
  trap release EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
  start_pcscd
}

case "${1:-}" in
  install)
    if ! have_packages; then
      apt-get update
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pcscd libpcsclite-dev vsmartcard-vpcd
    fi
    ;;
  check)
    check_can_run
    private_state
    ;;
  run)
    shift
    [ "${1:-}" = -- ] && shift
    [ $# -gt 0 ] || die "usage: $0 run -- COMMAND [ARG...]" 2
    hold_pcscd
    rc=0
    "$@" 9>&- || rc=$?
    exit "$rc"
    ;;
  hold)
    hold_pcscd
    if [ "$started_here" = 1 ]; then say "ready (pcscd started here, log $log)"; else say "ready (pcscd run by someone else)"; fi
    # Until the holder closes our standard input (or dies). In the background so that a signal runs the trap.
    exec 8<&0
    cat <&8 >/dev/null 9>&- &
    holding=$!
    wait "$holding" || true
    holding=
    ;;
  start)
    check_can_run
    private_state
    take_lock
    start_pcscd
    ;;
  stop)
    private_state
    take_lock
    stop_ours
    ;;
  status)
    running
    ;;
  *)
    echo "usage: $0 install|check|run -- CMD...|hold|start|stop|status" >&2
    exit 2
    ;;
esac
