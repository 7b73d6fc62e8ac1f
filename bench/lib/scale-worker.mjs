// One step of the scale benchmark (bench/scale.mjs) in a fresh process:
//   node --expose-gc --max-old-space-size=4096 scale-worker.mjs '{"engine":"zds","step":"write","n":1000000,"dir":"..."}'
// Prints one JSON line: { ms, peakKiB, childPeakKiB, ...figures }.
//
// Why a separate worker from worker.mjs: the scale steps report memory as
// well as time, and a process's peak RSS can only be read for its whole life,
// so each step must own its process and keep its untimed work (generating
// the records, checking the answer) out of the way of the figures it reports.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { checkRecord, makeRecords, matches, probeIds } from './data.mjs';

const GETS = 100_000; // random gets in the reopen step
const SAMPLE = 1000; // documents compared field by field after a full scan or a write

const task = JSON.parse(process.argv[2]);
const { n, dir } = task;
const gc = globalThis.gc ?? (() => {});

function clock() {
  const t = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - t) / 1e6;
}

/** Peak resident set of this process so far, in KiB (Linux reports maxRSS in KiB). */
const peakKiB = () => process.resourceUsage().maxRSS;

function expect(cond, what) {
  if (!cond) throw new Error(`${task.engine}/${task.step}: ${what}`);
}

/** Evenly spread indexes into [0, count): the documents a check compares. */
function sampleIndexes(count, size = SAMPLE) {
  const step = Math.max(1, Math.floor(count / size));
  const out = [];
  for (let i = 0; i < count; i += step) out.push(i);
  return out;
}

/** A record's index from its id (ids are idOf(i)); NaN for anything else. */
const indexOf = (id) => Number(String(id).slice('record_'.length));

/** Every get returned its own record. */
function checkGets(docs, ids, records) {
  expect(docs.length === ids.length, `gets returned ${docs.length} documents for ${ids.length} ids`);
  for (let i = 0; i < ids.length; i++) checkRecord(docs[i], records[indexOf(ids[i])]);
}

/** docs are exactly `want` (in any order): same size, no duplicate ids, and a sample (or all) equal field by field. */
function checkSet(docs, want, sampleAll = false) {
  expect(docs.length === want.length, `read ${docs.length} documents, expected ${want.length}`);
  const byId = new Map(docs.map((d) => [d.id, d]));
  expect(byId.size === want.length, `read ${want.length - byId.size} duplicate ids`);
  const indexes = sampleAll ? want.keys() : sampleIndexes(want.length);
  for (const i of indexes) checkRecord(byId.get(want[i].id), want[i]);
}

