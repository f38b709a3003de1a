#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// DuckDB half of bench/parquet.sh (threads=1): loads SRC (qberg's file) into an in-memory table (not
// timed), times COPY of that table to OUT (CODEC, default zstd), then times full reads (every column decoded
// into an aggregate) of OUT and of SRC, each REPEAT times. One JSON line per timed run; cpu = this process's
// user+system time.
import { duck, sqlStr } from '../tests/oracles/lib-duck.mjs';

const [src, out, codec = 'zstd', repeat = '1'] = process.argv.slice(2);
if (!out || !/^[a-z0-9_]+$/.test(codec)) { // lz4_raw too
  console.error('usage: parquet_duck.mjs QBERG.parquet OUT.parquet [CODEC [REPEAT]]');
  process.exit(2);
}
const db = await duck();
await db.all('SET threads=1');
await db.all(`CREATE TABLE t AS SELECT * FROM read_parquet(${sqlStr(src)})`);

async function timed(op, sql) {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const rows = await db.all(sql);
  const c = process.cpuUsage(c0);
  return { op, wall: (performance.now() - w0) / 1000, cpu: (c.user + c.system) / 1e6, result: rows[0] ?? null };
}
const agg = (f) => `SELECT count(*) AS n, sum(id) AS id, sum(user_id) AS user_id, sum(amount) AS amount,
  sum(price) AS price, sum(length(name)) AS name, sum(length(category)) AS category, sum(length(comment)) AS comment,
  sum(epoch_ms(d) // 86400000) AS d, sum(epoch_us(ts) % 1000000007) AS ts, count_if(flag) AS flag, sum(qty) AS qty,
  sum(disc) AS disc, count(disc) AS disc_n FROM read_parquet(${sqlStr(f)})`;

for (let i = 0; i < Number(repeat); i++) {
  const w = await timed('write', `COPY t TO ${sqlStr(out)} (FORMAT parquet, COMPRESSION ${codec})`);
  delete w.result;
  console.log(JSON.stringify(w));
}
for (let i = 0; i < Number(repeat); i++) {
  console.log(JSON.stringify(await timed('read_own', agg(out))));
  console.log(JSON.stringify(await timed('read_qberg', agg(src))));
}
