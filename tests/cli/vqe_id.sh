# qberg vqe id on the spec's 8 good samples as one batch: the experiment_ids of EXPECTED.md, in file order.
set -eu
cd "$QB_TEST_DATA/vqe"
"$QBERG" vqe id experiments/experiment.vqe/*.json
