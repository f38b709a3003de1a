#!/usr/bin/env node
// Usage: node ml-features.mjs FILES.tsv [--show N]
// An independent computation of the seed's ML tables (pipeline-spec §7.2, §7.3) in DuckDB SQL over the
// Parquet data files of the feature tables, compared with the data files of qberg's ml_iteration_features
// and ml_run_summary. FILES.tsv: one "TABLE<TAB>PATH" line per live data file (vqe_iterations, vqe_results,
// ansatz_info, molecules, performance_metrics, ml_iteration_features, ml_run_summary).
// Checks: column names and DuckDB types as the spec gives them; the same keys (experiment_id,
// iteration_step) / (experiment_id); every value equal: doubles within 1e-9 relative (or both null/NaN),
// everything else exactly. Prints one summary line per table ("ml_iteration_features: 171 rows, 34 columns,
// 0 mismatches") and the first mismatches; exit 0 when all equal, 1 otherwise, 2 on usage errors.
import { readFileSync } from 'node:fs';
import { duck, sqlStr } from './lib-duck.mjs';

const args = process.argv.slice(2);
let listFile = null, show = 20;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--show') show = Number(args[++i]);
  else listFile = args[i];
}
if (!listFile) { console.error('usage: ml-features.mjs FILES.tsv [--show N]'); process.exit(2); }

