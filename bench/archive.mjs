// The archive benchmark (issue 5): in one run, on the same data,
//   get        100k random gets from a stored .zds archive opened in place,
//              against the same gets on the unpacked folder (target: within 1.5x)
//   pack       a ~1 GiB store packed with compression 'store', against a plain
//              file copy of the same bytes, `cp -r` then `sync` of the copies
//              (pack fsyncs its archive, so the copy is made durable too;
//              target: >= 50% of its speed); cp -r alone is shown as well
//   unpack     the same archive extracted, for reference
// Medians of --runs (default 3); answers checked.
//
//   npm run bench:archive [-- --gib=1 --n=100000 --runs=3 --out=FILE]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, pack, unpack } from '../dist/index.mjs';
import { checkRecord, makeRecords, probeIds, toJsonl } from './lib/data.mjs';
import { duBytes, machine, parseArgs, publish } from './lib/env.mjs';

const args = parseArgs(process.argv.slice(2));
const N = Number(args.n ?? 100_000);
const GIB = Number(args.gib ?? 1);
const RUNS = Number(args.runs ?? 3);
const OUT = args.out ?? join('bench', 'results', `archive-${new Date().toISOString().slice(0, 10)}.json`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (fn) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const filesUnder = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
const fail = (message) => {
  console.error(`zds archive bench: ${message}`);
  process.exit(1);
};

const work = mkdtempSync(join(args.tmp ?? tmpdir(), 'zds-archive-bench-'));
try {
  // --- gets: folder against stored archive, same records and probes ---
  const records = makeRecords(N);
  const folder = join(work, 'small');
  let s = open(folder);
  s.collection('records').writeJsonl(toJsonl(records));
  s.close();
  await pack(folder, join(work, 'small.zds'));
  const probes = probeIds(N, 100_000);
  const byId = new Map(records.map((r) => [r.id, r]));
  const gets = { folder: [], archive: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const [kind, path] of [['folder', folder], ['archive', join(work, 'small.zds')]]) {
      s = open(path, { readOnly: true });
      const c = s.collection('records');
      for (const id of probes.slice(0, 1000)) c.get(id); // warm, as the peers' get warm
      let docs;
      gets[kind].push(await time(() => (docs = probes.map((id) => c.get(id)))));
      for (let i = 0; i < docs.length; i += 97) checkRecord(docs[i], byId.get(probes[i]));
      s.close();
    }
  }

  // --- pack: ~1 GiB store against cp -r of the same folder ---
  const big = join(work, 'big');
  s = open(big);
  const c = s.collection('records');
  const blob = toJsonl(records);
  const copies = Math.max(1, Math.round((GIB * 2 ** 30) / blob.length));
  for (let k = 0; k < copies; k++) {
    // Same records under new ids: each copy's ids carry its number.
    c.writeJsonl(Buffer.from(blob.toString('latin1').replaceAll('"_id":"record_', `"_id":"c${k}_`), 'latin1'));
  }
  s.close();
  const bytes = duBytes(big);
  const packs = [];
  const copiesMs = [];
  const durableCopies = [];
  const unpacks = [];
  for (let run = 0; run < RUNS; run++) {
    rmSync(join(work, 'big.zds'), { force: true });
    rmSync(join(work, 'copy'), { recursive: true, force: true });
    rmSync(join(work, 'unpacked'), { recursive: true, force: true });
    let cpMs = 0;
    durableCopies.push(
      await time(async () => {
        cpMs = await time(() => execFileSync('cp', ['-r', big, join(work, 'copy')]));
        execFileSync('sync', filesUnder(join(work, 'copy')));
      }),
    );
    copiesMs.push(cpMs);
    packs.push(await time(() => pack(big, join(work, 'big.zds'))));
    unpacks.push(await time(() => unpack(join(work, 'big.zds'), join(work, 'unpacked'))));
  }
  if (statSync(join(work, 'big.zds')).size < bytes) fail('the archive is smaller than the store: not stored?');
  s = open(join(work, 'big.zds'));
  if (s.collection('records').count() !== copies * N) fail('the packed store lost documents');
  s.close();

  const g = { folder: median(gets.folder), archive: median(gets.archive) };
  const p = { pack: median(packs), copy: median(durableCopies), cp: median(copiesMs), unpack: median(unpacks) };
  const mb = bytes / 2 ** 20;
  const targets = [
    ['get from a stored archive within 1.5x of the folder', `${(g.archive / g.folder).toFixed(2)}x the folder's time`, g.archive <= 1.5 * g.folder],
    [
      'pack (store) >= 50% of a plain file copy (cp -r + sync)',
      `${((p.copy / p.pack) * 100).toFixed(0)}% of its speed (${((p.cp / p.pack) * 100).toFixed(0)}% of cp -r without sync)`,
      p.copy / p.pack >= 0.5,
    ],
  ];
  const m = machine();
  const report = [
    `zds archives, ${new Date().toISOString().slice(0, 10)}, median of ${RUNS} runs`,
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}`,
    '',
    '| workload | time | rate |',
    '|---|---:|---:|',
    `| 100k gets, folder (${N} documents) | ${g.folder.toFixed(1)} ms | ${(100_000 / g.folder).toFixed(0)}k/s |`,
    `| 100k gets, stored archive in place | ${g.archive.toFixed(1)} ms | ${(100_000 / g.archive).toFixed(0)}k/s |`,
    `| cp -r of a ${mb.toFixed(0)} MB store | ${p.cp.toFixed(0)} ms | ${((mb / p.cp) * 1000).toFixed(0)} MB/s |`,
    `| cp -r + sync of the copies | ${p.copy.toFixed(0)} ms | ${((mb / p.copy) * 1000).toFixed(0)} MB/s |`,
    `| pack, store | ${p.pack.toFixed(0)} ms | ${((mb / p.pack) * 1000).toFixed(0)} MB/s |`,
    `| unpack | ${p.unpack.toFixed(0)} ms | ${((mb / p.unpack) * 1000).toFixed(0)} MB/s |`,
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...targets.map(([t, v, ok]) => `| ${t} | ${v} | ${ok ? 'met' : '**missed**'} |`),
  ].join('\n');
  publish(OUT, { machine: m, n: N, bytes, runs: RUNS, gets, packs, copies: copiesMs, durableCopies, unpacks, targets }, report);
} finally {
  rmSync(work, { recursive: true, force: true });
}
