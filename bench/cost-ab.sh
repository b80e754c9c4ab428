#!/usr/bin/env bash
# Two builds of the grid side by side in one run: BASE (a commit, default HEAD) and this checkout as it is, uncommitted
# changes included. bench/cost.sh runs on TARGETS for each, alternating ROUNDS times (the order flips every round, so
# neither build always runs on a machine still warm from the other), with the same load generator and scripts (this
# checkout's); then every round's figures and the medians (bench/cost/breakdown.py compare).
# Usage: bench/cost-ab.sh     env: BASE=HEAD ROUNDS=3 TARGETS=cluster KEEP=1, and bench/cost.sh's (DEVICES, WINDOW, RATE...)
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${BASE:-HEAD}; ROUNDS=${ROUNDS:-3}; export TARGETS=${TARGETS:-cluster}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/cg-cost-ab-XXXXXX"); TREE=$OUT/base-tree
cleanup() {
  git worktree remove --force "$TREE" >/dev/null 2>&1 || true
  if [ -n "${KEEP:-}" ]; then echo "cost-ab: kept $OUT" >&2; else rm -rf "$OUT"; fi
}
trap cleanup EXIT
echo "== command: BASE=$BASE ROUNDS=$ROUNDS TARGETS=\"$TARGETS\" bench/cost-ab.sh; current: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' || echo ' with uncommitted changes'), base: $(git rev-parse --short "$BASE")"
echo "building this checkout and $BASE (Release)..." >&2
for project in silo gateway bench/loadgen; do dotnet build -c Release "$project" -v q -nologo >/dev/null; done
git worktree add -q --detach "$TREE" "$BASE"
for project in silo gateway; do dotnet build -c Release "$TREE/$project" -v q -nologo >/dev/null; done
# Each build runs as its own scripts run it: published with ReadyToRun where it has scripts/publish.sh.
for root in "$PWD" "$TREE"; do
  if [ -f "$root/scripts/publish.sh" ]; then "$root/scripts/publish.sh" >/dev/null; fi
done
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 )); then order="base current"; else order="current base"; fi
  for variant in $order; do
    root=$PWD; [ "$variant" = base ] && root=$TREE
    mkdir -p "$OUT/$variant-$round"
    echo "== round $round: $variant" >&2
    GRID_ROOT=$root OUT_DIR=$OUT/$variant-$round NO_BUILD=1 bench/cost.sh >"$OUT/$variant-$round/cost.log" 2>&1 \
      || { echo "bench/cost.sh failed for $variant in round $round:" >&2; tail -20 "$OUT/$variant-$round/cost.log" >&2; exit 1; }
  done
done
python3 bench/cost/breakdown.py compare "$OUT"
