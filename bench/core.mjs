// Quick figures for zds alone; the comparative suite is bench/run.mjs.
//   node bench/core.mjs [--n=100000] [--runs=3]
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from '../dist/index.mjs';
import { makeRecords } from './lib/data.mjs';

const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const N = arg('n', 100_000);
const RUNS = arg('runs', 3);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
const results = {};
const add = (k, ms) => (results[k] ??= []).push(ms);

const docs = makeRecords(N);
const ids = docs.map((d) => d.id);
const probe = Array.from({ length: 100_000 }, (_, i) => ids[(i * 2654435761) % N]);

for (let run = 0; run < RUNS; run++) {
  const dir = mkdtempSync(join(tmpdir(), 'zds-bench-'));
  add('JSON.stringify each (ceiling)', time(() => { for (const d of docs) JSON.stringify(d); }));
  const lines = docs.map((d) => JSON.stringify(d));
  add('JSON.parse each (ceiling)', time(() => { for (const l of lines) JSON.parse(l); }));

  add('put all + close (durable)', time(() => {
    const s = open(dir);
    const c = s.collection('bench');
    for (let i = 0; i < N; i++) c.put(ids[i], docs[i]);
    s.close();
  }));
  let s = open(dir);
  let c;
  add('open (valid index)', time(() => { c = s.collection('bench'); }));
  add('get warm x100k', time(() => { for (const id of probe) c.get(id); }));
  add('read all (toArray)', time(() => { c.toArray(); }));
  add('iterate all (for..of)', time(() => { for (const d of c) void d; }));
  add('index bytes/doc', c.stats.indexBytes / N);
  s.close();
  unlinkSync(join(dir, 'collections', 'bench', 'meta', 'index.bin'));
  s = open(dir);
  add('open (rebuild index)', time(() => { c = s.collection('bench'); }));
  s.close();
  rmSync(dir, { recursive: true, force: true });
}
const perDoc = results['index bytes/doc'];
delete results['index bytes/doc'];

console.log(`zds engine, ${N} documents, median of ${RUNS} runs, node ${process.version}`);
for (const [k, v] of Object.entries(results)) {
  const ms = median(v);
  console.log(`${k.padEnd(32)} ${ms.toFixed(1).padStart(9)} ms  ${(N / (ms / 1000) / 1000).toFixed(0).padStart(7)} k docs/s`);
}
console.log(`${'index memory'.padEnd(32)} ${median(perDoc).toFixed(1).padStart(9)} bytes/doc`);
