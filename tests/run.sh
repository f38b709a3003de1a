#!/usr/bin/env bash
# Runs every test: the C test binaries, the script tests (tests/**/*.sh) and the fuzz-corpus replays.
# Prints one line per failing test and ends with "N passed, N failed"; exits 1 on any failure.
# QB_VALGRIND=1 runs the C binaries under valgrind; a script test that exits 77 counts as failed, not skipped.
set -u
BUILD=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export QBERG="$root/$BUILD/qberg" QB_BUILD="$root/$BUILD" QB_TEST_DATA="$root/tests/data" QB_ROOT="$root"
export QB_ORACLES="$root/tests/oracles"
passed=0 failed=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

count() { # $1 = name, $2 = exit status, $3 = output file
  local line p f
  line=$(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed$' "$3" | tail -n 1)
  if [ -n "$line" ]; then
    p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
    [ "$2" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # crashed or leaked after its summary
  elif [ "$2" -eq 0 ]; then p=1 f=0
  else p=0 f=1
  fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" -ne 0 ]; then
    echo "FAILED: $1 (exit $2)"; sed 's/^/    /' "$3" | tail -n 40
  else
    echo "ok: $1 ($p)"
  fi
}

for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  n=$(basename "$t")
  if [ "${QB_VALGRIND:-0}" = 1 ]; then
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$t" >"$log/$n" 2>&1
  else
    "$t" >"$log/$n" 2>&1
  fi
  count "$n" $? "$log/$n"
done

while IFS= read -r s; do
  n=${s#tests/}
  out="$log/$(echo "$n" | tr / _)"
  exp_exit=0
  [ -f "$s.exit" ] && exp_exit=$(cat "$s.exit")
  tmp=$(mktemp -d)
  TMPDIR="$tmp" bash "$s" >"$out.stdout" 2>"$out.stderr"
  rc=$?
  ok=1
  [ "$rc" = "$exp_exit" ] || ok=0
  if [ -f "$s.stdout.exact" ] && ! diff -u "$s.stdout.exact" "$out.stdout" >"$out.diff"; then ok=0; fi
  cat "$out.stdout" "$out.stderr" >"$out"
  [ -f "$out.diff" ] && cat "$out.diff" >>"$out"
  rm -rf "$tmp"
  if [ $ok = 1 ]; then count "$n" 0 "$out"; else count "$n" 1 "$out"; fi
done < <(find tests -name '*.sh' ! -path 'tests/run.sh' ! -path 'tests/lib/*' ! -path 'tests/oracles/node_modules/*' | sort)

for r in "$BUILD"/fuzz/replay_*; do
  [ -x "$r" ] || continue
  tgt=${r##*/replay_}
  "$r" "fuzz/corpus/$tgt" >"$log/fz_$tgt" 2>&1
  count "fuzz replay $tgt" $? "$log/fz_$tgt"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
