#!/usr/bin/env bash
# The runnable of every GCE Batch task of `agentab run-matrix --launcher gce` (the contract is
# /work/GCE-CONTRACT.md in development; README "Running on GCE"): inside the runner image
# (/opt/agentab/vm/task-entry.sh) on its own VM, task i of N
#   1. downloads the run's input bundle, ${AGENTAB_RUN_URI}/input/bundle.tar.gz (the spec, its
#      tasks, the proxy config with secret references only, bundle.json with the shards),
#   2. unpacks it and runs shard i of N with its own proxy next to the agents:
#        agentab run-matrix --bundle <dir> --shard i/N --results-uri ${AGENTAB_RUN_URI}/shard-i
#      which mirrors each finished cell to Cloud Storage (record.json last),
#   3. exits 0 when the shard ran, whatever its cells' outcomes (run-matrix exits 1 when a cell
#      did not pass: a result, not a task failure), and non-zero when the shard itself could not
#      run, so Batch retries the task (maxRetryCount) and the retry resumes from the records
#      already uploaded.
# SIGTERM (Batch deleting the job, a spot VM reclaimed) is passed on to run-matrix, which
# cancels its cells and uploads what it has before exiting.
#
# Environment: AGENTAB_RUN_URI (gs://…), BATCH_TASK_INDEX, BATCH_TASK_COUNT (set by Batch);
# optional: AGENTAB_GCS_ENDPOINT and GCE_METADATA_HOST (tests), AGENTAB_WORK_DIR (default
# $TMPDIR or /tmp), AGENTAB_LOG_LEVEL (default info), AGENTAB_CLI (default: this agentab's
# bin/agentab.js). Upstream keys arrive as environment variables (Batch secretVariables).
set -euo pipefail

say() { echo "task-entry: $*" >&2; }
die() {
  say "$*"
  exit 2
}

[ -n "${AGENTAB_RUN_URI:-}" ] || die "AGENTAB_RUN_URI is not set (gs://<bucket>/agentab/<experiment>/<runId>)"
case "$AGENTAB_RUN_URI" in gs://?*) ;; *) die "AGENTAB_RUN_URI must be a gs:// URI, got \"$AGENTAB_RUN_URI\"" ;; esac
[[ "${BATCH_TASK_INDEX:-}" =~ ^[0-9]+$ ]] || die "BATCH_TASK_INDEX must be a task index, got \"${BATCH_TASK_INDEX:-}\" (set by Batch)"
[[ "${BATCH_TASK_COUNT:-}" =~ ^[1-9][0-9]*$ ]] || die "BATCH_TASK_COUNT must be a task count, got \"${BATCH_TASK_COUNT:-}\" (set by Batch)"

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
cli="${AGENTAB_CLI:-$here/../bin/agentab.js}"
run_uri="${AGENTAB_RUN_URI%/}"
index="$BATCH_TASK_INDEX"
# a fresh directory of its own per attempt: two tasks sharing one /tmp (tests, or a VM reused
# by Batch) must never unpack over each other
base="${AGENTAB_WORK_DIR:-${TMPDIR:-/tmp}}"
mkdir -p "$base"
work="$(mktemp -d "$base/agentab-task-$index-attempt-${BATCH_TASK_RETRY_ATTEMPT:-0}.XXXXXX")" || die "cannot create a work directory under $base"
mkdir -p "$work/bundle"
say "task $index of $BATCH_TASK_COUNT on $(hostname): fetching $run_uri/input/bundle.tar.gz"
node "$here/fetch-input.mjs" "$run_uri/input/bundle.tar.gz" "$work/bundle.tar.gz" || die "cannot fetch the input bundle"
tar -xzf "$work/bundle.tar.gz" -C "$work/bundle" --no-same-owner --no-same-permissions || die "cannot unpack the input bundle"
[ -f "$work/bundle/bundle.json" ] || die "the input bundle has no bundle.json"

# run-matrix in the background, so this shell (PID 1 in the container) can pass signals on
child=""
# shellcheck disable=SC2317 # called by the traps below
forward() {
  say "$1: stopping the shard (its finished cells are uploaded)"
  if [ -n "$child" ]; then kill -s "$1" "$child" 2>/dev/null || true; fi
}
trap 'forward TERM' TERM
trap 'forward INT' INT

node "$cli" run-matrix --bundle "$work/bundle" --shard "$index/$BATCH_TASK_COUNT" \
  --results-uri "$run_uri/shard-$index" --out "$work/results" --log-level "${AGENTAB_LOG_LEVEL:-info}" &
child=$!
code=0
# `wait` returns early when a trapped signal arrives: wait again until run-matrix has exited
while :; do
  wait "$child" && code=0 || code=$?
  kill -0 "$child" 2>/dev/null || break
done

case "$code" in
  0) say "shard $index done: every cell passed" ;;
  1) say "shard $index done: some cells did not pass (recorded as results)"; code=0 ;;
  *) say "shard $index failed: run-matrix exited $code" ;;
esac
# every finished cell is in the bucket; a failed attempt keeps its directory for a look
if [ "$code" -eq 0 ]; then rm -rf "$work"; else say "kept $work"; fi
exit "$code"
