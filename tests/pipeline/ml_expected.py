# Compares the ML rows of EXPECTED.md (samples A, B, C: first 3 iterations + the last one, convergence_iteration,
# the run-summary aggregates — values computed by the spec's author, not by qberg) with `qberg scan --format jsonl`
# output of ml_iteration_features (argv[2]) and ml_run_summary (argv[3]). argv[1] = EXPECTED.md.
# Prints "ml_expected: N passed, N failed" and exits 1 on any difference (doubles: 1e-12 relative).
import json
import re
import sys

exp_md, iter_file, sum_file = sys.argv[1:4]
iters = {}
for line in open(iter_file):
    r = json.loads(line)
    iters[(r["experiment_id"], r["iteration_step"])] = r
summ = {}
for line in open(sum_file):
    r = json.loads(line)
    summ[r["experiment_id"]] = r

passed = failed = 0


def same(want_text, got):
    if want_text == "null":
        return got is None
    if want_text in ("true", "false"):
        return got is (want_text == "true")
    if got is None or isinstance(got, (bool, str)):
        return False
    w = float(want_text)
    return w == got or abs(w - got) <= 1e-12 * max(abs(w), abs(got))


def check(what, want_text, got):
    global passed, failed
    if same(want_text, got):
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}: EXPECTED.md {want_text}, qberg {got}")


iter_cols = ["iteration_step", "energy", "is_new_minimum", "steps_since_improvement", "energy_moving_avg_5",
             "energy_moving_std_5", "mean_param_change", "relative_iteration", "energy_improvement_rate",
             "normalized_energy"]
eid = None
mode = None
samples = 0
for line in open(exp_md):
    line = line.rstrip("\n")
    if line.startswith("## "):
        eid, mode = None, None
    m = re.match(r"^\* experiment_id = `([0-9a-f]{64})`", line)
    if m:
        eid = m.group(1)
        samples += 1
    m = re.match(r"^\* ML \(`ml_iteration_features`\).*convergence_iteration = (\d+):", line)
    if m and eid:
        mode = "iter"
        conv = m.group(1)
        for (e, _), r in iters.items():
            if e == eid:
                check(f"{eid[:8]} convergence_iteration", conv, r["convergence_iteration"])
                break
        else:
            check(f"{eid[:8]} has iteration rows", "true", False)
        continue
    if line.startswith("* ML (`ml_run_summary`)") and eid:
        mode = "sum"
        continue
    if not line.startswith("| ") or line.startswith("|---") or eid is None:
        continue
    cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
    if mode == "iter" and cells[0].isdigit() and len(cells) == len(iter_cols):
        r = iters.get((eid, int(cells[0])))
        if r is None:
            check(f"{eid[:8]} step {cells[0]} present", "true", False)
            continue
        for col, want in zip(iter_cols, cells):
            check(f"{eid[:8]} step {cells[0]} {col}", want, r[col])
    elif mode == "sum" and len(cells) == 2 and cells[0] != "column":
        r = summ.get(eid)
        if r is None:
            check(f"{eid[:8]} summary present", "true", False)
            continue
        check(f"{eid[:8]} {cells[0]}", cells[1], r.get(cells[0], "missing"))

if samples < 3 or passed < 100:
    failed += 1
    print(f"FAIL: parsed only {samples} samples / {passed} values from EXPECTED.md")
print(f"ml_expected: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
