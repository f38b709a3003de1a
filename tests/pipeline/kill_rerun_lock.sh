# kill_rerun.sh with every commit taking the lock for stores without create-exclusive (as on Garage;
# docs/CATALOG.md "The lock"), a 1 s lease: a process killed inside a commit leaves its ticket behind,
# and the next run must break it and go on, neither losing nor duplicating a row.
set -eu
export QBERG_COMMIT_MODE=lock QBERG_LOCK_LEASE_MS=1000
exec bash "$QB_ROOT/tests/pipeline/kill_rerun.sh"
