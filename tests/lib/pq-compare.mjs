#!/usr/bin/env node
// Compare `qberg parquet cat` JSON lines with an oracle's JSON lines (DuckDB parquet-rows.mjs or
// hyparquet parquet-rows-hyparquet.mjs), after normalising both to the same conventions:
//   numbers     kept as their source text; integers compared exactly (BigInt), others as doubles, where a
//               float column may match after rounding both to float32 (DuckDB widens FLOAT to double);
//               DuckDB prints BIGINT/HUGEINT as strings ("10"), hyparquet prints decimals as numbers
//   timestamps  "2009-03-01 00:00:00" (DuckDB), "2009-03-01T00:00:00.000Z" (hyparquet), ours
//               "2009-03-01T00:00:00.000000[Z]": compared as date + time + fraction (hyparquet: ms only)
//   binary      ours lowercase hex ("0a1b"); DuckDB BLOB text with \xNN escapes; hyparquet {"$hex": ..}
//   NaN/inf     ours "NaN"/"Infinity"/"-Infinity"; DuckDB the same strings
// Usage: node pq-compare.mjs OURS.jsonl ORACLE.jsonl [--hyparquet]   exit 0 equal, 1 different (first
// differences on stderr), 2 usage.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const hyp = args.includes('--hyparquet');
const files = args.filter(a => !a.startsWith('--'));
if (files.length !== 2) { console.error('usage: pq-compare.mjs OURS ORACLE [--hyparquet]'); process.exit(2); }

// A JSON parser that keeps numbers as {num: text} so that int64 stays exact.
function parse(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  function val() {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; const o = {}; ws();
      if (text[i] === '}') { i++; return o; }
      for (;;) {
        ws(); const k = str(); ws();
        if (text[i++] !== ':') throw new Error(`expected ':' at ${i}`);
        o[k] = val(); ws();
        const d = text[i++];
        if (d === '}') return o;
        if (d !== ',') throw new Error(`expected ',' or '}' at ${i}`);
      }
    }
    if (c === '[') {
      i++; const a = []; ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(val()); ws();
        const d = text[i++];
        if (d === ']') return a;
        if (d !== ',') throw new Error(`expected ',' or ']' at ${i}`);
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (!m) throw new Error(`bad JSON at ${i}: ${text.slice(i, i + 20)}`);
    i += m[0].length;
    return { num: m[0] };
  }
  function str() {
    if (text[i] !== '"') throw new Error(`expected string at ${i}`);
    let j = i + 1;
    while (text[j] !== '"') { if (text[j] === '\\') j++; j++; if (j >= text.length) throw new Error('unterminated string'); }
    const s = JSON.parse(text.slice(i, j + 1));
    i = j + 1;
    return s;
  }
  const v = val(); ws();
  if (i !== text.length) throw new Error(`trailing text at ${i}`);
  return v;
}

const isNum = v => v !== null && typeof v === 'object' && typeof v.num === 'string';
const isInt = s => /^-?\d+$/.test(s);
function numEq(a, b) {
  if (isInt(a) && isInt(b)) return BigInt(a) === BigInt(b);
  const x = Number(a), y = Number(b);
  return x === y || Math.fround(x) === Math.fround(y);
}
// Timestamps / dates / times: [date, hh:mm:ss, fraction(6 digits)] or null.
const TS = /^(\d{4,}-\d\d-\d\d(?: \(BC\))?)(?:[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?)?(Z|[+-]\d\d(?::?\d\d)?)?$/;
const TM = /^(\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?$/;
function timeParts(s) {
  let m = TS.exec(s);
  if (m) {
    if (m[4] && !/^(Z|[+-]00(:?00)?)$/.test(m[4])) return null;
    return [m[1].replace(/^\+/, ''), m[2] || '00:00:00', (m[3] || '').padEnd(6, '0').slice(0, 6), !!m[2]];
  }
  m = TM.exec(s);
  if (m) return ['', m[1], (m[2] || '').padEnd(6, '0').slice(0, 6), true];
  return null;
}
function blobHex(s) { // DuckDB BLOB text: printable bytes as themselves, the rest as \xNN
  const out = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === 'x' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 2, i + 4))) {
      out.push(s.slice(i + 2, i + 4).toLowerCase()); i += 3;
    } else {
      const b = Buffer.from(s[i], 'utf8');
      for (const x of b) out.push(x.toString(16).padStart(2, '0'));
    }
  }
  return out.join('');
}
function strEq(ours, theirs) {
  if (ours === theirs) return true;
  const a = timeParts(ours), b = timeParts(theirs);
  if (a && b) {
    const fa = hyp ? a[2].slice(0, 3) : a[2], fb = hyp ? b[2].slice(0, 3) : b[2];
    return a[0] === b[0] && a[1] === b[1] && fa === fb;
  }
  if (/^[0-9a-f]*$/.test(ours) && blobHex(theirs) === ours) return true;
  return false;
}

function eq(a, b, path, diffs) {
  const fail = why => { diffs.push(`${path}: ${why}: ours ${show(a)} vs oracle ${show(b)}`); return false; };
  if (a === null || b === null) return a === b ? true : fail('null mismatch');
  if (isNum(a) && isNum(b)) return numEq(a.num, b.num) || fail('number');
  if (isNum(a) && typeof b === 'string') return (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(b) && numEq(a.num, b)) || fail('number vs string');
  if (typeof a === 'string' && isNum(b)) return (/^-?\d+(\.\d+)?$/.test(a) && Number(a) === Number(b.num)) || fail('decimal string vs number');
  if (typeof a === 'string' && b && typeof b === 'object' && typeof b.$hex === 'string') return a === b.$hex || fail('binary');
  if (typeof a === 'string' && typeof b === 'string') return strEq(a, b) || fail('string');
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b || fail('bool');
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return fail(`length ${a.length} vs ${b.length}`);
    let ok = true;
    for (let k = 0; k < a.length; k++) ok = eq(a[k], b[k], `${path}[${k}]`, diffs) && ok;
    return ok;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.join('\u0000') !== kb.join('\u0000')) return fail(`keys [${ka}] vs [${kb}]`);
    let ok = true;
    for (const k of ka) ok = eq(a[k], b[k], `${path}.${k}`, diffs) && ok;
    return ok;
  }
  return fail('shape');
}
function show(v) {
  const s = JSON.stringify(v, (k, x) => (isNum(x) ? Number(x.num) : x));
  return s === undefined ? 'undefined' : s.length > 120 ? s.slice(0, 120) + '…' : s;
}

const lines = f => readFileSync(f, 'utf8').split('\n').filter(l => l.length > 0);
const ours = lines(files[0]), theirs = lines(files[1]);
const diffs = [];
if (ours.length !== theirs.length) diffs.push(`row count: ours ${ours.length} vs oracle ${theirs.length}`);
for (let r = 0; r < Math.min(ours.length, theirs.length) && diffs.length < 10; r++) {
  let a, b;
  try { a = parse(ours[r]); } catch (e) { diffs.push(`row ${r}: our line is not JSON: ${e.message}`); continue; }
  b = parse(theirs[r]);
  eq(a, b, `row ${r}`, diffs);
}
if (diffs.length) { for (const d of diffs.slice(0, 10)) console.error(d); process.exit(1); }
