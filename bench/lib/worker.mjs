// One measurement in a fresh process: `node worker.mjs '<json task>'`.
// Prints one JSON line: { ms, ...figures }. Setup (generating records,
// reading the JSONL file) happens before the clock starts; checks after it
// stops, so a fast wrong answer fails the run instead of winning it.
import { readFileSync } from 'node:fs';
import { checkRecord, makeRecords, matches, probeIds } from './data.mjs';

const task = JSON.parse(process.argv[2]);
const { n, dir } = task;

async function loadEngine(name) {
  return (await import(`./engines/${name}.mjs`)).default;
}

function clock() {
  const t = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - t) / 1e6;
}

function expect(cond, what) {
  if (!cond) throw new Error(`${task.engine}/${task.workload}: ${what}`);
}

function checkAll(docs, records) {
  expect(docs.length === records.length, `read ${docs.length} documents, expected ${records.length}`);
  const byId = new Map(docs.map((d) => [d.id, d]));
  for (let i = 0; i < records.length; i += Math.max(1, Math.floor(records.length / 997))) {
    checkRecord(byId.get(records[i].id), records[i]);
  }
}

const gc = globalThis.gc ?? (() => {});

const workloads = {
  // V8's ceilings: no store can hand objects across faster than these.
  async stringify() {
    const records = makeRecords(n);
    const stop = clock();
    let bytes = 0;
    for (const d of records) bytes += JSON.stringify(d).length;
    const ms = stop();
    expect(bytes > n * 100, 'stringified too little');
    return { ms, bytes };
  },

  async parse() {
    const lines = readFileSync(task.jsonl, 'utf8').split('\n');
    lines.pop();
    const stop = clock();
    const docs = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) docs[i] = JSON.parse(lines[i]);
    const ms = stop();
    checkAll(docs, makeRecords(n));
    return { ms };
  },

  async write(engine) {
    const records = makeRecords(n);
    const stop = clock();
    await engine.write(dir, records);
    const ms = stop();
    const h = await engine.open(dir);
    expect((await h.count()) === n, 'count after write');
    await h.close();
    return { ms };
  },

  async import(engine) {
    const bytes = readFileSync(task.jsonl);
    const stop = clock();
    await engine.importJsonl(dir, bytes);
    const ms = stop();
    const h = await engine.open(dir);
    expect((await h.count()) === n, 'count after import');
    checkAll(await h.readAll(), makeRecords(n));
    await h.close();
    return { ms };
  },

  async readCold(engine) {
    const stop = clock();
    const h = await engine.open(dir);
    const docs = await h.readAll();
    const ms = stop();
    checkAll(docs, makeRecords(n));
    await h.close();
    return { ms };
  },

  async readWarm(engine) {
    const h = await engine.open(dir);
    await h.readAll();
    gc();
    const stop = clock();
    const docs = await h.readAll();
    const ms = stop();
    checkAll(docs, makeRecords(n));
    await h.close();
    return { ms };
  },

  async getCold(engine) {
    const ids = probeIds(n, 1000);
    const stop = clock();
    const h = await engine.open(dir);
    const docs = await h.gets(ids);
    const ms = stop();
    checkGets(docs, ids);
    await h.close();
    return { ms };
  },

  async getWarm(engine) {
    const ids = probeIds(n, 100_000);
    const h = await engine.open(dir);
    await h.gets(ids.slice(0, 1000));
    gc();
    const stop = clock();
    const docs = await h.gets(ids);
    const ms = stop();
    checkGets(docs, ids);
    await h.close();
    return { ms };
  },

  // The filter, warm: the second run in the process is timed.
  filter: (engine) => timedFilter(engine, 'filter'),
  // zds only: the same answer with every document parsed and tested in JS.
  filterJs: (engine) => timedFilter(engine, 'filterJs'),

  // zds only: how many documents match, counted without making them.
  async countFilter(engine) {
    const h = await engine.open(dir);
    await h.countFilter();
    gc();
    const stop = clock();
    const count = await h.countFilter();
    const ms = stop();
    const want = makeRecords(n).filter(matches).length;
    expect(count === want, `count(filter) is ${count}, expected ${want}`);
    await h.close();
    return { ms, count };
  },

  // Resident memory an open store adds to the process.
  async rss(engine) {
    gc();
    const before = process.memoryUsage().rss;
    const h = await engine.open(dir);
    await h.gets(probeIds(n, 10));
    gc();
    const bytes = process.memoryUsage().rss - before;
    await h.close();
    return { bytes };
  },
};

/** Times the handle's `method` (a filtered scan) warm, and checks it found exactly the matching records. */
async function timedFilter(engine, method) {
  const h = await engine.open(dir);
  await h[method]();
  gc();
  const stop = clock();
  const docs = await h[method]();
  const ms = stop();
  const want = makeRecords(n).filter(matches);
  expect(docs.length === want.length, `${method} found ${docs.length}, expected ${want.length}`);
  checkAll(docs, want);
  await h.close();
  return { ms };
}

function checkGets(docs, ids) {
  expect(docs.length === ids.length, 'gets returned the wrong number of documents');
  const want = makeRecords(n);
  for (let i = 0; i < ids.length; i += 97) {
    checkRecord(docs[i], want[Number(ids[i].slice('record_'.length))]);
  }
}

const engine = task.engine === 'v8' ? null : await loadEngine(task.engine);
const result = await workloads[task.workload](engine);
process.stdout.write(`${JSON.stringify(result)}\n`);
