// The comparative benchmark: zds against SQLite, LevelDB, LMDB and NeDB, and
// against V8's own JSON, in one run on the same data.
//
//   npm run bench                     # 100k documents, median of 3 runs
//   npm run bench -- --n=1000000      # at scale
//   npm run bench -- --engines=zds,sqlite --runs=5 --out=results.json
//
// Every measurement runs in a fresh process (bench/lib/worker.mjs), so "cold"
// means a process that has not opened the store yet (the OS page cache is
// warm: dropping it needs root). The rules every engine follows are in
// bench/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { duBytes, ensurePeers, machine, parseArgs, publish } from './lib/env.mjs';
import { evaluateTargets, formatReport } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
const N = Number(args.n ?? 100_000);
const RUNS = Number(args.runs ?? 3);
const ENGINES = (args.engines ?? 'zds,sqlite,level,lmdb,nedb').split(',');
const OUT = args.out ?? join(here, 'results', `latest-${N}.json`);
const READS = ['readCold', 'readWarm', 'getCold', 'getWarm', 'filter'];
// Measured only for engines whose adapter lists them in `extras` (zds): its
// filter answered in JS, the baseline of the native filter, and count(filter).
const EXTRA_READS = ['filterJs', 'countFilter'];

if (!Number.isInteger(N) || N < 1000) throw new Error(`Expected an integer >= 1000 for --n but received ${args.n}`);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`Expected a positive integer for --runs but received ${args.runs}`);
if (!existsSync(join(here, '..', 'dist', 'index.mjs'))) throw new Error('zds is not built: run `npm ci` first');
if (ENGINES.some((e) => e !== 'zds')) ensurePeers(here);

const base = mkdtempSync(join(args.tmp ?? tmpdir(), 'zds-bench-'));
const jsonl = join(base, 'records.jsonl');

function worker(task) {
  const out = execFileSync(process.execPath, ['--expose-gc', join(here, 'lib', 'worker.mjs'), JSON.stringify({ n: N, jsonl, ...task })], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop());
}


const samples = {}; // samples[engine][workload] = [ms, ...]
const add = (engine, workload, value) => ((samples[engine] ??= {})[workload] ??= []).push(value);
const engines = Object.fromEntries(await Promise.all(ENGINES.map(async (e) => [e, (await import(`./lib/engines/${e}.mjs`)).default])));

try {
  const { toJsonl, makeRecords } = await import('./lib/data.mjs');
  writeFileSync(jsonl, toJsonl(makeRecords(N)));
  const jsonlBytes = statSync(jsonl).size;
  console.error(`zds bench: ${N} documents (${(jsonlBytes / N).toFixed(0)} bytes each as JSONL), ${RUNS} runs, in ${base}`);

  // One store per engine for the read workloads, written once.
  const stores = {};
  for (const e of ENGINES) {
    stores[e] = join(base, e, 'store');
    mkdirSync(stores[e], { recursive: true });
    worker({ engine: e, workload: 'write', dir: stores[e] });
  }

  for (let run = 1; run <= RUNS; run++) {
    console.error(`run ${run}/${RUNS}`);
    add('v8', 'write', worker({ engine: 'v8', workload: 'stringify' }).ms);
    add('v8', 'readAll', worker({ engine: 'v8', workload: 'parse' }).ms);
    for (const e of ENGINES) {
      const scratch = join(base, e, `write-${run}`);
      mkdirSync(scratch, { recursive: true });
      add(e, 'write', worker({ engine: e, workload: 'write', dir: scratch }).ms);
      rmSync(scratch, { recursive: true, force: true });
      if (engines[e].importJsonl) {
        mkdirSync(scratch, { recursive: true });
        add(e, 'import', worker({ engine: e, workload: 'import', dir: scratch }).ms);
        rmSync(scratch, { recursive: true, force: true });
      }
      const reads = [...READS, ...EXTRA_READS.filter((w) => engines[e].extras?.includes(w))];
      for (const w of reads) add(e, w, worker({ engine: e, workload: w, dir: stores[e] }).ms);
      add(e, 'rss', worker({ engine: e, workload: 'rss', dir: stores[e] }).bytes);
    }
  }
  for (const e of ENGINES) add(e, 'disk', duBytes(stores[e]));

  const result = {
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: machine(),
    versions: Object.fromEntries(ENGINES.map((e) => [engines[e].name, engines[e].version()])),
    n: N,
    runs: RUNS,
    jsonlBytes,
    names: Object.fromEntries(ENGINES.map((e) => [e, engines[e].name])),
    importPaths: Object.fromEntries(ENGINES.map((e) => [e, engines[e].importPath ?? null])),
    samples,
  };
  result.targets = evaluateTargets(result);
  publish(OUT, result, formatReport(result));
} finally {
  rmSync(base, { recursive: true, force: true });
}
