#!/usr/bin/env bash
# Publishes the silo and the standalone gateway to run, not to debug: Release, framework-dependent for linux-x64, and
# precompiled with ReadyToRun, so that a process starts on native code instead of JIT-compiling Orleans, ASP.NET Core
# and the grid first (a cluster runs five processes that each compile the same code; bench/README.md measures it).
# Usage: scripts/publish.sh [CHECKOUT]   publishes CHECKOUT (default: this one) into CHECKOUT/publish/{silo,gateway}
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(cd "${1:-.}" && pwd)
for project in silo gateway; do
  # The silo references the gateway (it co-hosts the doors), so both carry an appsettings.json; the silo's own is
  # the one published (checked below), as it is the one its build output runs with.
  dotnet publish "$ROOT/$project" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
    -p:ErrorOnDuplicatePublishOutputFiles=false -o "$ROOT/publish/$project" -nologo -v quiet
  cmp -s "$ROOT/$project/appsettings.json" "$ROOT/publish/$project/appsettings.json" \
    || { echo "publish: $project's appsettings.json is not the one in publish/$project" >&2; exit 1; }
done
