#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What "qberg ingest <= 1.5x a parse-only pass" (issue 7) can mean, measured on FILES generated raw files
# (default 2,000; `qberg generate --iterations 5-20 --seed 42`, like bench/ingest.sh):
#   parse-only, two ways   qberg ingest --dry-run (qberg's own streaming parser: discovery, one strict parse)
#                          and bench/parse_jsonc (a plain json-c DOM parse of every file, the Debian library)
#   qberg ingest           the first batch into an empty warehouse, on one thread (CPU seconds compare)
#   the floor              work every implementation of the job must do on top of the parse, each timed
#                          alone with standard tools: SHA-256 of the Spark to_json texts the experiment ids
#                          hash (`qberg vqe id --text`; openssl), and putting the Parquet pages the ingest
#                          writes on disk, either zstd-compressed (the tables' codec; zstd -1 with qberg's
#                          hashLog 8 / minMatch 7) or uncompressed (a plain copy of the same bytes; the pages
#                          come from an ingest with write.parquet.compression-codec=uncompressed). The
#                          floor takes the cheaper of the two (the zstd CLI is slower per byte than
#                          qberg's page compressor, so its line is context, not a bound).
# Prints CPU seconds (user + sys, /usr/bin/time) and the ratios. Needs the zstd and openssl CLIs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
FILES=${FILES:-2000}
ITER=${ITER:-5-20}
cd "$root"
for tool in zstd openssl; do
  command -v "$tool" >/dev/null || { echo "ingest_floor.sh: needs the $tool command (apt-get install $tool)" >&2; exit 1; }
done
make -s --no-print-directory "$BUILD/qberg" "$BUILD/bench/parse_jsonc" >/dev/null
Q="$root/$BUILD/qberg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cpu() { # cpu NAME CMD...: runs CMD (stdout to $tmp/NAME.out), records its user+sys seconds in $tmp/NAME.cpu
  local name=$1
  shift
  /usr/bin/time -f '%U %S' -o "$tmp/$name.time" "$@" >"$tmp/$name.out"
  awk '{printf "%.3f\n", $1 + $2}' "$tmp/$name.time" >"$tmp/$name.cpu"
}

"$Q" generate --experiments "$FILES" --iterations "$ITER" --seed 42 --out "$tmp/raw" >/dev/null
topic="$tmp/raw/experiment.vqe"
mb=$(du -sm "$tmp/raw" | cut -f1)
cpu dry "$Q" -w "$tmp/wh-dry" ingest --raw "$tmp/raw" --dry-run
cpu jsonc "$root/$BUILD/bench/parse_jsonc" "$tmp/raw"
cpu ingest "$Q" -w "$tmp/wh" ingest --raw "$tmp/raw" --threads 1

# The uncompressed pages: the first file creates the tables, the rest is ingested with codec uncompressed.
mkdir -p "$tmp/first/experiment.vqe" "$tmp/rest/experiment.vqe"
# sed, not head: head would exit after one line and sort die of SIGPIPE (pipefail: a silent exit 141)
first=$(ls "$topic" | sort -t- -k1,1n | sed -n 1p)
cp "$topic/$first" "$tmp/first/experiment.vqe/"
for f in "$topic"/*.json; do [ "$(basename "$f")" = "$first" ] || ln "$f" "$tmp/rest/experiment.vqe/"; done
"$Q" -w "$tmp/whu" ingest --raw "$tmp/first" >/dev/null
for t in $("$Q" -w "$tmp/whu" tables quantum_features); do
  "$Q" -w "$tmp/whu" alter "$t" set-property write.parquet.compression-codec=uncompressed >/dev/null
done
touch "$tmp/mark"
sleep 1
"$Q" -w "$tmp/whu" ingest --raw "$tmp/rest" >/dev/null
find "$tmp/whu" -name '*.parquet' -path '*/data/*' -newer "$tmp/mark" -print0 | xargs -0 cat >"$tmp/pages.bin"
pages_mb=$(du -m "$tmp/pages.bin" | cut -f1)
cpu zstd zstd -q -1 --zstd=hlog=8,mml=7 -c "$tmp/pages.bin"
cpu copy cp "$tmp/pages.bin" "$tmp/pages.copy"
rm -f "$tmp/pages.copy"

find "$topic" -name '*.json' -print0 | xargs -0 "$Q" vqe id --text >"$tmp/idtext"
id_mb=$(du -m "$tmp/idtext" | cut -f1)
cpu sha openssl dgst -sha256 "$tmp/idtext"

c() { cat "$tmp/$1.cpu"; }
awk -v files="$FILES" -v mb="$mb" -v pmb="$pages_mb" -v imb="$id_mb" -v dry="$(c dry)" -v jsonc="$(c jsonc)" \
  -v ing="$(c ingest)" -v z="$(c zstd)" -v cp="$(c copy)" -v sha="$(c sha)" 'BEGIN {
  printf "%d raw files, %d MB\n", files, mb
  printf "%-58s %6.2f cpu s\n", "qberg ingest --dry-run (qberg parser, parse-only)", dry
  printf "%-58s %6.2f cpu s\n", "parse_jsonc (json-c DOM parse, parse-only)", jsonc
  printf "%-58s %6.2f cpu s\n", "qberg ingest (first batch)", ing
  printf "%-58s %6.2f cpu s\n", sprintf("sha256 of the to_json id texts (%d MB)", imb), sha
  printf "%-58s %6.2f cpu s\n", sprintf("zstd -1 of the Parquet pages written (%d MB)", pmb), z
  printf "%-58s %6.2f cpu s\n", sprintf("plain copy of those pages (%d MB)", pmb), cp
  low = z < cp ? z : cp
  printf "qberg ingest / qberg parse-only: %.2fx; qberg ingest / json-c parse-only: %.2fx  (goal <= 1.5x)\n", ing / dry, ing / jsonc
  printf "floor over the qberg parse-only pass: (parse + id hashes + the cheaper page output) / parse = %.2fx\n", (dry + sha + low) / dry
}'