const files = {};
for (const line of readFileSync(listFile, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const [t, p] = line.split('\t');
  (files[t] ??= []).push(p);
}
const need = ['vqe_iterations', 'vqe_results', 'ansatz_info', 'molecules', 'performance_metrics',
  'ml_iteration_features', 'ml_run_summary'];
for (const t of need) if (!files[t]?.length) { console.error(`no data files for ${t}`); process.exit(2); }
const src = (t) => `read_parquet([${files[t].map(sqlStr).join(', ')}])`;

// The spec's columns and their types (Spark bigint = BIGINT, int = INTEGER).
const S = 'VARCHAR', L = 'BIGINT', I = 'INTEGER', D = 'DOUBLE', B = 'BOOLEAN', DT = 'DATE';
const ctxCols = [['molecule_name', S], ['num_atoms', I], ['num_qubits', L], ['charge', L], ['multiplicity', L],
  ['basis_set', S], ['optimizer', S], ['ansatz_type', S], ['ansatz_reps', L], ['init_strategy', S], ['seed', L],
  ['default_shots', L]];
const iterSpec = [['experiment_id', S], ['iteration_step', L], ...ctxCols, ['energy', D], ['energy_std', D],
  ['energy_delta', D], ['parameter_delta_norm', D], ['cumulative_min_energy', D], ['relative_iteration', D],
  ['energy_improvement_rate', D], ['normalized_energy', D], ['is_new_minimum', B], ['steps_since_improvement', I],
  ['energy_moving_avg_5', D], ['energy_moving_std_5', D], ['mean_param_change', D], ['total_iterations', I],
  ['final_energy', D], ['converged', B], ['convergence_iteration', L], ['vqe_time', D], ['total_time', D],
  ['processing_date', DT]];
const groupKeys = ['experiment_id', ...ctxCols.map(c => c[0]), 'total_iterations', 'final_energy', 'converged',
  'convergence_iteration', 'vqe_time', 'total_time'];
const sumSpec = [['experiment_id', S], ...ctxCols, ['total_iterations', I], ['final_energy', D], ['converged', B],
  ['convergence_iteration', L], ['vqe_time', D], ['total_time', D], ['mean_energy_delta', D],
  ['std_energy_delta', D], ['min_energy', D], ['max_energy', D], ['energy_range', D],
  ['mean_param_delta_norm', D], ['std_param_delta_norm', D], ['total_param_distance', D], ['num_new_minima', L],
  ['longest_plateau', I], ['improvement_ratio', D], ['processing_date', DT], ['first_10_mean_energy', D],
  ['first_10_energy_slope', D], ['last_10_mean_energy', D], ['time_per_iteration', D]];

const W = 'PARTITION BY experiment_id ORDER BY iteration_step ASC NULLS FIRST';
const db = await duck();
// §7.2 joins: vqe_iterations ⋈ new ids, then LEFT JOIN vqe_results, ansatz_info, molecules, performance_metrics.
await db.all(`CREATE TABLE base AS
  SELECT i.experiment_id, i.iteration_step, i.iteration_energy AS e, i.energy_std_dev, i.energy_delta,
         i.parameter_delta_norm, i.cumulative_min_energy AS c,
         m.molecule_name, CAST(len(m.atom_symbols) AS INTEGER) AS num_atoms, v.num_qubits, m.charge, m.multiplicity,
         a.basis_set, v.optimizer, a.ansatz_name AS ansatz_type, v.ansatz_reps, a.init_strategy, v.seed,
         v.default_shots, v.total_iterations, v.minimum_energy AS final_energy, v.success AS converged,
         p.vqe_time, p.total_time
  FROM ${src('vqe_iterations')} i
  LEFT JOIN ${src('vqe_results')} v ON i.experiment_id = v.experiment_id
  LEFT JOIN ${src('ansatz_info')} a ON i.experiment_id = a.experiment_id
  LEFT JOIN ${src('molecules')} m ON i.experiment_id = m.experiment_id
  LEFT JOIN ${src('performance_metrics')} p ON i.experiment_id = p.experiment_id`);
await db.all(`CREATE TABLE f1 AS SELECT *,
    CAST(iteration_step AS DOUBLE) / CAST(total_iterations AS DOUBLE) AS relative_iteration,
    (first_value(e) OVER (${W}) - c) / CAST(iteration_step AS DOUBLE) AS energy_improvement_rate,
    CASE WHEN c <> 0 THEN (e - c) / abs(c) ELSE 0.0 END AS normalized_energy,
    CASE WHEN lag(c) OVER (${W}) IS NULL THEN true WHEN c < lag(c) OVER (${W}) THEN true ELSE false END AS is_new_minimum,
    avg(e) OVER (${W} ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS energy_moving_avg_5,
    stddev_samp(e) OVER (${W} ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS energy_moving_std_5,
    sum(parameter_delta_norm) OVER (${W} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
      / CAST(iteration_step AS DOUBLE) AS mean_param_change,
    row_number() OVER (${W}) AS rn_asc,
    row_number() OVER (PARTITION BY experiment_id ORDER BY iteration_step DESC) AS rn_desc
  FROM base`);
await db.all(`CREATE TABLE f2 AS SELECT *,
    sum(CASE WHEN is_new_minimum THEN 1 ELSE 0 END) OVER (${W} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS grp
  FROM f1`);
// §7.1 step 5: the null-key drop comes after the window features.
await db.all(`CREATE TABLE feat AS SELECT *,
    CAST(row_number() OVER (PARTITION BY experiment_id, grp ORDER BY iteration_step) - 1 AS INTEGER) AS steps_since_improvement,
    max(CASE WHEN is_new_minimum THEN iteration_step END) OVER (PARTITION BY experiment_id) AS convergence_iteration
  FROM f2
  WHERE true QUALIFY molecule_name IS NOT NULL AND optimizer IS NOT NULL AND basis_set IS NOT NULL AND num_qubits IS NOT NULL`);
const date = (await db.all(`SELECT DISTINCT CAST(processing_date AS VARCHAR) AS d FROM ${src('ml_iteration_features')}`))
  .map(r => r.d);
// processing_date is current_date() of the run that computed the row: take it from qberg's row (checked to
// be a single day below), everything else is computed here.
const head = `rn_asc <= 10`;
const pair = `${head} AND e IS NOT NULL AND iteration_step IS NOT NULL`;
const x = 'CAST(iteration_step AS DOUBLE)';
const want = {
  ml_iteration_features: `SELECT experiment_id, iteration_step, ${ctxCols.map(c => c[0]).join(', ')},
      e AS energy, energy_std_dev AS energy_std, energy_delta, parameter_delta_norm, c AS cumulative_min_energy,
      relative_iteration, energy_improvement_rate, normalized_energy, is_new_minimum, steps_since_improvement,
      energy_moving_avg_5, energy_moving_std_5, mean_param_change, total_iterations, final_energy, converged,
      convergence_iteration, vqe_time, total_time, DATE '${date[0]}' AS processing_date
    FROM feat`,
  ml_run_summary: `SELECT ${groupKeys.join(', ')},
      avg(energy_delta) AS mean_energy_delta, stddev_samp(energy_delta) AS std_energy_delta,
      min(e) AS min_energy, max(e) AS max_energy, max(e) - min(e) AS energy_range,
      avg(parameter_delta_norm) AS mean_param_delta_norm, stddev_samp(parameter_delta_norm) AS std_param_delta_norm,
      sum(parameter_delta_norm) AS total_param_distance,
      count(CASE WHEN is_new_minimum THEN true END) AS num_new_minima,
      max(steps_since_improvement) AS longest_plateau,
      CAST(count(CASE WHEN is_new_minimum THEN true END) AS DOUBLE) / CAST(total_iterations AS DOUBLE) AS improvement_ratio,
      DATE '${date[0]}' AS processing_date,
      avg(e) FILTER (WHERE ${head}) AS first_10_mean_energy,
      CASE WHEN var_pop(${x}) FILTER (WHERE ${pair}) = 0 THEN NULL
           ELSE covar_pop(e, ${x}) FILTER (WHERE ${pair}) / var_pop(${x}) FILTER (WHERE ${pair}) END AS first_10_energy_slope,
      avg(e) FILTER (WHERE rn_desc <= 10) AS last_10_mean_energy,
      vqe_time / CAST(total_iterations AS DOUBLE) AS time_per_iteration
    FROM feat GROUP BY ${groupKeys.join(', ')}`,
};
const spec = { ml_iteration_features: iterSpec, ml_run_summary: sumSpec };
const keys = { ml_iteration_features: ['experiment_id', 'iteration_step'], ml_run_summary: ['experiment_id'] };

let bad = 0;
if (date.length !== 1) { console.log(`processing_date: expected one day, got ${JSON.stringify(date)}`); bad++; }
for (const t of ['ml_iteration_features', 'ml_run_summary']) {
  const cols = spec[t];
  const desc = await db.all(`DESCRIBE SELECT * FROM ${src(t)}`);
  const gotCols = desc.map(d => `${d.column_name}:${d.column_type}`).join(',');
  const wantCols = cols.map(([n, ty]) => `${n}:${ty}`).join(',');
  if (gotCols !== wantCols) {
    console.log(`${t}: columns differ\n  qberg: ${gotCols}\n  spec:  ${wantCols}`);
    bad++;
    continue;
  }
  const order = keys[t].join(', ');
  const sel = cols.map(([n]) => n).join(', ');
  const got = await db.all(`SELECT ${sel} FROM ${src(t)} ORDER BY ${order}`);
  const exp = await db.all(`SELECT ${sel} FROM (${want[t]}) ORDER BY ${order}`);
  const keyOf = (r) => keys[t].map(k => r[k]).join('|');
  const gm = new Map(got.map(r => [keyOf(r), r]));
  const em = new Map(exp.map(r => [keyOf(r), r]));
  let mism = 0;
  const report = (msg) => { if (mism++ < show) console.log(`${t}: ${msg}`); };
  if (gm.size !== got.length) report(`${got.length - gm.size} duplicate keys in qberg's table`);
  for (const k of em.keys()) if (!gm.has(k)) report(`missing row ${k}`);
  for (const k of gm.keys()) if (!em.has(k)) report(`extra row ${k}`);
  for (const [k, e] of em) {
    const g = gm.get(k);
    if (!g) continue;
    for (const [n, ty] of cols) {
      const a = g[n], b = e[n];
      let ok;
      if (a === null || b === null) ok = a === b;
      else if (ty === D) {
        const fa = Number(a), fb = Number(b);
        ok = (Number.isNaN(fa) && Number.isNaN(fb)) || fa === fb ||
             Math.abs(fa - fb) <= 1e-9 * Math.max(Math.abs(fa), Math.abs(fb));
      } else ok = JSON.stringify(a) === JSON.stringify(b);
      if (!ok) report(`row ${k} column ${n}: qberg ${JSON.stringify(a)}, DuckDB ${JSON.stringify(b)}`);
    }
  }
  console.log(`${t}: ${got.length} rows, ${cols.length} columns, ${mism} mismatches (DuckDB: ${exp.length} rows)`);
  if (mism) bad++;
}
process.exit(bad ? 1 : 0);
