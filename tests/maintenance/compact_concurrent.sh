#!/usr/bin/env bash
# Compaction racing 4 appender processes loses no row: each appender commits its own ids in a loop while
# compaction runs again and again; afterwards the table holds exactly every id appended, once, and fsck
# --deep is clean. Appends never conflict with a compaction; a compaction that loses its inputs to another
# compaction redoes its plan or gives up without leaving anything referenced.
set -u
Q=${QBERG:?}
C="${QB_BUILD:?}/tools/compact_run"
T=$(mktemp -d)
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
W=4 N=25 # appenders, appends each (3 rows per append)

schema='{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"p","required":false,"type":"string"}]}'
"$Q" -w "$T/wh" create db.t --schema "$schema" --partition p --property commit.retry.num-retries=50 \
  --property commit.retry.min-wait-ms=5 --property commit.retry.max-wait-ms=200 >/dev/null || { echo "create failed"; exit 1; }

appender() { # w: ids w*10000 + k*10 + {0,1,2}
  local w=$1 k rows
  for k in $(seq 1 $N); do
    rows="$T/rows.$w"
    printf '{"id":%d,"p":"a"}\n{"id":%d,"p":"b"}\n{"id":%d,"p":"c"}\n' $((w * 10000 + k * 10)) $((w * 10000 + k * 10 + 1)) \
      $((w * 10000 + k * 10 + 2)) >"$rows"
    "$Q" -w "$T/wh" append db.t "$rows" >/dev/null 2>>"$T/append.$w.err" || echo "append $w/$k failed" >>"$T/append.$w.err"
  done
}
pids=()
for w in $(seq 1 $W); do appender "$w" & pids+=($!); done
compactions=0 committed=0 gave_up=0
running() { for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while running; do
  if "$C" "$T/wh/db/t" --min-input 2 >"$T/rep" 2>"$T/cerr"; then
    compactions=$((compactions + 1))
    grep -q '"snapshot_id":-1' "$T/rep" || committed=$((committed + 1))
  elif grep -q QB_ECONFLICT "$T/cerr"; then
    gave_up=$((gave_up + 1)) # allowed: nothing visible
  else
    bad "compaction failed: $(cat "$T/cerr")"
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
for w in $(seq 1 $W); do [ -s "$T/append.$w.err" ] && bad "appender $w: $(cat "$T/append.$w.err")"; done
"$C" "$T/wh/db/t" --min-input 2 >/dev/null || bad "final compaction"
echo "compactions: $compactions run, $committed committed, $gave_up gave up"
[ "$committed" -ge 1 ] && ok || bad "no compaction committed while appending"

# exactly the ids appended, each once
"$Q" -w "$T/wh" scan db.t --columns id --format csv | tail -n +2 | sort -n >"$T/got"
for w in $(seq 1 $W); do for k in $(seq 1 $N); do for j in 0 1 2; do echo $((w * 10000 + k * 10 + j)); done; done; done | sort -n >"$T/want"
cmp -s "$T/got" "$T/want" && ok || bad "rows differ: $(wc -l <"$T/got") rows, wanted $(wc -l <"$T/want"); $(diff "$T/want" "$T/got" | head -5)"
"$Q" -w "$T/wh" fsck db.t --deep >"$T/fsck" && ok || bad "fsck: $(cat "$T/fsck")"
# every data file on disk that the table does not reference is an orphan of a lost race, never a duplicate
live=$("$Q" -w "$T/wh" files db.t | tail -n +2 | wc -l)
[ "$live" -le 3 ] && ok || bad "$live live files after the final compaction"

rm -rf "$T"
echo "compact_concurrent: $pass passed, $fail failed"
[ "$fail" = 0 ]
