#!/usr/bin/env bash
# make demo: the main job on the embedded default (a local folder warehouse, no services).
# Generates sample raw VQE results into ./demo/raw, ingests them into ./demo/warehouse, ingests a second
# batch (incremental tag, de-duplication), and shows time travel back to the first batch's tag.
set -euo pipefail
BUILD=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
Q="$root/$BUILD/qberg"
rm -rf demo
mkdir -p demo/raw/experiments
W="$root/demo/warehouse"
echo "== 1. generate 40 raw VQE results (as Redpanda Connect writes them to raw-results/experiments/)"
"$Q" generate --experiments 40 --seed 1 --iterations 5-60 --out demo/raw/experiments
echo
echo "== 2. first batch: qberg -w demo/warehouse ingest --raw demo/raw/experiments"
"$Q" -w "$W" ingest --raw demo/raw/experiments
first_tag=$("$Q" -w "$W" refs quantum_features.vqe_results | awk '$2 == "tag" && !n++ {print $1}')
echo
echo "== 3. the same files again: nothing new"
"$Q" -w "$W" ingest --raw demo/raw/experiments | sed -n 1p
echo
echo "== 4. 10 more results arrive, and the second batch appends only them (tag v_incr_...)"
"$Q" generate --experiments 10 --seed 2 --first-counter 41 --iterations 5-60 --out demo/raw/experiments >/dev/null
"$Q" -w "$W" ingest --raw demo/raw/experiments
echo
echo "== 4b. the same 10 results re-delivered under new file names: the experiment index drops them whole"
"$Q" generate --experiments 10 --seed 2 --first-counter 1041 --iterations 5-60 --out demo/raw/experiments >/dev/null
"$Q" -w "$W" ingest --raw demo/raw/experiments | sed -n 1,2p
echo
echo "== 5. the warehouse"
"$Q" -w "$W" tables
echo
echo "== 6. vqe_results now ($( "$Q" -w "$W" scan quantum_features.vqe_results --format csv | tail -n +2 | wc -l) rows), and as of tag $first_tag:"
"$Q" -w "$W" scan quantum_features.vqe_results --as-of "$first_tag" --format csv | tail -n +2 | wc -l
echo
echo "== 7. three results"
"$Q" -w "$W" scan quantum_features.vqe_results --columns experiment_id,minimum_energy --format table --limit 3 || \
  "$Q" -w "$W" scan quantum_features.vqe_results --format table --limit 3
echo
echo "== 8. the audit table"
"$Q" -w "$W" scan quantum_features.processing_metadata --columns processing_name,processing_batch_id,record_counts --format table
echo
echo "== 9. ML features of one run (ml_run_summary)"
"$Q" -w "$W" scan quantum_features.ml_run_summary --format table --limit 3
echo
echo "== 10. routine maintenance of every table, then a deep consistency check"
"$Q" -w "$W" maintain all | tail -n 5
"$Q" -w "$W" fsck --all --deep | tail -n 3
echo
echo "warehouse: $W (Iceberg v2, Hadoop layout; readable by Spark, Trino, DuckDB, PyIceberg)"
