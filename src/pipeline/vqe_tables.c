/* SPDX-License-Identifier: Apache-2.0 */
/* The static description of the nine feature tables and processing_metadata (pipeline-spec §4.1–§4.11):
 * column order, types, key columns, identity partitions and table comments, as the seed creates them.
 * Double fields Spark may infer as bigint (coeff_imag, energy_std_dev, maxcv) are always double here. */
#include <string.h>

#include "qberg/vqe.h"

#define S QB_VQE_T_STRING
#define L QB_VQE_T_LONG
#define I QB_VQE_T_INT
#define D QB_VQE_T_DOUBLE
#define B QB_VQE_T_BOOLEAN
#define C(name, type, doc) {name, type, false, false, doc}

#define EID C("experiment_id", S, "sha2-256 of Spark's to_json(struct(molecule_data, basis_set, initial_data))")
#define MOLID C("molecule_id", L, "index of the molecule in the producer's molecules file")
#define BASIS C("basis_set", S, "basis set, e.g. sto3g")
#define BACKEND C("backend", S, "vqe_result.initial_data.backend")
#define QUBITS C("num_qubits", L, "vqe_result.initial_data.num_qubits")
#define META4                                                                                     \
  C("processing_timestamp", QB_VQE_T_TIMESTAMPTZ, "when the batch was processed"),               \
      C("processing_date", QB_VQE_T_DATE, "UTC day of processing_timestamp"),                     \
      C("processing_batch_id", S, "UUID of the processing run"),                                  \
      C("processing_name", S, "'quantum_base_processing'")

static const qb_vqe_column molecules_cols[] = {
    EID,
    MOLID,
    C("atom_symbols", QB_VQE_T_LIST_STRING, "molecule.molecule_data.symbols"),
    C("molecule_name", S, "the symbols concatenated in order, e.g. OHH"),
    C("coordinates", QB_VQE_T_LIST_LIST_DOUBLE, "molecule.molecule_data.coords"),
    C("multiplicity", L, "molecule.molecule_data.multiplicity"),
    C("charge", L, "molecule.molecule_data.charge"),
    C("coordinate_units", S, "molecule.molecule_data.units"),
    C("atomic_masses", QB_VQE_T_LIST_DOUBLE, "molecule.molecule_data.masses"),
    META4};

static const qb_vqe_column ansatz_cols[] = {
    EID,
    MOLID,
    BASIS,
    C("ansatz", S, "OpenQASM 3 text of the ansatz"),
    C("ansatz_reps", L, "vqe_result.initial_data.ansatz_reps"),
    C("ansatz_name", S, "coalesce(initial_data.ansatz_name, 'EfficientSU2')"),
    C("init_strategy", S, "coalesce(initial_data.init_strategy, 'random')"),
    META4};

static const qb_vqe_column perf_cols[] = {
    EID,
    MOLID,
    BASIS,
    C("hamiltonian_time", D, "seconds"),
    C("mapping_time", D, "seconds"),
    C("vqe_time", D, "seconds"),
    C("total_time", D, "seconds, as reported"),
    C("minimization_time", D, "vqe_result.minimization_time"),
    C("computed_total_time", D, "(hamiltonian_time + mapping_time) + vqe_time"),
    META4};

static const qb_vqe_column results_cols[] = {
    EID,
    MOLID,
    BASIS,
    BACKEND,
    QUBITS,
    C("optimizer", S, "vqe_result.initial_data.optimizer"),
    C("noise_backend", S, "vqe_result.initial_data.noise_backend ('undef': none)"),
    C("default_shots", L, "vqe_result.initial_data.default_shots"),
    C("ansatz_reps", L, "vqe_result.initial_data.ansatz_reps"),
    C("ansatz_name", S, "coalesce(initial_data.ansatz_name, 'EfficientSU2')"),
    C("init_strategy", S, "coalesce(initial_data.init_strategy, 'random')"),
    C("seed", L, "vqe_result.initial_data.seed"),
    C("minimum_energy", D, "vqe_result.minimum"),
    C("maxcv", D, "vqe_result.maxcv"),
    C("nuclear_repulsion_energy", D, "vqe_result.nuclear_repulsion_energy"),
    C("success", B, "vqe_result.success"),
    C("nfev", L, "vqe_result.nfev"),
    C("nit", L, "vqe_result.nit"),
    C("total_iterations", I, "size(vqe_result.iteration_list)"),
    META4};

static const qb_vqe_column initial_cols[] = {
    EID,
    MOLID,
    BASIS,
    BACKEND,
    QUBITS,
    C("initial_parameter_value", D, "an element of initial_data.initial_parameters"),
    META4,
    C("parameter_index", I, "hash(concat(experiment_id, value)) % 1000000: a bucket, not a position"),
    C("parameter_id", S, "experiment_id || '_init_' || parameter_index")};

static const qb_vqe_column optimal_cols[] = {
    EID,
    MOLID,
    BASIS,
    BACKEND,
    QUBITS,
    C("optimal_parameter_value", D, "an element of vqe_result.optimal_parameters"),
    META4,
    C("parameter_index", I, "hash(concat(experiment_id, value)) % 1000000: a bucket, not a position"),
    C("parameter_id", S, "experiment_id || '_opt_' || parameter_index")};

