// A writer killed with SIGKILL loses nothing it flushed, leaves no temporary
// files behind after a writable reopen, and does not keep the writer lock.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { open, ZdsStore } from '../dist/index.js';
import { collectionFiles, PACKAGE_CJS, tempDir } from './helpers';

const FIXTURE = join(__dirname, 'fixtures', '51-kill9-writer.cjs');

// Must match docFor() in the fixture.
function docFor(id: string) {
  const i = Number(id.slice(1));
  return { i, kind: id[0], text: 'x'.repeat(i % 40), sq: i * i, tags: [i % 3, i % 5], nested: { even: i % 2 === 0, s: String(i) } };
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/**
 * Runs the writer and SIGKILLs it as soon as a stdout line satisfies
 * `killWhen`. Resolves once it is gone, with every line it printed.
 */
function runAndKill(root: string, mode: string, killWhen: (line: string, index: number) => boolean) {
  return new Promise<{ lines: string[]; signal: NodeJS.Signals | null; code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE, PACKAGE_CJS, root, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const lines: string[] = [];
    let partial = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not reach the kill point; stdout=${JSON.stringify(lines)} stderr=${stderr}`));
    }, 30_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      partial += d;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        lines.push(line);
        if (!killed && killWhen(line, lines.length - 1)) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    // 'close': the process is gone and stdout is drained.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ lines, signal, code, stderr });
    });
  });
}

/** After a writable reopen, meta/ holds exactly the three collection files. */
function expectNoLeftovers(root: string) {
  const f = collectionFiles(root, 'c');
  expect(readdirSync(f.meta).sort()).toEqual(['data.jsonl', 'index.bin', 'manifest.json']);
  expect(readdirSync(f.dir)).toEqual(['meta']);
  expect(readdirSync(join(root, '.zds'))).toEqual(['.zds_write.lock']);
  expect(readFileSync(f.data).at(-1)).toBe(0x0a);
}

/** Every document present is exactly what the writer wrote for its id. */
function checkAll(docs: Record<string, unknown>[]) {
  for (const d of docs) {
    const id = d._id as string;
    expect(id).toMatch(/^[de]\d+$/);
    expect(d).toEqual({ _id: id, ...docFor(id) });
  }
}

describe('SIGKILL of a writer', () => {
  it('keeps all 2000 flushed documents while unflushed writes were in progress', async () => {
    const root = tempDir();
    const run = await runAndKill(root, 'once', (line) => line.startsWith('FLUSHED '));
    expect(run.signal).toBe('SIGKILL');
    expect(run.lines[0]).toBe('FLUSHED 2000');

    const s = ZdsStore.open(root, 'c'); // writable: the lock was released by the kill
    try {
      expect(s.recovery.skippedLines).toEqual([]);
      for (let i = 0; i < 2000; i++) {
        expect(s.get(`d${i}`)).toEqual(docFor(`d${i}`));
      }
      const all = s.scan();
      checkAll(all);
      expect(all.filter((d) => String(d._id).startsWith('d'))).toHaveLength(2000);
      // Documents written after the flush may be lost, but only from the end:
      // e0..e(k-1) present, nothing later.
      const es = all.filter((d) => String(d._id).startsWith('e')).map((d) => d.i as number);
      expect(es).toEqual(es.map((_, k) => k));
      expect(s.count).toBe(2000 + es.length);
    } finally {
      s.close();
    }
    expectNoLeftovers(root);
  });

  for (const killAt of [1, 4, 9]) {
    it(`repeated flushes, killed at ACK #${killAt}: every acknowledged document is present`, async () => {
      const root = tempDir();
      const run = await runAndKill(root, 'repeat', (_line, i) => i + 1 >= killAt);
      expect(run.signal).toBe('SIGKILL');
      expect(run.lines.length).toBeGreaterThanOrEqual(killAt);
      run.lines.forEach((l, k) => expect(l).toBe(`ACK ${(k + 1) * 100}`));
      const acked = Number(run.lines.at(-1)!.split(' ')[1]);

      const store = open(root);
      try {
        const c = store.collection('c');
        for (let i = 0; i < acked; i++) expect(c.get(`d${i}`)).toEqual({ _id: `d${i}`, ...docFor(`d${i}`) });
        const all = c.toArray();
        checkAll(all);
        const ns = all.map((d) => d.i as number);
        // A prefix of the written sequence, at least as long as what was acknowledged.
        expect(ns).toEqual(ns.map((_, k) => k));
        expect(ns.length).toBeGreaterThanOrEqual(acked);
        expect(c.count()).toBe(ns.length);
      } finally {
        store.close();
      }
      expectNoLeftovers(root);
      // And the store is clean now: nothing to repair on the next open.
      const again = ZdsStore.open(root, { collection: 'c', readOnly: true });
      try {
        expect(again.recovery.indexRebuilt).toBe(false);
        expect(again.recovery.truncatedBytes).toBe(0);
        expect(again.recovery.replayedLines).toBe(0);
      } finally {
        again.close();
      }
    });
  }
});
