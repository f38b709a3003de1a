#!/usr/bin/env bash
# qberg's experiment_ids, hashed id columns and printed doubles against the JDK 17 reference
# (tests/data/vqe/tools: SparkRef.java + emul_experiment_id.py), for the spec's samples and for generated
# batches full of awkward values (integral doubles, subnormals, 2e+23, control characters, absent fields).
set -euo pipefail
JAVA= JAVAC=
for d in /usr/lib/jvm/java-17-openjdk-*/bin; do [ -x "$d/javac" ] && JAVA=$d/java JAVAC=$d/javac && break; done
if [ -z "$JAVA" ] && command -v javac >/dev/null && java -version 2>&1 | grep -q 'version "17'; then
  JAVA=$(command -v java) JAVAC=$(command -v javac)
fi
if [ -z "$JAVA" ]; then
  echo "spark_oracle: needs a JDK 17 (openjdk-17-jdk-headless, see scripts/deps-extra.txt): JDK 19+ prints doubles differently" >&2
  exit 1
fi
export PATH="$(dirname "$JAVA"):$PATH"
tools=$TMPDIR/tools
mkdir -p "$tools"
cp "$QB_TEST_DATA/vqe/tools/SparkRef.java" "$QB_TEST_DATA/vqe/tools/emul_experiment_id.py" "$tools/"
"$JAVAC" -d "$tools" "$tools/SparkRef.java"

passed=0 failed=0
check_batch() { # name raw-files...
  local name=$1; shift
  if "$QBERG" vqe id "$@" >"$TMPDIR/ids.txt" && "$QBERG" vqe rows "$@" >"$TMPDIR/rows.jsonl" &&
     python3 "$QB_ROOT/tests/pipeline/spark_oracle.py" "$tools" "$TMPDIR/ids.txt" "$TMPDIR/rows.jsonl" "$@" \
       | sed "s/^/$name: /"; then
    passed=$((passed + 1))
  else
    echo "FAILED: $name"; failed=$((failed + 1))
  fi
}

check_batch samples "$QB_TEST_DATA"/vqe/experiments/experiment.vqe/*.json
"$QBERG" vqe gen --out "$TMPDIR/edge" --count 40 --seed 20261126 --edge-cases --iterations 2-8 >/dev/null
check_batch edge "$TMPDIR"/edge/experiment.vqe/*.json
"$QBERG" vqe gen --out "$TMPDIR/plain" --count 8 --seed 7 --iterations 50-80 >/dev/null
check_batch plain "$TMPDIR"/plain/experiment.vqe/*.json
# one file alone: its batch types are its own (integer-only fields become bigint)
for f in "$TMPDIR"/edge/experiment.vqe/*.json; do
  if grep -q '"init_strategy":"hf"' "$f"; then check_batch alone "$f"; break; fi
done
echo "spark_oracle: $passed passed, $failed failed"
[ "$failed" = 0 ]
