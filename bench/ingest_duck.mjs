#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// DuckDB half of bench/ingest.sh: the same flattening as `qberg ingest` on a first batch, in SQL:
// read_json of every raw file of the topic folder, experiment_id = sha256 of to_json(struct), the nine tables
// (string ids from DuckDB's hash(): not Spark's values, the same work), COPY ... (FORMAT parquet,
// COMPRESSION zstd, PARTITION_BY (...)) per table. THREADS (default 1, as qberg) DuckDB threads.
// Prints one JSON line: wall and cpu seconds of the whole job, rows per table.
import { mkdirSync } from 'fs';
import { duck, sqlStr } from '../tests/oracles/lib-duck.mjs';

const [topic, out, threads = '1'] = process.argv.slice(2);
if (!out || !/^[0-9]+$/.test(threads)) {
  console.error('usage: ingest_duck.mjs TOPIC_DIR OUT_DIR [THREADS]');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const db = await duck();
const c0 = process.cpuUsage();
const w0 = performance.now();
await db.all(`SET threads=${threads}`);
await db.all(`SET preserve_insertion_order=false`);
await db.all(`CREATE TEMP TABLE raw AS SELECT * FROM read_json(${sqlStr(topic + '/*.json')},
  format='newline_delimited', union_by_name=true, maximum_object_size=268435456)`);
await db.all(`CREATE TEMP TABLE base AS SELECT
  sha256(to_json({'molecule_data': molecule.molecule_data, 'basis_set': basis_set,
                  'initial_data': vqe_result.initial_data})) AS experiment_id,
  molecule_id, basis_set, vqe_result.initial_data.backend AS backend,
  vqe_result.initial_data.num_qubits AS num_qubits, molecule, vqe_result,
  hamiltonian_time, mapping_time, vqe_time, total_time,
  current_timestamp AS processing_timestamp, current_date AS processing_date,
  'bench' AS processing_batch_id, 'quantum_base_processing' AS processing_name
  FROM raw`);
const meta = 'processing_timestamp, processing_date, processing_batch_id, processing_name';
const tables = {
  molecules: [`SELECT experiment_id, molecule_id, array_to_string(molecule.molecule_data.symbols, '') AS molecule_name,
     len(molecule.molecule_data.symbols) AS atom_count, molecule.molecule_data.symbols AS atom_symbols,
     flatten(molecule.molecule_data.coords) AS coordinates, molecule.molecule_data.multiplicity AS multiplicity,
     molecule.molecule_data.charge AS charge, molecule.molecule_data.units AS coordinate_units,
     molecule.molecule_data.masses AS atomic_masses, ${meta} FROM base`, 'processing_date'],
  ansatz_info: [`SELECT experiment_id, molecule_id, basis_set, vqe_result.initial_data.ansatz AS ansatz,
     vqe_result.initial_data.ansatz_reps AS ansatz_reps, vqe_result.initial_data.num_parameters AS num_parameters,
     ${meta} FROM base`, 'processing_date, basis_set'],
  performance_metrics: [`SELECT experiment_id, molecule_id, basis_set, hamiltonian_time, mapping_time, vqe_time,
     total_time, hamiltonian_time + mapping_time + vqe_time AS computed_total_time, ${meta} FROM base`,
     'processing_date, basis_set'],
  vqe_results: [`SELECT experiment_id, molecule_id, basis_set, backend, num_qubits,
     vqe_result.initial_data.optimizer AS optimizer, vqe_result.minimum AS minimum_energy,
     vqe_result.optimal_parameters AS optimal_parameters, len(vqe_result.iteration_list) AS total_iterations,
     vqe_result.initial_data.default_shots AS default_shots, ${meta} FROM base`,
     'processing_date, basis_set, backend'],
  initial_parameters: [`SELECT *, experiment_id || '_init_' || parameter_index AS parameter_id FROM (
     SELECT experiment_id, molecule_id, basis_set, backend, num_qubits, v AS initial_parameter_value, ${meta},
       hash(experiment_id || v::VARCHAR) % 1000000 AS parameter_index
     FROM (SELECT *, unnest(vqe_result.initial_data.initial_parameters) AS v FROM base))`,
     'processing_date, basis_set'],
  optimal_parameters: [`SELECT *, experiment_id || '_opt_' || parameter_index AS parameter_id FROM (
     SELECT experiment_id, molecule_id, basis_set, backend, num_qubits, v AS optimal_parameter_value, ${meta},
       hash(experiment_id || v::VARCHAR) % 1000000 AS parameter_index
     FROM (SELECT *, unnest(vqe_result.optimal_parameters) AS v FROM base))`,
     'processing_date, basis_set'],
  vqe_iterations: [`SELECT experiment_id, molecule_id, basis_set, backend, num_qubits, it.iteration AS iteration_step,
     it.result AS iteration_energy, it.std AS energy_std_dev, it.energy_delta AS energy_delta,
     it.parameter_delta_norm AS parameter_delta_norm, it.cumulative_min_energy AS cumulative_min_energy, ${meta},
     experiment_id || '_iter_' || (hash(experiment_id || it.iteration::VARCHAR) % 1000000) AS iteration_id
     FROM (SELECT *, unnest(vqe_result.iteration_list) AS it FROM base)`,
     'processing_date, basis_set, backend'],
  iteration_parameters: [`SELECT *, iteration_id || '_param_' || parameter_index AS parameter_id FROM (
     SELECT experiment_id, molecule_id, basis_set, backend, num_qubits, iteration_step,
       unnest(range(len(params))) AS parameter_index, unnest(params) AS parameter_value, ${meta},
       experiment_id || '_iter_' || (hash(experiment_id || iteration_step::VARCHAR) % 1000000) AS iteration_id
     FROM (SELECT *, it.iteration AS iteration_step, it.parameters AS params
           FROM (SELECT *, unnest(vqe_result.iteration_list) AS it FROM base)))`,
     'processing_date, basis_set'],
  hamiltonian_terms: [`SELECT *, experiment_id || '_term_' || term_index AS term_id FROM (
     SELECT experiment_id, molecule_id, basis_set, backend, h.label AS term_label,
       h.coefficients.real::DOUBLE AS coeff_real, h.coefficients.imaginary::DOUBLE AS coeff_imag, ${meta},
       hash(experiment_id || h.label) % 1000000 AS term_index
     FROM (SELECT *, unnest(vqe_result.initial_data.hamiltonian) AS h FROM base))`,
     'processing_date, basis_set, backend'],
};
const rows = {};
for (const [name, [sql, parts]] of Object.entries(tables)) {
  const r = await db.all(`COPY (${sql}) TO ${sqlStr(out + '/' + name)}
    (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${parts}), OVERWRITE_OR_IGNORE)`);
  rows[name] = Number(Object.values(r[0] ?? { n: 0 })[0]);
}
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ wall: (performance.now() - w0) / 1000, cpu: (c.user + c.system) / 1e6, rows }));
