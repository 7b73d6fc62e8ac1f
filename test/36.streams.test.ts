// Node streams of a collection: stream() and exportJsonl() (Readables read
// batch by batch on the threadpool, with backpressure and abort), and
// importJsonl() (JSONL from a file, a Readable or an async iterable, written
// in bounded chunks with progress events and absolute line numbers in errors).
import { createWriteStream, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportJob, ZdsError, open } from '../dist/index.js';
import type { Collection, Store } from '../dist/index.js';
import { errorOf, tempDir } from './helpers';

type Doc = Record<string, unknown>;

// Stores opened by a test, closed after it (before helpers' afterEach, registered earlier, removes their folders).
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function openStore(dir = tempDir('zds-stream-')): Store {
  const store = open(dir);
  stores.push(store);
  return store;
}

/** A collection of n documents d0..d(n-1) with a few fields to filter and project on. */
function seeded(n: number, store = openStore()): Collection<Doc> {
  const coll = store.collection<Doc>('c');
  for (let i = 0; i < n; i++) coll.put(`d${i}`, { i, age: i % 90, name: `name ${i}`, tags: ['t', i % 3] });
  return coll;
}

/** JSONL of n documents l0..l(n-1), each line ending in '\n'. */
function jsonlLines(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(JSON.stringify({ _id: `l${i}`, i, text: `line ${i} ünïcödé` }) + '\n');
  return out;
}

const parse = (lines: string[]) => lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Doc);

/**
 * Resolves once no descriptor of this process refers to a replaced
 * data.jsonl under `dir`. A scan keeps the file it started on open, so after
 * a compaction this shows whether every scan was released. Linux only
 * (/proc); elsewhere it resolves at once.
 */
async function scansReleased(dir: string): Promise<void> {
  if (process.platform !== 'linux') return;
  const stale = () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        return target.startsWith(dir) && target.endsWith('data.jsonl (deleted)');
      } catch {
        return false; // closed meanwhile (e.g. the descriptor readdirSync used)
      }
    }).length;
  // A batch in flight when its cursor was closed holds the file until it ends.
  for (let waited = 0; stale() > 0; waited += 10) {
    if (waited >= 2000) throw new Error(`${stale()} scan(s) still hold a replaced data.jsonl`);
    await sleep(10);
  }
}

/** Collects a Readable of objects. */
async function collect<T>(stream: Readable): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item as T);
  return out;
}

/** The 'error' a stream emits, or undefined when it closes without one. */
function settled(stream: Readable): Promise<Error | undefined> {
  return new Promise((resolve) => {
    let error: Error | undefined;
    stream.on('error', (err) => (error = err));
    stream.on('close', () => resolve(error));
  });
}

/** The rejection of a promise-like; fails when it resolves. */
async function rejectionOf(p: PromiseLike<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but it resolved');
}

