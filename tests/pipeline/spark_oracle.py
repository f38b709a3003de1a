# SPDX-License-Identifier: Apache-2.0
"""Checks `qberg vqe id` / `qberg vqe rows` output for one batch against the JDK 17 reference
(tests/data/vqe/tools: SparkRef.java and emul_experiment_id.py, an independent emulator of Spark's batch
schema inference, to_json, Double.toString, Murmur3 and SHA-256).
Usage: spark_oracle.py TOOLS_DIR IDS_FILE ROWS_FILE RAW_FILE...   (prints one line per check, exit 1 on a mismatch)"""
import json, os, sys

tools, ids_file, rows_file, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
sys.path.insert(0, tools)
import emul_experiment_id as E  # noqa: E402

failed = 0
def report(name, bad, total):
    global failed
    print(f"{name}: {total - bad}/{total} equal")
    if bad:
        failed += 1

recs = [json.load(open(f, encoding='utf-8')) for f in files]
schema = ('null',)
for r in recs:
    schema = E.merge(schema, E.infer(r))
schema = E.canon(schema)
acc = []
for r in recs:  # every double of the batch through one JVM run
    E.collect_doubles(r, schema, acc)
E.dstr_many(acc)

# experiment_id: the emulator's to_json text and sha256
res = E.run(files, list(range(len(files))), 'batch')
want = {os.path.basename(f): res['files'][os.path.basename(f)]['eid'] for f in files}
ours = {}
for line in open(ids_file, encoding='utf-8'):
    eid, path = line.rstrip('\n').split('  ', 1)
    ours[os.path.basename(path)] = eid
report('experiment_id', sum(ours.get(k) != v for k, v in want.items()), len(want))

# the hashed columns: hash(concat(experiment_id, x)) % 1000000 through SparkRef's Murmur3 port
vr = schema[1]['vqe_result'][1]
init_t = vr['initial_data'][1]['initial_parameters'][1]
opt_t = vr['optimal_parameters'][1]
def as_string(v, t):
    return E.dstr(float(v)) if t[0] == 'double' else str(int(v))
expect = {'initial_parameters': [], 'optimal_parameters': [], 'vqe_iterations': [], 'hamiltonian_terms': []}
inputs = []
for f, r in zip(files, recs):
    eid = want[os.path.basename(f)]
    v = r['vqe_result']
    for x in v['initial_data']['initial_parameters']:
        inputs.append(eid + as_string(x, init_t)); expect['initial_parameters'].append((eid, '_init_'))
    for x in v['optimal_parameters']:
        inputs.append(eid + as_string(x, opt_t)); expect['optimal_parameters'].append((eid, '_opt_'))
    seen = set()
    for it in v['iteration_list']:
        if it['iteration'] in seen:
            continue
        seen.add(it['iteration'])
        inputs.append(eid + str(it['iteration'])); expect['vqe_iterations'].append((eid, '_iter_'))
    for t in v['initial_data']['hamiltonian']:
        inputs.append(eid + t['label']); expect['hamiltonian_terms'].append((eid, '_term_'))
hashes = E.murmur_many(inputs) if inputs else []
want_ids = {k: [] for k in expect}
# murmur inputs were appended record by record, interleaving tables: rebuild per table in that order
order = []
for f, r in zip(files, recs):
    v = r['vqe_result']
    order += ['initial_parameters'] * len(v['initial_data']['initial_parameters'])
    order += ['optimal_parameters'] * len(v['optimal_parameters'])
    order += ['vqe_iterations'] * len({it['iteration'] for it in v['iteration_list']})
    order += ['hamiltonian_terms'] * len(v['initial_data']['hamiltonian'])
pos = {k: 0 for k in expect}
for table, (h, m) in zip(order, hashes):
    eid, tag = expect[table][pos[table]]
    pos[table] += 1
    want_ids[table].append((m, f"{eid}{tag}{m}"))

class Num(str):
    """A JSON number with a fraction or exponent, kept as the text qberg printed."""

got = {k: [] for k in expect}
doubles = set()
def walk(v):
    if isinstance(v, Num):
        doubles.add(str(v))
    elif isinstance(v, list):
        for x in v:
            walk(x)
with open(rows_file, encoding='utf-8') as fh:
    for line in fh:
        o = json.loads(line, parse_float=Num)
        t, row = o['table'], o['row']
        if t in got:
            key = row.get('parameter_id', row.get('iteration_id', row.get('term_id')))
            idx = row.get('parameter_index', row.get('term_index'))
            if t == 'vqe_iterations':
                idx = int(key.rsplit('_', 1)[1])
            got[t].append((idx, key))
        for v in row.values():
            walk(v)
for t in expect:
    report(f'{t} index and id', sum(a != b for a, b in zip(got[t], want_ids[t])) + abs(len(got[t]) - len(want_ids[t])),
           len(want_ids[t]))

# every double qberg printed is Java 17's Double.toString of that value
E.dstr_many(sorted({float(s) for s in doubles}))
report('Double.toString of printed doubles', sum(E.dstr(float(s)) != s for s in doubles), len(doubles))
sys.exit(1 if failed else 0)
