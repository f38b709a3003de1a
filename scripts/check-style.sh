#!/usr/bin/env bash
# Checks clang-format cannot: the library never prints or exits, and no file includes a higher layer.
# Layers, low to high: util io formats iceberg catalog pipeline/maintenance cli.
set -u
cd "$(dirname "$0")/.."
bad=0
if grep -rnE '(^|[^a-z_>.])(printf|puts|putchar|perror|exit|abort)\s*\(|\b(stdout|stderr)\b' src \
     --include='*.c' --include='*.h' | grep -v '^src/cli/'; then
  echo "check-style: the library must not print or exit (above)"; bad=1
fi
# libcurl belongs to the io layer's HTTP glue alone: everything else speaks FileIO
if grep -rlE '#include <curl/' src tests bench fuzz --include='*.c' --include='*.h' 2>/dev/null | grep -vx 'src/io/http.c'; then
  echo "check-style: only src/io/http.c may use libcurl (above)"; bad=1
fi
rank() { case $1 in util) echo 0;; io) echo 1;; formats) echo 2;; iceberg) echo 3;; catalog) echo 4;;
  pipeline|maintenance) echo 5;; cli) echo 6;; *) echo 9;; esac; }
while IFS= read -r f; do
  layer=$(cut -d/ -f2 <<<"$f"); r=$(rank "$layer")
  while IFS= read -r inc; do
    il=$(cut -d/ -f1 <<<"$inc"); ir=$(rank "$il")
    [ "$ir" = 9 ] && continue
    if [ "$ir" -gt "$r" ] || { [ "$ir" = 5 ] && [ "$r" = 5 ] && [ "$il" != "$layer" ]; }; then
      echo "check-style: $f includes $inc (layer $il is above $layer)"; bad=1
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done < <(find src -name '*.[ch]')
[ $bad = 0 ] && echo "check-style: ok"
exit $bad