describe('stream()', () => {
  it('yields every document in scan order', async () => {
    const coll = seeded(10_000);
    const docs = await collect<Doc>(coll.stream());
    expect(docs.length).toBe(10_000);
    expect(docs).toEqual(coll.toArray());
    expect(docs[1234]).toEqual({ _id: 'd1234', i: 1234, age: 1234 % 90, name: 'name 1234', tags: ['t', 1234 % 3] });
  });

  it('on an empty collection ends at once', async () => {
    const coll = openStore().collection('empty');
    expect(await collect(coll.stream())).toEqual([]);
  });

  it('with a filter yields only the matches', async () => {
    const coll = seeded(10_000);
    const docs = await collect<Doc>(coll.stream({ age: { $gt: 80 } }));
    expect(docs.length).toBe(coll.count({ age: { $gt: 80 } }));
    expect(docs.every((d) => (d.age as number) > 80)).toBe(true);
    expect(docs).toEqual(coll.find({ age: { $gt: 80 } }).toArray());
    expect(await collect<Doc>(coll.stream({ i: -1 }))).toEqual([]);
  });

  it('reads on through empty batches (a filter that matches nothing in the first MBs)', async () => {
    // A query batch stops after 8 MB of lines scanned, matches or not: 20 MB
    // before the only matches gives two empty batches first.
    const coll = openStore().collection<Doc>('c');
    const pad = 'x'.repeat(1000);
    for (let i = 0; i < 20_000; i++) coll.put(`d${i}`, { i, pad });
    const docs = await collect<Doc>(coll.stream({ i: { $gte: 19_998 } }, { fields: ['i'] }));
    expect(docs).toEqual([
      { _id: 'd19998', i: 19998 },
      { _id: 'd19999', i: 19999 },
    ]);
    const raw = await collect<Buffer>(coll.stream({ i: { $gte: 19_998 } }, { raw: true, fields: ['i'] }));
    expect(raw.map(String)).toEqual(['{"_id":"d19998","i":19998}', '{"_id":"d19999","i":19999}']);
    const chunks = await collect<Buffer>(coll.exportJsonl({ i: { $gte: 19_998 } }));
    expect(chunks.every((c) => c.length > 0)).toBe(true);
    expect(Buffer.concat(chunks).toString()).toBe(
      `{"_id":"d19998","i":19998,"pad":"${pad}"}\n{"_id":"d19999","i":19999,"pad":"${pad}"}\n`,
    );
  });

  it('raw: true yields a Buffer of JSON per document', async () => {
    const coll = seeded(3_000);
    const bufs = await collect<Buffer>(coll.stream(undefined, { raw: true }));
    expect(bufs.length).toBe(3_000);
    expect(bufs.every((b) => Buffer.isBuffer(b))).toBe(true);
    expect(bufs.map(String)).toEqual(coll.rawLines().map(String));
    expect(JSON.parse(bufs[7].toString())).toEqual(coll.get('d7'));
  });

  it('projects with fields, and honours sort, skip and limit', async () => {
    const coll = seeded(2_000);
    const docs = await collect<Doc>(coll.stream({ age: 5 }, { fields: ['i'] }));
    expect(docs.length).toBe(coll.count({ age: 5 }));
    for (const d of docs) expect(Object.keys(d).sort()).toEqual(['_id', 'i']);
    const sorted = await collect<Doc>(coll.stream({}, { sort: { i: -1 }, skip: 10, limit: 5, fields: ['i'] }));
    expect(sorted.map((d) => d.i)).toEqual([1989, 1988, 1987, 1986, 1985]);
  });

  it('reads ahead at most one batch beyond highWaterMark for a slow consumer', async () => {
    const coll = seeded(10_000);
    const stream = coll.stream(undefined, { highWaterMark: 16 });
    let seen = 0;
    // Documents fetched from the cursor but not consumed yet, at its most.
    let maxBuffered = 0;
    const slow = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(_doc, _enc, done) {
        seen++;
        maxBuffered = Math.max(maxBuffered, stream.readableLength);
        if (seen % 250 === 0) setTimeout(done, 2);
        else done();
      },
    });
    await pipeline(stream, slow);
    expect(seen).toBe(10_000);
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(16 + 1000);
  });

  it('holds at most one batch beyond highWaterMark while nobody reads', async () => {
    const coll = seeded(10_000);
    const stream = coll.stream(undefined, { highWaterMark: 16 });
    const first = await new Promise<Doc>((resolve) => stream.once('readable', () => resolve(stream.read())));
    expect(first._id).toBe('d0');
    // Nobody reads now: what is buffered stays one batch at most, however long we wait.
    await sleep(50);
    expect(stream.readableLength).toBeLessThanOrEqual(16 + 1000);
    const rest = await collect<Doc>(stream);
    expect(rest.length).toBe(9_999);
    expect(rest[0]._id).toBe('d1');
  });

  it('destroy() mid-way closes the cursor without an error, even with a batch in flight', async () => {
    const dir = tempDir();
    const store = openStore(dir);
    const coll = seeded(10_000, store);
    const a = coll.stream();
    let got = 0;
    a.on('data', () => {
      if (++got === 100) a.destroy();
    });
    expect(await settled(a)).toBeUndefined();
    expect(got).toBe(100);

    // Destroyed as soon as the first batch arrives, while the next is being read.
    const b = coll.stream(undefined, { highWaterMark: 0 });
    b.once('data', () => b.destroy());
    expect(await settled(b)).toBeUndefined();

    // Destroyed before it is ever read: no cursor was opened.
    const c = coll.stream();
    c.destroy();
    expect(await settled(c)).toBeUndefined();

    // The snapshots are released: after compaction no scan holds the old file.
    coll.delete('d0');
    coll.compact();
    await scansReleased(dir);
    coll.close();
    expect(store.collection('c').count()).toBe(9_999);
  });

  it('works in pipeline() with a Transform and a Writable', async () => {
    const coll = seeded(5_000);
    const ids: string[] = [];
    await pipeline(
      coll.stream({ age: { $lt: 10 } }),
      new Transform({
        objectMode: true,
        transform(doc: Doc, _enc, done) {
          done(null, doc._id);
        },
      }),
      new Writable({
        objectMode: true,
        write(id: string, _enc, done) {
          ids.push(id);
          done();
        },
      }),
    );
    expect(ids).toEqual(coll.find({ age: { $lt: 10 } }).toArray().map((d) => d._id));
  });

  it('for await with break stops the scan and frees it', async () => {
    const dir = tempDir();
    const store = openStore(dir);
    const coll = seeded(10_000, store);
    const stream = coll.stream();
    const seen: Doc[] = [];
    for await (const doc of stream) {
      seen.push(doc);
      if (seen.length === 1500) break;
    }
    expect(seen.length).toBe(1500);
    expect(seen[1499]._id).toBe('d1499');
    expect(stream.destroyed).toBe(true);
    coll.compact();
    await scansReleased(dir);
    coll.close();
  });

  it('aborting the signal mid-stream errors with an AbortError and frees the scan', async () => {
    const dir = tempDir();
    const coll = seeded(10_000, openStore(dir));
    const ac = new AbortController();
    const stream = coll.stream(undefined, { signal: ac.signal });
    let got = 0;
    const err = await rejectionOf(
      (async () => {
        for await (const _doc of stream) if (++got === 500) ac.abort();
      })(),
    );
    expect(err.name).toBe('AbortError');
    expect(got).toBe(500);
    expect(stream.destroyed).toBe(true);
    coll.compact();
    await scansReleased(dir);
  });

  it('an already aborted signal errors before anything is read', async () => {
    const coll = seeded(10);
    const stream = coll.stream(undefined, { signal: AbortSignal.abort() });
    const err = await rejectionOf(collect(stream));
    expect(err.name).toBe('AbortError');
  });

  it('errors with ECLOSED when the collection is closed before reading', async () => {
    const coll = seeded(10);
    const stream = coll.stream();
    coll.close();
    const err = await rejectionOf(collect(stream));
    expect(err).toBeInstanceOf(ZdsError);
    expect(err.code).toBe('ECLOSED');
  });

  it('checks its options', () => {
    const coll = seeded(1);
    expect(() => coll.stream(undefined, { signal: 'no' as never })).toThrow(ZdsError);
    expect(() => coll.stream(undefined, { raw: 1 as never })).toThrow(ZdsError);
    expect(errorOf(() => coll.stream(undefined, { highWaterMark: -1 })).code).toBe('EINVALIDARG');
    expect(errorOf(() => coll.stream(undefined, { highWaterMark: 'x' as never })).message).toBe(
      'Expected a non-negative integer for options.highWaterMark but received the string "x"',
    );
  });
});

