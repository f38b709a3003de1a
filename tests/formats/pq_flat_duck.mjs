#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// DuckDB's aggregates of pq_gen's "flat" table, printed in the format of tests/tools/flat_agg.h.
// Usage: node pq_flat_duck.mjs FILE.parquet
import { duck, sqlStr } from '../oracles/lib-duck.mjs';

const db = await duck();
const [r] = await db.all(`SELECT count(*) AS rows, sum(id) AS sum_id, count(v) AS n_v, sum(v) AS sum_v,
  count(s) AS n_s, sum(length(s)) AS sum_len_s, count(d) AS n_d, sum(d - DATE '1970-01-01') AS sum_d,
  count(ts) AS n_ts, sum(epoch_us(ts) // 1000000 - 1600000000) AS sum_ts_s, count(flag) AS n_flag,
  count_if(flag) AS n_true, sum(n) AS sum_n FROM read_parquet(${sqlStr(process.argv[2])})`);
const n = (x) => Number(x);
const s = (x) => String(x);
// %.17g of an integral double below 2^53 prints its digits
console.log(`{"rows":${n(r.rows)},"sum_id":"${s(r.sum_id)}","n_v":${n(r.n_v)},"sum_v":${n(r.sum_v)},"n_s":${n(r.n_s)},` +
  `"sum_len_s":${n(r.sum_len_s)},"n_d":${n(r.n_d)},"sum_d":"${s(r.sum_d)}","n_ts":${n(r.n_ts)},` +
  `"sum_ts_s":"${s(r.sum_ts_s)}","n_flag":${n(r.n_flag)},"n_true":${n(r.n_true)},"sum_n":"${s(r.sum_n)}"}`);
