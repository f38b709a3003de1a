# The data-writing verbs run with glibc's huge-page tunable (src/cli/main.c, want_huge_pages): `qberg ingest`
# executes itself once more with glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES, keeps the caller's other
# tunables, leaves a caller's own hugetlb setting alone, and does nothing with QBERG_HUGEPAGES=0, on a kernel
# with THP off, on glibc < 2.35 or in a sanitizer build. The tables it writes are the same bytes either way.
# Observed on a running `ingest --watch` (the pid survives exec): GLIBC_TUNABLES in /proc/PID/environ, and the
# mappings glibc advised MADV_HUGEPAGE (VmFlags "hg" in /proc/PID/smaps: the heap at least). glibc may cut
# the environ copy of a tunables list it parsed at the first ':', so a kept list is checked by its prefix.
set -eu
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }

# what this machine and build should do
expect=1
mode=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo '[never]')
case "$mode" in *'[madvise]'* | *'[always]'*) ;; *) expect=0 ;; esac
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
case "$glibc" in
  2.[0-9] | 2.[0-9].* | 2.[12][0-9] | 2.[12][0-9].* | 2.3[0-4] | 2.3[0-4].* | '') expect=0 ;;
esac
[ "${QB_SANITIZED:-0}" = 1 ] && expect=0
echo "hugepages.sh: THP '$mode', glibc ${glibc:-none}, sanitized ${QB_SANITIZED:-0}: re-exec expected: $expect"

"$QBERG" generate --experiments 4 --iterations 3-5 --seed 31 --out "$TMPDIR/raw" >/dev/null

# "TUNABLES HG" of an `ingest --watch` started with the environment "$@": its GLIBC_TUNABLES ("-" if unset)
# and how many of its mappings are advised huge (VmFlags hg)
observe() {
  local w="$TMPDIR/wh$RANDOM$RANDOM" out="$TMPDIR/out$RANDOM" pid tun hg
  env "$@" "$QBERG" -w "$w" ingest --raw "$TMPDIR/raw" --watch --interval 0.2 --json >"$out" 2>"$out.err" &
  pid=$!
  # the first batch's report comes after the exec (it happens before any work)
  for _ in $(seq 1 300); do [ -s "$out" ] && break; sleep 0.1; done
  tun=$(tr '\0' '\n' <"/proc/$pid/environ" | sed -n 's/^GLIBC_TUNABLES=//p')
  hg=$(grep -c '^VmFlags:.* hg' "/proc/$pid/smaps" || true)
  kill -TERM "$pid"
  wait "$pid" || echo "watch exited $?: $(head -c 300 "$out.err")" >&2
  [ -s "$out" ] || echo "no batch report: $(head -c 300 "$out.err")" >&2
  echo "${tun:--} $hg"
}

read -r tun hg < <(observe -u GLIBC_TUNABLES -u QBERG_HUGEPAGES)
if [ $expect = 1 ]; then
  check "default: GLIBC_TUNABLES=glibc.malloc.hugetlb=1 and huge-advised mappings (got '$tun', $hg)" \
    '[ "$tun" = glibc.malloc.hugetlb=1 ] && [ "$hg" -gt 0 ]'
else
  check "default: no tunable, no huge-advised mapping (got '$tun', $hg)" '[ "$tun" = - ] && [ "$hg" = 0 ]'
fi

read -r tun hg < <(observe -u QBERG_HUGEPAGES GLIBC_TUNABLES=glibc.malloc.tcache_count=5)
if [ $expect = 1 ]; then
  check "the caller's tunables are kept and hugetlb added (got '$tun', $hg)" \
    'case "$tun" in glibc.malloc.tcache_count=5*) [ "$hg" -gt 0 ] ;; *) false ;; esac'
else
  check "the caller's tunables are left as they are (got '$tun', $hg)" '[ "$tun" = glibc.malloc.tcache_count=5 ] && [ "$hg" = 0 ]'
fi

read -r tun hg < <(observe -u QBERG_HUGEPAGES GLIBC_TUNABLES=glibc.malloc.hugetlb=0)
check "a caller's own hugetlb setting is left alone (got '$tun', $hg)" '[ "$tun" = glibc.malloc.hugetlb=0 ] && [ "$hg" = 0 ]'

read -r tun hg < <(observe -u GLIBC_TUNABLES QBERG_HUGEPAGES=0)
check "QBERG_HUGEPAGES=0: no re-exec (got '$tun', $hg)" '[ "$tun" = - ] && [ "$hg" = 0 ]'

# the same tables either way (clock and ids pinned)
ingest_sums() {
  local w="$TMPDIR/sum$RANDOM$RANDOM"
  env "$@" QB_TEST_NOW=20261126T120000Z QB_TEST_SEED=7 "$QBERG" -w "$w" ingest --raw "$TMPDIR/raw" \
    --batch-id 00000000-0000-0000-0000-000000000001 >/dev/null
  (cd "$w" && find . -name '*.parquet' | sort | xargs sha256sum)
}
a=$(ingest_sums -u GLIBC_TUNABLES QBERG_HUGEPAGES=0)
b=$(ingest_sums -u GLIBC_TUNABLES -u QBERG_HUGEPAGES)
check "the same data files with and without huge pages ($(printf '%s\n' "$a" | wc -l) files)" \
  '[ -n "$a" ] && [ "$a" = "$b" ]'

echo "hugepages.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
