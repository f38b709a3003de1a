#!/usr/bin/env bash
# qberg's manifest and manifest-list readers against avsc on every Iceberg manifest of the test corpus
# (tests/data/avro/*, tests/data/manifest/*: Java, Spark, PyIceberg, Trino, iceberg-rust test lists, v1 and v2).
# Each list is compared entry by entry; each manifest once per list that references it (snapshot ids and
# sequence numbers inherited from that list entry) and once on its own. avsc's records are put into v2
# shape by tests/lib/manifest-compare.mjs (the spec's v1 -> v2 reading rules), never by qberg.
set -u
exec node "$QB_ROOT/tests/lib/manifest-interop.mjs" "$QBERG" "$QB_ORACLES" "$QB_TEST_DATA"/avro/*/ "$QB_TEST_DATA"/manifest/*/
