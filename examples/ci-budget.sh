#!/usr/bin/env bash
# Latency budget gate for CI: start the bundled target on a free loopback
# port, run examples/ci-scenario.yaml against it, and exit with stampede's
# code: 0 when every budget holds, 99 when one is exceeded (1, 2 or 130 on
# other failures). The reports land in $OUT for the CI system to keep.
#
#   STAMPEDE   the stampede binary (default: stampede on PATH)
#   OUT        where results, report.html, junit.xml go (default: stampede-out)
#   P99_BUDGET the latency budget (default: p(99)<50ms)
#   DURATION   how long the load runs (default: the scenario's 5s)
set -euo pipefail
cd "$(dirname "$0")/.."

STAMPEDE=${STAMPEDE:-stampede}
OUT=${OUT:-stampede-out}
P99_BUDGET=${P99_BUDGET:-p(99)<50ms}
mkdir -p "$OUT"

"$STAMPEDE" serve concurrent --port 0 >"$OUT/target.log" 2>&1 &
target=$!
trap 'kill "$target" 2>/dev/null; wait "$target" 2>/dev/null || true' EXIT

url=""
for _ in $(seq 100); do
  # The ready line: "stampede target ... listening on http://127.0.0.1:PORT".
  url=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$OUT/target.log" | tail -n 1)
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "ci-budget: the bundled target did not start:" >&2
  cat "$OUT/target.log" >&2
  exit 1
fi

args=()
if [ -n "${DURATION:-}" ]; then
  args+=(--duration "$DURATION")
fi

# The budgets: tail latency, errors, and no arrival left unsent.
"$STAMPEDE" run examples/ci-scenario.yaml --url "$url" --ui plain "${args[@]}" \
  --threshold "$P99_BUDGET" \
  --threshold 'error_rate<1%' \
  --threshold 'dropped==0' \
  --out "$OUT/results.json" \
  --report "$OUT/report.html" \
  --junit "$OUT/junit.xml" \
  --summary-json "$OUT/summary.json"