describe('exportJsonl()', () => {
  it('piped to a file gives exactly toJsonl()', async () => {
    const coll = seeded(10_000);
    coll.delete('d5');
    coll.put('d6', { changed: true });
    const file = join(tempDir(), 'out.jsonl');
    await pipeline(coll.exportJsonl(), createWriteStream(file));
    const bytes = readFileSync(file);
    expect(bytes.equals(coll.toJsonl())).toBe(true);
    // 9,999 lines, and the empty string after the last '\n'.
    expect(bytes.toString().split('\n').length).toBe(10_000);
  });

  it('yields Buffer chunks; with a filter only the matching lines', async () => {
    const coll = seeded(3_000);
    const chunks = await collect<Buffer>(coll.exportJsonl({ age: 1 }));
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.every((c) => Buffer.isBuffer(c) && c.length > 0 && c[c.length - 1] === 0x0a)).toBe(true);
    const lines = Buffer.concat(chunks).toString().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(coll.find({ age: 1 }).toArray());
  });

  it('on an empty collection gives no bytes', async () => {
    const coll = openStore().collection('empty');
    expect(Buffer.concat(await collect<Buffer>(coll.exportJsonl())).length).toBe(0);
  });

  it('stops with an AbortError on abort', async () => {
    const coll = seeded(10_000);
    const ac = new AbortController();
    const stream = coll.exportJsonl(undefined, { signal: ac.signal });
    stream.once('data', () => ac.abort());
    const err = await rejectionOf(collect(stream));
    expect(err.name).toBe('AbortError');
  });
});

