#!/usr/bin/env bash
# Installs what qberg's build and tests need, only when missing (idempotent):
# Debian packages, and the pinned npm test oracles in tests/oracles/ (npm ci from package-lock.json).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pkgs=(build-essential pkg-config libcurl4-openssl-dev libssl-dev libjson-c-dev libzstd-dev libsnappy-dev
      zlib1g-dev liblz4-dev libbrotli-dev nodejs npm valgrind clang)
[ -n "${QB_EXTRA_PKGS:-}" ] && pkgs+=($QB_EXTRA_PKGS)
if [ -f "$root/scripts/deps-extra.txt" ]; then
  while read -r p; do [ -n "$p" ] && [ "${p:0:1}" != "#" ] && pkgs+=("$p"); done <"$root/scripts/deps-extra.txt"
fi
missing=()
for p in "${pkgs[@]}"; do
  # node/npm may come from outside Debian (e.g. nodesource); accept the commands
  case $p in nodejs) command -v node >/dev/null && continue ;; npm) command -v npm >/dev/null && continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ -f "$root/tests/oracles/package-lock.json" ]; then
  stamp="$root/tests/oracles/node_modules/.qberg-stamp"
  if [ ! -f "$stamp" ] || [ "$root/tests/oracles/package-lock.json" -nt "$stamp" ]; then
    echo "deps: npm ci in tests/oracles"
    (cd "$root/tests/oracles" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) && touch "$stamp"
  fi
fi
