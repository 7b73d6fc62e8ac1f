// The scale benchmark: zds (and, on request, its peers) at a million
// documents, where the comparative suite (bench/run.mjs) would take too long
// to repeat. One pass per engine, no medians: time and peak memory of
//   write    every document, durable when the clock stops
//   reopen   open in a new process + 100k random gets (and the RSS the open adds)
//   scan     every document as a JS object
//   filter   the adapter's filtered scan (bench/lib/data.mjs `matches`)
//
//   npm run bench:scale                                   # zds, 1M documents
//   npm run bench:scale -- --n=200000 --engines=zds,sqlite,level,lmdb --out=scale.json
//
// Each step runs in its own process (bench/lib/scale-worker.mjs), so a peak
// RSS belongs to one step and "reopen" means a process that has never opened
// the store (the OS page cache stays warm: dropping it needs root). NeDB is
// left out by default because it holds the whole data set in memory; name it
// in --engines to include it anyway.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { duBytes, ensurePeers, machine, parseArgs, publish } from './lib/env.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, 'lib', 'scale-worker.mjs');
const STEPS = ['write', 'reopen', 'scan', 'filter'];
// A million records are about 600 MB of JS heap, and the scan step holds the
// documents read plus the records to check them against: past V8's default
// old-space limit on some machines, so the children get an explicit one.
const CHILD_FLAGS = ['--expose-gc', '--max-old-space-size=4096'];


const args = parseArgs(process.argv.slice(2));
const N = Number(args.n ?? 1_000_000);
const ENGINES = (args.engines ?? 'zds').split(',');
const OUT = args.out ?? join(here, 'results', `scale-${N}.json`);

if (!Number.isInteger(N) || N < 1000) throw new Error(`Expected an integer >= 1000 for --n but received ${args.n}`);
for (const e of ENGINES) {
  if (!existsSync(join(here, 'lib', 'engines', `${e}.mjs`))) throw new Error(`Expected an engine in bench/lib/engines but received ${e}`);
}
if (!existsSync(join(here, '..', 'dist', 'index.mjs'))) throw new Error('zds is not built: run `npm ci` first');
if (ENGINES.some((e) => e !== 'zds')) ensurePeers(here);
if (ENGINES.includes('nedb')) console.error('zds scale: NeDB keeps every document in memory; expect a large peak RSS');

function clock() {
  const t = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - t) / 1e6;
}

/** Runs one step in a fresh child; a wrong answer or a crash there stops the whole run. */
function runStep(engine, step, dir) {
  const task = JSON.stringify({ engine, step, n: N, dir });
  const stop = clock();
  let out;
  try {
    out = execFileSync(process.execPath, [...CHILD_FLAGS, WORKER, task], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'], // the child's error goes straight to our stderr
      maxBuffer: 1 << 20,
    });
  } catch (err) {
    throw new Error(`${engine}/${step} failed (${err.signal ?? `exit code ${err.status}`}); its error is above`);
  }
  // childMs includes generating and checking the records: it explains the run's length, not the engine's speed.
  return { ...JSON.parse(out.trim().split('\n').pop()), childMs: stop() };
}


/** All four steps for one engine on a store of its own, removed afterwards to keep the disk footprint to one store. */
function runEngine(engine, base) {
  const dir = join(base, engine);
  mkdirSync(dir, { recursive: true });
  const steps = {};
  for (const step of STEPS) {
    console.error(`zds scale: ${engine} ${step} ...`);
    steps[step] = runStep(engine, step, dir);
    // Measured right after the write: later steps only read, but some engines tidy up on open.
    if (step === 'write') steps.write.diskBytes = duBytes(dir);
  }
  rmSync(dir, { recursive: true, force: true });
  const { name, version } = steps.write;
  return { name, version, steps };
}

// ---- report ----

const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const fmtMB = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const rate = (docs, ms) => `${Math.round(docs / ms)}k/s`;

function stepRow(n, e, step, s) {
  const label = { write: `write ${n}`, reopen: `open + ${s.gets} gets`, scan: `scan ${n}`, filter: `filter ${n}` }[step];
  const docs = step === 'reopen' ? s.gets : n;
  const notes = {
    write: () => `on disk ${fmtMB(s.diskBytes)} (${(s.diskBytes / n).toFixed(0)} bytes/doc)`,
    reopen: () => `open ${fmtMs(s.openMs)} ms, RSS after open +${fmtMB(s.openRssBytes)} (${s.openRssBytesPerDoc.toFixed(1)} bytes/doc)`,
    scan: () => `open ${fmtMs(s.openMs)} ms`,
    filter: () => `open ${fmtMs(s.openMs)} ms, ${s.matches} matches`,
  }[step]();
  const cells = [e.name, label, `${fmtMs(s.ms)} ms`, rate(docs, s.ms), fmtMB(s.peakKiB * 1024), fmtMB(s.childPeakKiB * 1024), notes];
  return `| ${cells.join(' | ')} |`;
}

function formatReport(r) {
  const m = r.machine;
  const lines = [
    `${r.n} documents, one pass per engine, ${r.date.slice(0, 10)}, whole run ${(r.totalMs / 1000).toFixed(0)} s`,
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node} (V8 ${m.v8})`,
    Object.values(r.engines).map((e) => `${e.name}: ${e.version}`).join('; '),
    '',
    '| engine | step | time | rate | peak RSS (step) | peak RSS (child) | notes |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const e of Object.values(r.engines)) {
    for (const step of STEPS) lines.push(stepRow(r.n, e, step, e.steps[step]));
  }
  lines.push(
    '',
    'peak RSS (step): the process peak when the measured work ended (the write step includes the records it writes).',
    'peak RSS (child): the peak over the whole child, including the records generated afterwards to check the answer.',
  );
  return lines.join('\n');
}

// ---- main ----

const total = clock();
const base = mkdtempSync(join(args.tmp ?? tmpdir(), 'zds-scale-'));
console.error(`zds scale: ${N} documents, engines ${ENGINES.join(', ')}, in ${base}`);
try {
  const engines = {};
  for (const e of ENGINES) engines[e] = runEngine(e, base);
  const result = {
    date: new Date().toISOString(),
    command: `npm run bench:scale -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: machine(),
    n: N,
    childFlags: CHILD_FLAGS,
    totalMs: total(),
    engines,
  };
  publish(OUT, result, formatReport(result));
} finally {
  rmSync(base, { recursive: true, force: true });
}