static const qb_vqe_column iterations_cols[] = {
    EID,
    MOLID,
    BASIS,
    BACKEND,
    QUBITS,
    C("iteration_step", L, "iteration_list[].iteration"),
    C("iteration_energy", D, "iteration_list[].result"),
    C("energy_std_dev", D, "iteration_list[].std"),
    C("energy_delta", D, "iteration_list[].energy_delta"),
    C("parameter_delta_norm", D, "iteration_list[].parameter_delta_norm"),
    C("cumulative_min_energy", D, "iteration_list[].cumulative_min_energy"),
    META4,
    C("iteration_id", S, "experiment_id || '_iter_' || hash(concat(experiment_id, iteration_step)) % 1000000")};

static const qb_vqe_column iter_params_cols[] = {
    EID,
    MOLID,
    BASIS,
    BACKEND,
    QUBITS,
    C("iteration_step", L, "iteration_list[].iteration"),
    C("parameter_index", I, "0-based position in iteration_list[].parameters"),
    C("parameter_value", D, "iteration_list[].parameters[parameter_index]"),
    META4,
    C("iteration_id", S, "as in vqe_iterations"),
    C("parameter_id", S, "iteration_id || '_param_' || parameter_index")};

static const qb_vqe_column terms_cols[] = {
    EID,
    MOLID,
    BASIS,
    BACKEND,
    C("term_label", S, "Pauli string of the Hamiltonian term"),
    C("coeff_real", D, "coefficients.real"),
    C("coeff_imag", D, "coefficients.imaginary"),
    META4,
    C("term_index", I, "hash(concat(experiment_id, term_label)) % 1000000"),
    C("term_id", S, "experiment_id || '_term_' || term_index")};

static const qb_vqe_column metadata_cols[] = {
    C("processing_batch_id", S, "UUID of the processing run"),
    C("processing_name", S, "'quantum_base_processing'"),
    C("processing_timestamp", QB_VQE_T_TIMESTAMPTZ, "when the run recorded this row"),
    C("processing_date", QB_VQE_T_DATE, "UTC day of processing_timestamp"),
    C("table_names", QB_VQE_T_LIST_STRING, "the nine feature tables in processing order"),
    C("table_versions", QB_VQE_T_LIST_STRING, "per table: v_<batch>, v_incr_<batch> or no_changes"),
    C("record_counts", QB_VQE_T_LIST_LONG, "per table: rows written"),
    C("source_data_info", S, "Incremental VQE simulation data processing from topic <topic>")};

/* column positions (see the arrays above); processing_date is where META4 starts + 1 */
static const uint8_t k_eid_mol[] = {0, 1}, k_eid_mol_basis[] = {0, 1, 2};
static const uint8_t k_param_id[] = {11}, k_iter_id[] = {15}, k_iter_param_id[] = {13}, k_term_id[] = {12};
static const uint8_t p_molecules[] = {10}, p_ansatz[] = {8, 2}, p_perf[] = {10, 2}, p_results[] = {20, 2, 3};
static const uint8_t p_params[] = {7, 2}, p_iters[] = {12, 2, 3}, p_iter_params[] = {9, 2},
                     p_terms[] = {8, 2, 3};

#define N(a) (sizeof a / sizeof a[0])
#define T(name, comment, cols, keys, parts) {name, comment, cols, N(cols), keys, N(keys), parts, N(parts)}

static const qb_vqe_table_desc tables[QB_VQE_TABLE_COUNT] = {
    T("molecules", "Molecule information for quantum simulations", molecules_cols, k_eid_mol, p_molecules),
    T("ansatz_info", "Ansatz configurations for quantum simulations", ansatz_cols, k_eid_mol, p_ansatz),
    T("performance_metrics", "Performance metrics for quantum simulations", perf_cols, k_eid_mol_basis, p_perf),
    T("vqe_results", "VQE optimization results for quantum simulations", results_cols, k_eid_mol_basis,
      p_results),
    T("initial_parameters", "Initial parameters for VQE optimization", initial_cols, k_param_id, p_params),
    T("optimal_parameters", "Optimal parameters found by VQE optimization", optimal_cols, k_param_id, p_params),
    T("vqe_iterations", "VQE optimization iterations and energy values", iterations_cols, k_iter_id, p_iters),
    T("iteration_parameters", "Parameters at each iteration of VQE optimization", iter_params_cols,
      k_iter_param_id, p_iter_params),
    T("hamiltonian_terms", "Hamiltonian terms for quantum simulations", terms_cols, k_term_id, p_terms),
    {"processing_metadata", NULL, metadata_cols, N(metadata_cols), NULL, 0, NULL, 0},
};

const qb_vqe_table_desc *qb_vqe_table_describe(qb_vqe_table t)
{
  return (unsigned)t < QB_VQE_TABLE_COUNT ? &tables[t] : NULL;
}

int qb_vqe_table_lookup(qb_vqe_table *out, const char *name, qb_err *err)
{
  for (int t = 0; t < QB_VQE_TABLE_COUNT; t++)
    if (name && !strcmp(tables[t].name, name)) {
      *out = (qb_vqe_table)t;
      return QB_OK;
    }
  return QB_FAIL(err, QB_ENOTFOUND, "no table named '%s' in %s", name ? name : "(null)", QB_VQE_NAMESPACE);
}

const char *qb_vqe_type_name(qb_vqe_type t)
{
  static const char *const names[] = {"string",      "long", "int",          "double",     "boolean",
                                      "timestamptz", "date", "list<string>", "list<long>", "list<double>",
                                      "list<list<double>>"};
  return (unsigned)t < N(names) ? names[t] : "?";
}
