# SPDX-License-Identifier: Apache-2.0
# Sourced by script tests: compare `qberg parquet cat` JSON lines with an oracle's (DuckDB, hyparquet).
# rows_equal OURS THEIRS: the same number of rows (at least one) and every column of ours equal in theirs;
# int64 may come as strings, floats compare by value, processing_timestamp is skipped (its text form differs).
rows_equal() {
  python3 - "$1" "$2" <<'PY'
import json, sys
ours = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
duck = [json.loads(l) for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")]
if len(ours) != len(duck) or not ours:
    sys.exit("rows: ours %d, duckdb %d" % (len(ours), len(duck)))
for i, (a, b) in enumerate(zip(ours, duck)):
    for k, x in a.items():
        if k == "processing_timestamp": continue
        y = b.get(k)
        if isinstance(x, bool) or x is None or isinstance(x, str): ok = x == y
        elif isinstance(x, int): ok = y is not None and int(y) == x
        else: ok = y is not None and float(y) == float(x)
        if not ok: sys.exit("row %d column %s: ours %r, duckdb %r" % (i, k, x, y))
PY
}