const steps = {
  // (a) Write every document; the adapter's write returns once it is durable.
  // The records are generated before the clock, so they are part of the peak.
  async write(engine) {
    const records = makeRecords(n);
    gc();
    const stop = clock();
    await engine.write(dir, records);
    const ms = stop();
    const peak = peakKiB();
    // A new handle must see what was written: the count, and a sample by id.
    const h = await engine.open(dir);
    expect((await h.count()) === n, 'count after write');
    const ids = sampleIndexes(n).map((i) => records[i].id);
    checkGets(await h.gets(ids), ids, records);
    await h.close();
    return { ms, peakKiB: peak, name: engine.name, version: engine.version() };
  },

  // (b) Open the written store in a process that has not seen it, then 100k
  // random gets. The RSS the open adds is measured between two GCs so that
  // only what the open keeps resident counts.
  async reopen(engine) {
    const ids = probeIds(n, GETS);
    gc();
    const before = process.memoryUsage().rss;
    let stop = clock();
    const h = await engine.open(dir);
    const openMs = stop();
    gc();
    const openRssBytes = process.memoryUsage().rss - before;
    stop = clock();
    const docs = await h.gets(ids);
    const ms = stop();
    const peak = peakKiB();
    await h.close();
    // The records are generated only now, so they do not inflate the step's peak.
    checkGets(docs, ids, makeRecords(n));
    return { ms, openMs, openRssBytes, openRssBytesPerDoc: openRssBytes / n, gets: GETS, peakKiB: peak };
  },

  // (c) A full scan: every document as a JS object, the first scan in the process.
  async scan(engine) {
    let stop = clock();
    const h = await engine.open(dir);
    const openMs = stop();
    stop = clock();
    const docs = await h.readAll();
    const ms = stop();
    const peak = peakKiB();
    const count = await h.count();
    await h.close();
    expect(count === n, `count is ${count}, expected ${n}`);
    checkSet(docs, makeRecords(n));
    return { ms, openMs, peakKiB: peak };
  },

  // (d) A filtered scan through the adapter's filter (its own query engine
  // where it has one: zds's native find), also the first in the process.
  filter: (engine) => filterStep(engine, 'filter'),

  // (e) zds only: the same filter with every document parsed and tested in
  // JS, the baseline the native filter is measured against.
  filterJs: (engine) => filterStep(engine, 'filterJs'),

  // (f) zds only: count(filter), the matches counted without making a document.
  async countFilter(engine) {
    let stop = clock();
    const h = await engine.open(dir);
    const openMs = stop();
    stop = clock();
    const count = await h.countFilter();
    const ms = stop();
    const peak = peakKiB();
    await h.close();
    const want = makeRecords(n).filter(matches).length;
    expect(count === want, `count(filter) is ${count}, expected ${want}`);
    return { ms, openMs, matches: count, peakKiB: peak };
  },

  // (g) zds only: `for await` over every document, batches read on the
  // threadpool, with the event loop's delay sampled every millisecond. Each
  // document is looked at and dropped, as a streaming consumer would, so
  // the heap stays small and the delay is the scan's, not a full GC's.
  async scanAsync(engine) {
    let stop = clock();
    const h = await engine.open(dir);
    const openMs = stop();
    const seen = new Uint8Array(n); // which records came back, without holding them
    const kept = new Map(); // a sample, compared field by field after the clock
    const every = Math.max(1, Math.floor(n / SAMPLE));
    let count = 0;
    gc();
    const loop = await timeLoopDelay(async () => {
      for await (const d of h.scanAsync()) {
        const i = indexOf(d.id);
        seen[i] = 1;
        count++;
        if (i % every === 0) kept.set(i, d);
      }
    });
    const peak = peakKiB();
    await h.close();
    expect(count === n, `for await read ${count} documents, expected ${n}`);
    const distinct = seen.reduce((sum, x) => sum + x, 0);
    expect(distinct === n, `for await read ${distinct} distinct records of ${n}`);
    const records = makeRecords(n);
    for (const [i, d] of kept) checkRecord(d, records[i]);
    return { ...loop, openMs, peakKiB: peak };
  },

  // (h) zds only: `for await` over the filter's matches (about 6%, kept and
  // every one compared afterwards), with the same event-loop sampling.
  async filterAsync(engine) {
    let stop = clock();
    const h = await engine.open(dir);
    const openMs = stop();
    const docs = [];
    gc();
    const loop = await timeLoopDelay(async () => {
      for await (const d of h.filterAsync()) docs.push(d);
    });
    const peak = peakKiB();
    await h.close();
    checkSet(docs, makeRecords(n).filter(matches), true);
    return { ...loop, openMs, matches: docs.length, peakKiB: peak };
  },
};

/** A filtered scan through the handle's `method`, the first in the process; every match is compared. */
async function filterStep(engine, method) {
  let stop = clock();
  const h = await engine.open(dir);
  const openMs = stop();
  stop = clock();
  const docs = await h[method]();
  const ms = stop();
  const peak = peakKiB();
  await h.close();
  const want = makeRecords(n).filter(matches);
  // The matches are few (about 6%), so every one is compared.
  checkSet(docs, want, true);
  return { ms, openMs, matches: docs.length, peakKiB: peak };
}

/**
 * Times `run` while perf_hooks samples the event loop with a 1 ms timer. A
 * sample is the time between two ticks (about 1.1 ms on an idle loop), so
 * the max is the longest the loop was blocked (a batch parsed, a cursor
 * opened, a GC pause) plus that millisecond: a slightly strict figure.
 */
async function timeLoopDelay(run) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const stop = clock();
  await run();
  const ms = stop();
  histogram.disable();
  const toMs = (ns) => ns / 1e6;
  return {
    ms,
    maxDelayMs: toMs(histogram.max),
    p99DelayMs: toMs(histogram.percentile(99)),
    meanDelayMs: toMs(histogram.mean),
    delaySamples: histogram.count,
  };
}

if (!steps[task.step]) throw new Error(`Expected a step in ${Object.keys(steps).join(', ')} but received ${task.step}`);
const engine = (await import(`./engines/${task.engine}.mjs`)).default;
const result = await steps[task.step](engine);
// The whole life of the child, checks included: the figure the OS had to provide.
result.childPeakKiB = peakKiB();
process.stdout.write(`${JSON.stringify(result)}\n`);
