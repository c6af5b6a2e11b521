#!/usr/bin/env bash
# Proof that two test runs can use pcscd at once (issue 17, problem 5): starts the PC/SC test file's tests twice, in
# parallel, as two `npm test` runs from two clones would, and passes only if both pass within the time limit. The
# second waits on the lock lab/pcsc/pcscd.sh holds for the first, then uses the readers itself; neither stops a
# pcscd under the other.
#
#   bash lab/pcsc/two-runs.sh [LIMIT_SECONDS]     default 600
set -uo pipefail
cd "$(dirname "$0")/../.."
limit=${1:-600}
logs=$(mktemp -d "${TMPDIR:-/tmp}/simcert-two-runs-XXXXXX")
trap 'rm -rf "$logs"' EXIT

# harness/transport/pcsc-pcscd.test.ts, run from the file that holds pcscd's test files in turn (vitest.config.ts
# lists only that one): -t picks its three describes.
tests='^(lab/pcsc/pcscd.sh keeps its state|PC/SC through pcscd and vpcd|pcscd shared between concurrent runs)'
pids=()
for n in 1 2; do
  timeout -s INT "$limit" npx vitest run --config vitest.config.ts harness/transport/pcscd-readers.test.ts -t "$tests" >"$logs/run$n.log" 2>&1 &
  pids+=($!)
done
failed=0
for n in 1 2; do
  rc=0
  wait "${pids[$((n - 1))]}" || rc=$?
  echo "two-runs.sh: run $n exit $rc: $(sed 's/\x1b\[[0-9;]*m//g' "$logs/run$n.log" | grep -E '^ *Tests ' | tr -s ' ' | head -1)"
  if [ "$rc" != 0 ]; then failed=1; tail -40 "$logs/run$n.log"; fi
done
[ "$failed" = 0 ] || { echo "two-runs.sh: FAILED (a run failed or took over ${limit}s)" >&2; exit 1; }
echo "two-runs.sh: both runs passed"
