// The addon is context-aware: it loads and works in worker threads, workers
// share the process's writer with the main thread, and a terminated worker
// releases what it held.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { open, version, ZdsStore } from '../dist/index.js';
import { collectionFiles, PACKAGE_CJS, tempDir } from './helpers';

const TRY = join(__dirname, 'fixtures', '52-lock-try.cjs');

type Msg = Record<string, any>;

/** Starts a worker from source text; `pkg` and the given data arrive as workerData. */
function startWorker(source: string, data: Record<string, unknown>) {
  const prelude = `
    const { workerData, parentPort } = require('node:worker_threads');
    const zds = require(workerData.pkg);
    const post = (m) => parentPort.postMessage(m);
  `;
  const worker = new Worker(prelude + source, { eval: true, workerData: { pkg: PACKAGE_CJS, ...data } });
  const messages: Msg[] = [];
  const unread: Msg[] = [];
  const waiting: ((m: Msg) => void)[] = [];
  let failure: Error | undefined;
  worker.on('message', (m: Msg) => {
    messages.push(m);
    const w = waiting.shift();
    if (w) w(m);
    else unread.push(m);
  });
  worker.on('error', (err) => (failure = err));
  const exited = new Promise<number>((resolve) => worker.on('exit', resolve));
  return {
    worker,
    messages,
    exited,
    get failure() {
      return failure;
    },
    /** The next message not yet taken. */
    next(): Promise<Msg> {
      if (unread.length > 0) return Promise.resolve(unread.shift()!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message from worker; error=${failure?.stack}`)), 20_000);
        waiting.push((m) => (clearTimeout(timer), resolve(m)));
        exited.then((code) => (clearTimeout(timer), reject(new Error(`worker exited with ${code} before posting; error=${failure?.stack}`))));
      });
    },
  };
}

/** Runs a worker to completion; resolves with its messages and exit code. */
async function runWorker(source: string, data: Record<string, unknown>) {
  const w = startWorker(source, data);
  const code = await w.exited;
  if (w.failure) throw w.failure;
  return { code, messages: w.messages };
}

/** Can another process open the store writable now? (5 s limit: a hang is a failure.) */
function tryOpenElsewhere(root: string): Promise<{ ok: boolean; code?: string; count?: number; hung?: boolean; message?: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [TRY, PACKAGE_CJS, root], { timeout: 5_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err && (err as { killed?: boolean }).killed) return resolve({ ok: false, hung: true });
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout));
    });
  });
}

const WRITE_DOCS = `
  const { root, collection, n, tag } = workerData;
  const s = zds.ZdsStore.open(root, collection);
  for (let i = 0; i < n; i++) s.put(tag + i, { i, tag, sq: i * i });
  s.flush();
  const count = s.count;
  s.close();
  post({ count, version: zds.version(), isMain: require('node:worker_threads').isMainThread });
`;

describe('worker threads', () => {
  it('a worker loads the addon, writes, flushes and closes a store', async () => {
    const root = tempDir();
    const { code, messages } = await runWorker(WRITE_DOCS, { root, collection: 'c', n: 500, tag: 'w' });
    expect(code).toBe(0);
    expect(messages).toEqual([{ count: 500, version: version(), isMain: false }]);
    const s = ZdsStore.open(root, { collection: 'c', readOnly: true });
    try {
      expect(s.count).toBe(500);
      for (let i = 0; i < 500; i += 37) expect(s.get(`w${i}`)).toEqual({ i, tag: 'w', sq: i * i });
      expect(s.recovery.indexRebuilt).toBe(false);
    } finally {
      s.close();
    }
  });

  it('two workers at once on different stores', async () => {
    const rootA = tempDir();
    const rootB = tempDir();
    const [a, b] = await Promise.all([
      runWorker(WRITE_DOCS, { root: rootA, collection: 'c', n: 3000, tag: 'a' }),
      runWorker(WRITE_DOCS, { root: rootB, collection: 'c', n: 2000, tag: 'b' }),
    ]);
    expect(a).toEqual({ code: 0, messages: [{ count: 3000, version: version(), isMain: false }] });
    expect(b).toEqual({ code: 0, messages: [{ count: 2000, version: version(), isMain: false }] });
    for (const [root, n, tag] of [
      [rootA, 3000, 'a'],
      [rootB, 2000, 'b'],
    ] as const) {
      const store = open(root, { readOnly: true });
      try {
        const docs = store.collection('c').toArray();
        expect(docs).toHaveLength(n);
        docs.forEach((d, i) => expect(d).toEqual({ _id: `${tag}${i}`, i, tag, sq: i * i }));
      } finally {
        store.close();
      }
    }
  });

  it('two workers at once on the same store (shared writer within the process)', async () => {
    const root = tempDir();
    const [a, b] = await Promise.all([
      runWorker(WRITE_DOCS, { root, collection: 'c', n: 1500, tag: 'a' }),
      runWorker(WRITE_DOCS, { root, collection: 'c', n: 1500, tag: 'b' }),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const s = ZdsStore.open(root, { collection: 'c', readOnly: true });
    try {
      expect(s.count).toBe(3000);
      expect(s.recovery.skippedLines).toEqual([]);
      for (let i = 0; i < 1500; i += 101) {
        expect(s.get(`a${i}`)).toEqual({ i, tag: 'a', sq: i * i });
        expect(s.get(`b${i}`)).toEqual({ i, tag: 'b', sq: i * i });
      }
    } finally {
      s.close();
    }
  });

  it('a worker opening the root the main thread holds writable shares it (no ELOCKED)', async () => {
    const root = tempDir();
    const main = ZdsStore.open(root, 'c');
    try {
      main.put('m1', { from: 'main' });
      const { code, messages } = await runWorker(
        `
        let result;
        try {
          const s = zds.ZdsStore.open(workerData.root, 'c');
          const sawMain = s.exists('m1') ? s.get('m1') : null;
          s.put('w1', { from: 'worker' });
          s.flush();
          s.close();
          const other = zds.open(workerData.root).collection('other');
          other.put('o1', { from: 'worker' });
          other.close();
          result = { ok: true, sawMain };
        } catch (err) {
          result = { ok: false, code: err.code, message: err.message };
        }
        post(result);
        `,
        { root },
      );
      expect(code).toBe(0);
      expect(messages).toEqual([{ ok: true, sawMain: { from: 'main' } }]);
      // Same writer, same index: visible without refresh.
      expect(main.get('w1')).toEqual({ from: 'worker' });
      expect(main.count).toBe(2);
      // The worker's close left the main thread's handle writable.
      main.put('m2', { from: 'main' });
      main.flush();
    } finally {
      main.close();
    }
    const store = open(root, { readOnly: true });
    try {
      expect(store.collections()).toEqual(['c', 'other']);
      expect(store.collection('c').ids()).toEqual(['m1', 'w1', 'm2']);
      expect(store.collection('other').get('o1')).toEqual({ _id: 'o1', from: 'worker' });
    } finally {
      store.close();
    }
  });

  const HOLD_OPEN = `
    const s = zds.ZdsStore.open(workerData.root, 'c');
    for (let i = 0; i < 300; i++) s.put('f' + i, { i, flushed: true });
    s.flush();
    for (let i = 0; i < 50; i++) s.put('u' + i, { i, flushed: false });
    const it = s.scan().length; // a cursor used and closed
    post({ ready: true, count: s.count, it });
    setInterval(() => {}, 1000); // stay alive, store open, until terminated
  `;

  it('terminating a worker that holds an open writable store releases it and keeps its data', async () => {
    const root = tempDir();
    const w = startWorker(HOLD_OPEN, { root });
    expect(await w.next()).toEqual({ ready: true, count: 350, it: 350 });
    await w.worker.terminate();
    expect(await w.exited).toBe(1);

    // The writer lock went with the worker's environment: another process may write.
    const other = await tryOpenElsewhere(root);
    expect(other.hung).toBeUndefined();
    expect(other).toMatchObject({ ok: true });
    // Documents flushed before termination are there (the rest were flushed at teardown).
    expect(other.count).toBeGreaterThanOrEqual(300);

    const s = ZdsStore.open(root, 'c');
    try {
      for (let i = 0; i < 300; i++) expect(s.get(`f${i}`)).toEqual({ i, flushed: true });
      // Environment teardown flushes handles left open (native/binding.cc).
      expect(s.count).toBe(350);
      for (let i = 0; i < 50; i++) expect(s.get(`u${i}`)).toEqual({ i, flushed: false });
      expect(s.recovery.truncatedBytes).toBe(0);
      expect(s.recovery.skippedLines).toEqual([]);
    } finally {
      s.close();
    }
    const lines = readFileSync(collectionFiles(root, 'c').data, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(351);
  });

  it('terminating a worker that shares the main thread\'s root leaves the main handle working', async () => {
    const root = tempDir();
    const main = ZdsStore.open(root, 'c');
    try {
      main.put('m0', { from: 'main' });
      const w = startWorker(HOLD_OPEN, { root });
      expect(await w.next()).toEqual({ ready: true, count: 351, it: 351 });
      await w.worker.terminate();
      expect(main.count).toBe(351);
      expect(main.get('f7')).toEqual({ i: 7, flushed: true });
      main.put('m1', { from: 'main' });
      main.flush();
      expect(main.count).toBe(352);
    } finally {
      main.close();
    }
    const s = ZdsStore.open(root, { collection: 'c', readOnly: true });
    try {
      expect(s.count).toBe(352);
      expect(s.get('m1')).toEqual({ from: 'main' });
      expect(s.get('u49')).toEqual({ i: 49, flushed: false });
    } finally {
      s.close();
    }
    const other = await tryOpenElsewhere(root);
    expect(other).toMatchObject({ ok: true, count: 352 });
  });
});
