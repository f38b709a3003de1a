#!/usr/bin/env bash
# make demo: the main job on the embedded default (a local folder warehouse, no services).
set -euo pipefail
BUILD=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
Q="$root/$BUILD/qberg"
"$Q" version
