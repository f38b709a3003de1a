#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Compares what a Parquet oracle read (parquet-rows.mjs = DuckDB, parquet-rows-hyparquet.mjs) with what
// tests/tools/pq_gen says it wrote (canonical JSON, see pq_gen.c), column type by column type.
// Usage: node pq_compare.mjs TYPES.json EXPECTED.jsonl ACTUAL.jsonl duckdb|hyparquet
// Prints "ok N rows" or the first mismatches; exit 1 on any difference.
// Known lossy spots of the oracles, normalised on both sides: DuckDB prints -0.0 as 0; hyparquet decodes
// every BYTE_ARRAY as UTF-8 text, turns timestamps into JS Dates (millisecond precision) and decimals into
// doubles, and returns maps as JS objects (keys as strings, integer-like keys reordered).
import { readFileSync } from 'node:fs';

const [typesPath, expPath, actPath, oracle] = process.argv.slice(2);
if (!oracle || !['duckdb', 'hyparquet'].includes(oracle)) {
  console.error('usage: pq_compare.mjs TYPES.json EXPECTED.jsonl ACTUAL.jsonl duckdb|hyparquet');
  process.exit(2);
}
const duck = oracle === 'duckdb';

// Quote bare integers too long for a double before JSON.parse (hyparquet prints int64 exactly).
function parseLine(line) {
  return JSON.parse(
    line.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (m) => (/^-?\d{16,}$/.test(m) ? `"${m}"` : m)),
  );
}
const lines = (p) => readFileSync(p, 'utf8').split('\n').filter((l) => l.length).map(parseLine);

const hexBytes = (h) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const duckBlob = (h) =>
  Array.from(hexBytes(h), (b) => (b >= 0x20 && b <= 0x7e && b !== 0x22 && b !== 0x27 ? String.fromCharCode(b) : '\\x' + b.toString(16).toUpperCase().padStart(2, '0'))).join('');
const utf8 = new TextDecoder();
const MICROS_PER_DAY = 86400000000n;

function floatNorm(v, single) {
  if (v === null) return null;
  if (typeof v === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(v)) return v;
  let x = Number(v);
  if (single) x = Math.fround(x);
  if (Object.is(x, -0)) x = 0; // DuckDB's JSON loses the sign of zero
  return String(x);
}

// DuckDB "YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM]]" -> microseconds since the epoch (BigInt)
function duckTsMicros(s) {
  const m = /^(-?\d+)-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?)?$/.exec(s);
  if (!m) throw new Error(`bad timestamp ${s}`);
  const days = BigInt(Math.round(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86400000));
  let us = days * MICROS_PER_DAY + BigInt(m[4]) * 3600000000n + BigInt(m[5]) * 60000000n + BigInt(m[6]) * 1000000n;
  if (m[7]) us += BigInt((m[7] + '000000').slice(0, 6));
  if (m[8]) {
    const off = BigInt(m[9]) * 3600000000n + BigInt(m[10] ?? '0') * 60000000n;
    us -= m[8] === '+' ? off : -off;
  }
  return us;
}

function norm(t, v, side) {
  if (v === null || v === undefined) return null;
  const exp = side === 'expected';
  switch (t.t) {
    case 'bool':
      return v;
    case 'i8':
    case 'i32':
      return Number(v);
    case 'i64':
      return BigInt(v).toString();
    case 'f32':
      return floatNorm(v, true);
    case 'f64':
      return floatNorm(v, false);
    case 'str':
      return v;
    case 'bin':
      if (!exp) return v;
      return duck ? duckBlob(v) : utf8.decode(hexBytes(v));
    case 'fixed':
      if (!exp) return duck ? v : v.$hex;
      return duck ? duckBlob(v) : v;
    case 'uuid':
      return exp ? v : v.replaceAll('-', '');
    case 'date':
      if (exp) return Number(v);
      return Math.round((duck ? Date.parse(v + 'T00:00:00Z') : Date.parse(v)) / 86400000);
    case 'ts':
    case 'tstz':
    case 'i96':
      if (duck) return exp ? v : duckTsMicros(v).toString();
      // hyparquet: new Date(Number(micros / 1000n)) -> ISO string
      return exp ? new Date(Number(BigInt(v) / 1000n)).toISOString() : v;
    case 'dec':
      if (duck) return exp ? BigInt(v).toString() : BigInt(v.replace('.', '')).toString();
      return exp ? Number(BigInt(v)) / 10 ** t.scale : Number(v);
    case 'struct': {
      const o = {};
      for (const k of t.kids) o[k.name] = norm(k, v[k.name], side);
      return o;
    }
    case 'list':
      return v.map((x) => norm(t.kids[0], x, side));
    case 'map': {
      let pairs;
      if (exp) pairs = v.map(([k, x]) => [norm(t.kids[0], k, side), norm(t.kids[1], x, side)]);
      else if (duck) pairs = v.map((e) => [norm(t.kids[0], e.key, side), norm(t.kids[1], e.value, side)]);
      else pairs = Object.entries(v).map(([k, x]) => [k, norm(t.kids[1], x, side)]);
      if (!duck) pairs = pairs.map(([k, x]) => [String(k), x]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return pairs;
    }
    default:
      throw new Error(`unknown type ${t.t}`);
  }
}

const types = JSON.parse(readFileSync(typesPath, 'utf8'));
const expected = lines(expPath);
const actual = lines(actPath);
let bad = 0;
if (expected.length !== actual.length) {
  console.log(`row count: expected ${expected.length}, ${oracle} read ${actual.length}`);
  bad++;
}
const n = Math.min(expected.length, actual.length);
for (let i = 0; i < n && bad < 10; i++) {
  for (const col of types.kids) {
    const e = JSON.stringify(norm(col, expected[i][col.name], 'expected'), (k, x) => (typeof x === 'bigint' ? x.toString() : x));
    const a = JSON.stringify(norm(col, actual[i][col.name], 'actual'), (k, x) => (typeof x === 'bigint' ? x.toString() : x));
    if (e !== a) {
      console.log(`row ${i} column ${col.name}:\n  expected ${e}\n  ${oracle.padEnd(8)} ${a}`);
      if (++bad >= 10) break;
    }
  }
}
if (bad) process.exit(1);
console.log(`ok ${n} rows`);