describe('importJsonl()', () => {
  it('imports a file path in chunks, with increasing progress ending at the result', async () => {
    const lines = jsonlLines(50_000);
    const file = join(tempDir(), 'in.jsonl');
    writeFileSync(file, lines.join(''));
    const coll = openStore().collection<Doc>('c');
    const events: { lines: number; bytes: number }[] = [];
    const callbacks: { lines: number; bytes: number }[] = [];
    const job = coll.importJsonl(file, { chunkBytes: 64 * 1024, onProgress: (p) => callbacks.push(p) });
    expect(job).toBeInstanceOf(ImportJob);
    job.on('progress', (p) => events.push(p));
    const result = await job;
    expect(result).toEqual({ lines: 50_000, bytes: readFileSync(file).length });
    expect(events.length).toBeGreaterThan(20);
    for (let i = 1; i < events.length; i++) {
      expect(events[i].lines).toBeGreaterThan(events[i - 1].lines);
      expect(events[i].bytes).toBeGreaterThan(events[i - 1].bytes);
    }
    expect(events[events.length - 1]).toEqual(result);
    expect(callbacks).toEqual(events);
    expect(coll.count()).toBe(50_000);
    expect(coll.toArray()).toEqual(parse(lines));
    expect(coll.toJsonl().toString()).toBe(lines.join(''));
  });

  it('imports from a Readable', async () => {
    const lines = jsonlLines(5_000);
    const coll = openStore().collection<Doc>('c');
    const halves = [lines.slice(0, 2_500), lines.slice(2_500)];
    const source = Readable.from(halves.map((half) => Buffer.from(half.join(''))));
    const { lines: n } = await coll.importJsonl(source, { chunkBytes: 16 * 1024 });
    expect(n).toBe(5_000);
    expect(coll.toArray()).toEqual(parse(lines));
  });

  it('imports from an async generator of strings with lines split across chunks', async () => {
    const lines = jsonlLines(3_000);
    const text = lines.join('');
    async function* pieces() {
      // Odd-sized pieces, so lines (and multi-byte characters' strings) straddle chunk boundaries.
      for (let at = 0, size = 1; at < text.length; at += size, size = 1 + ((size * 7 + 3) % 997)) {
        yield text.slice(at, at + size);
        if (at % 50 === 0) await sleep(0);
      }
    }
    const coll = openStore().collection<Doc>('c');
    const result = await coll.importJsonl(pieces(), { chunkBytes: 8 * 1024 });
    expect(result).toEqual({ lines: 3_000, bytes: Buffer.byteLength(text) });
    expect(coll.toArray()).toEqual(parse(lines));
  });

  it('joins Buffer chunks split inside a multi-byte character', async () => {
    const bytes = Buffer.from(jsonlLines(200).join(''));
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 13) chunks.push(bytes.subarray(at, at + 13));
    const coll = openStore().collection<Doc>('c');
    await coll.importJsonl(Readable.from(chunks), { chunkBytes: 1024 });
    expect(coll.get('l199')).toEqual({ _id: 'l199', i: 199, text: 'line 199 ünïcödé' });
    expect(coll.toJsonl().equals(bytes)).toBe(true);
  });

  it('takes CRLF line ends, blank lines and a last line without a newline', async () => {
    const input = '{"_id":"a","n":1}\r\n\r\n{"_id":"b","n":2}\r\n   \n\n{"_id":"c","n":3}\n{"_id":"d","n":4}';
    const coll = openStore().collection<Doc>('c');
    const result = await coll.importJsonl(Readable.from([input.slice(0, 20), input.slice(20)]), { chunkBytes: 16 });
    expect(result).toEqual({ lines: 4, bytes: Buffer.byteLength(input) });
    expect(coll.toArray()).toEqual([
      { _id: 'a', n: 1 },
      { _id: 'b', n: 2 },
      { _id: 'c', n: 3 },
      { _id: 'd', n: 4 },
    ]);
    expect(coll.toJsonl().toString()).toBe(
      '{"_id":"a","n":1}\n{"_id":"b","n":2}\n{"_id":"c","n":3}\n{"_id":"d","n":4}\n',
    );
  });

  it('takes a line longer than chunkBytes whole', async () => {
    const big = JSON.stringify({ _id: 'big', text: 'x'.repeat(100_000) });
    const coll = openStore().collection<Doc>('c');
    const input = `{"_id":"a"}\n${big}\n{"_id":"b"}\n`;
    const chunks: string[] = [];
    for (let at = 0; at < input.length; at += 1000) chunks.push(input.slice(at, at + 1000));
    const result = await coll.importJsonl(Readable.from(chunks), { chunkBytes: 4096 });
    expect(result).toEqual({ lines: 3, bytes: input.length });
    expect((coll.get('big')!.text as string).length).toBe(100_000);
  });

  it('an empty source imports nothing', async () => {
    const coll = openStore().collection<Doc>('c');
    const events: unknown[] = [];
    const job = coll.importJsonl(Readable.from([]));
    job.on('progress', (p) => events.push(p));
    expect(await job).toEqual({ lines: 0, bytes: 0 });
    expect(events).toEqual([]);
  });

  it('rejects a bad line with its absolute line number; earlier chunks stay written', async () => {
    const lines = jsonlLines(30_000);
    // Blank lines count as lines of the input though the native side skips
    // them: some in an earlier chunk, some in the bad line's.
    lines.splice(10_000, 0, '\n', '  \r\n');
    lines.splice(19_990, 0, '\n', '\t\n', '\r\n');
    const badLine = 20_001;
    lines[badLine - 1] = '{"no_id":true}\n';
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, lines.join(''));
    const coll = openStore().collection<Doc>('c');
    const events: { lines: number; bytes: number }[] = [];
    const job = coll.importJsonl(file, { chunkBytes: 64 * 1024 });
    job.on('progress', (p) => events.push(p));
    const err = await rejectionOf(job);
    expect(err).toBeInstanceOf(ZdsError);
    expect(err.code).toBe('EINVALIDDOC');
    expect(err.message).toMatch(new RegExp(`^Line ${badLine} of '.*bad\\.jsonl': no string "_id" field`));
    const written = coll.count();
    expect(written).toBeGreaterThan(15_000);
    expect(written).toBeLessThan(19_990); // so the second blanks are in the failed chunk
    const last = events[events.length - 1];
    expect(last.lines).toBe(written);
    // What was written is exactly the lines before the failed chunk.
    expect(coll.toArray()).toEqual(parse(lines.slice(0, badLine - 1)).slice(0, written));
    const consumed = Buffer.from(lines.join('')).subarray(0, last.bytes).toString();
    expect(consumed.endsWith('\n')).toBe(true);
    expect(parse(consumed.split('\n'))).toEqual(coll.toArray());
  });

  it('rejects malformed JSON in a later chunk of a stream with its line number', async () => {
    const lines = jsonlLines(1_000);
    lines[776] = '{"_id":"broken",\n';
    const coll = openStore().collection<Doc>('c');
    const err = await rejectionOf(coll.importJsonl(Readable.from(lines), { chunkBytes: 4096 }));
    expect(err.code).toBe('EINVALIDDOC');
    expect(err.message).toMatch(/^Line 777 of the input: invalid JSON/);
    const written = coll.count();
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(777);
    expect(coll.toArray()).toEqual(parse(lines.slice(0, written)));
  });

  it('rejects with the signal reason on abort and stops reading', async () => {
    const coll = openStore().collection<Doc>('c');
    const ac = new AbortController();
    let yielded = 0;
    let finished = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) {
          yielded++;
          yield JSON.stringify({ _id: `e${i}`, i }) + '\n';
        }
      } finally {
        finished = true;
      }
    }
    const job = coll.importJsonl(endless(), { chunkBytes: 4096, signal: ac.signal });
    job.on('progress', (p) => {
      if (p.lines >= 1_000) ac.abort(new Error('enough'));
    });
    const err = await rejectionOf(job);
    expect(err.message).toBe('enough');
    await sleep(10);
    expect(finished).toBe(true);
    const count = coll.count();
    expect(count).toBeGreaterThanOrEqual(1_000);
    expect(yielded).toBeLessThan(count + 1_000);
  });

  it('abort ends a wait for input that never comes', async () => {
    const coll = openStore().collection<Doc>('c');
    const source = new Readable({ read() {} });
    source.push('{"_id":"a"}\n');
    const ac = new AbortController();
    const job = coll.importJsonl(source, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    const err = await rejectionOf(job);
    expect(err.name).toBe('AbortError');
    expect(source.destroyed).toBe(true);
    const unread = Readable.from(['{"_id":"b"}\n']);
    const pre = await rejectionOf(coll.importJsonl(unread, { signal: AbortSignal.abort() }));
    expect(pre.name).toBe('AbortError');
    expect(unread.destroyed).toBe(true);
    expect(coll.count()).toBe(0);
  });

  it('a failed job nobody awaits raises no unhandled rejection', async () => {
    const coll = openStore().collection<Doc>('c');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const job = coll.importJsonl(Readable.from(['not json\n']));
      await sleep(50);
      expect(unhandled).toEqual([]);
      expect((await rejectionOf(job)).code).toBe('EINVALIDDOC');
      const finallyRan = await rejectionOf(job.finally(() => undefined));
      expect(finallyRan.code).toBe('EINVALIDDOC');
      expect(await job.catch((e: ZdsError) => e.code)).toBe('EINVALIDDOC');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('rejects with EREADONLY on a read-only collection', async () => {
    const dir = tempDir();
    openStore(dir).collection('c').put('a', { n: 1 });
    stores.pop()!.close();
    const store = open(dir, { readOnly: true });
    stores.push(store);
    const err = await rejectionOf(store.collection('c').importJsonl(Readable.from(['{"_id":"b"}\n'])));
    expect(err.code).toBe('EREADONLY');
  });

  it('reports a missing file, and checks its arguments', async () => {
    const coll = openStore().collection<Doc>('c');
    const missing = await rejectionOf(coll.importJsonl(join(tempDir(), 'nope.jsonl')));
    expect(missing).toBeInstanceOf(ZdsError);
    expect(missing.code).toBe('ENOTFOUND');
    expect(errorOf(() => coll.importJsonl(42 as never)).message).toBe(
      'Expected a file path, a Readable or an async iterable of Buffers or strings for the import source ' +
        'but received the number 42',
    );
    expect(errorOf(() => coll.importJsonl('')).code).toBe('EINVALIDARG');
    expect(errorOf(() => coll.importJsonl(Readable.from([]), { chunkBytes: 0 })).code).toBe('EINVALIDARG');
    expect(errorOf(() => coll.importJsonl(Readable.from([]), { signal: {} as never })).code).toBe('EINVALIDARG');
    expect(errorOf(() => coll.importJsonl(Readable.from([]), { onProgress: 1 as never })).code).toBe('EINVALIDARG');
    const badChunk = await rejectionOf(coll.importJsonl(Readable.from([{ not: 'bytes' }])));
    expect(badChunk.code).toBe('EINVALIDARG');
    expect(badChunk.message).toBe(
      'Expected a Buffer or string for chunk 0 of the import source but received an object',
    );
  });

  it('streams a ~50 MB input with bounded memory', async () => {
    const coll = openStore().collection<Doc>('c');
    const pad = 'p'.repeat(1000);
    const total = 50_000; // ~1 KB a line: ~52 MB
    async function* generate() {
      let batch = '';
      for (let i = 0; i < total; i++) {
        batch += `{"_id":"m${i}","i":${i},"pad":"${pad}"}\n`;
        if (batch.length >= 60_000) {
          yield batch;
          batch = '';
        }
      }
      if (batch) yield batch;
    }
    const before = process.memoryUsage().rss;
    let peak = before;
    // Modest chunks: each threadpool thread's allocator keeps what the native
    // write of a chunk used (several times its size), which is not the JS
    // side's doing and would blur what this test measures.
    const job = coll.importJsonl(generate(), { chunkBytes: 256 * 1024 });
    job.on('progress', () => (peak = Math.max(peak, process.memoryUsage().rss)));
    const result = await job;
    expect(result.lines).toBe(total);
    expect(result.bytes).toBeGreaterThan(50_000_000);
    expect(coll.count()).toBe(total);
    // AddressSanitizer (npm run test:asan) holds freed memory in quarantine,
    // so the bound only means something in a normal build.
    if (!process.env.LD_PRELOAD?.includes('libasan')) expect(peak - before).toBeLessThan(40 * 1024 * 1024);
  });
});
