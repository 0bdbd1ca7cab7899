#!/usr/bin/env bash
# Runs every test of InferencePlanner in Release: unit, component, host, CLI and browser tests.
# Installs Debian's chromium and postgresql first when they are missing (the browser tests drive /usr/bin/chromium; the
# cluster test starts its own PostgreSQL server, as the postgres user, from /usr/lib/postgresql/*/bin).
#   tests/run.sh          every test (what CI runs)
#   tests/run.sh --fast   the inner loop: every test project but the browser and process tests (InferencePlanner.E2E)
set -euo pipefail
cd "$(dirname "$0")/.."

fast=false
for arg in "$@"; do
  case "$arg" in
    --fast) fast=true ;;
    *) echo "usage: tests/run.sh [--fast]" >&2; exit 2 ;;
  esac
done

missing=()
if ! $fast; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian's ${missing[*]} for the browser and cluster tests..." >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

results="$PWD/TestResults"
rm -rf "$results"
mkdir -p "$results"
export INFERENCEPLANNER_TEST_RESULTS="$results"

dotnet build InferencePlanner.sln -c Release -warnaserror -nologo -clp:ErrorsOnly
# The compiler and MSBuild node servers outlive the build and would share the cores with the timing tests.
dotnet build-server shutdown >/dev/null 2>&1 || true
status=0
if $fast; then
  # Every test project but the end-to-end one, one at a time.
  for project in tests/InferencePlanner.*.Tests/*.csproj; do
    dotnet test "$project" -c Release --no-build --nologo \
      --logger "trx" --logger "console;verbosity=minimal" || status=$?
  done
else
  # One test project at a time (-m:1): the profiler's timing test and the browser tests get the cores to themselves.
  dotnet test InferencePlanner.sln -c Release --no-build --nologo -m:1 \
    --logger "trx" --logger "console;verbosity=minimal" || status=$?
fi

# One closing line over every test project, read from the TRX files.
python3 - "$results" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*/*.trx"):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
echo "Screenshots: $results/screenshots" >&2
exit $status
