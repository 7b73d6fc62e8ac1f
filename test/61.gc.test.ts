// Garbage collection of handles that were never closed, and closing a
// collection while an iteration is still running. Both run in child
// processes started with --expose-gc (vitest workers have no gc()).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGE_CJS, tempDir } from './helpers';

const FIX = join(__dirname, 'fixtures');

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Runs a fixture to completion (killed after 10 s); resolves with its output. */
function run(args: string[], nodeArgs: string[] = []) {
  return new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean }>((resolve) => {
    execFile(process.execPath, [...nodeArgs, ...args], { timeout: 10_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number; signal?: string; killed?: boolean }) | null;
      resolve({
        code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
        signal: e?.signal ?? null,
        stdout,
        stderr,
        timedOut: Boolean(e?.killed),
      });
    });
  });
}

async function readCount(root: string) {
  const r = await run([join(FIX, '61-read-count.cjs'), PACKAGE_CJS, root]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { count: number; ok: boolean; recovery: Record<string, unknown> };
}

async function tryOpenElsewhere(root: string) {
  const r = await run([join(FIX, '52-lock-try.cjs'), PACKAGE_CJS, root]);
  expect(r.timedOut, 'a writable open in another process hung').toBe(false);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { ok: boolean; code?: string; message?: string; count?: number };
}

/** Starts the gc fixture and resolves with the JSON of its GCDONE line. */
function startGcChild(root: string, api: string) {
  const child = spawn(process.execPath, ['--expose-gc', join(FIX, '61-gc-abandon.cjs'), PACKAGE_CJS, root, api], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const checkers = new Set<() => void>();
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const check of [...checkers]) check();
  });
  const closed = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  /** The JSON after "<prefix> " on the first stdout line starting so. */
  const line = (prefix: string) =>
    new Promise<any>((resolve, reject) => {
      const finish = (f: () => void) => {
        clearTimeout(timer);
        checkers.delete(check);
        f();
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${prefix} line; stdout=${stdout} stderr=${stderr}`))), 20_000);
      const check = () => {
        const hit = stdout.split('\n').find((l) => l.startsWith(prefix + ' '));
        if (hit !== undefined) finish(() => resolve(JSON.parse(hit.slice(prefix.length + 1))));
      };
      checkers.add(check);
      closed.then(({ code, signal }) => {
        if (!checkers.has(check)) return;
        check();
        if (checkers.has(check)) {
          finish(() => reject(new Error(`child ended (code ${code}, signal ${signal}) without ${prefix}; stdout=${stdout} stderr=${stderr}`)));
        }
      });
      check();
    });
  return { child, closed, line, stderr: () => stderr };
}

describe('garbage-collected handles', () => {
  for (const api of ['store', 'compat'] as const) {
    it(`handles dropped without close() (${api === 'store' ? 'open()' : 'ZdsStore.open'}) are flushed and unlocked by the finalizers`, async () => {
      const root = tempDir();
      const gcChild = startGcChild(root, api);
      const done = await gcChild.line('GCDONE');
      expect(done.first).toBe('d0');
      expect(done.firstAsync).toBe('d0');
      // The iterators handed the first 3000 to the OS; the 500 later ones
      // stayed in memory until the finalizer flushed them.
      expect(done.linesBeforeGc).toBe(3000);
      expect(done.linesAfterGc).toBe(3500);

      // While the child lives on: the lock is free and the index is current.
      const other = await tryOpenElsewhere(root);
      expect(other).toMatchObject({ ok: true, count: 3500 });

      // The same child can open the store writable again.
      const reopenedLine = gcChild.line('REOPENED');
      gcChild.child.stdin!.write('continue\n');
      const reopened = await reopenedLine;
      expect(reopened).toEqual({ count: 3500, late: { _id: 'late499', i: 499, late: true }, d: { _id: 'd2999', i: 2999 } });
      expect(await gcChild.closed).toEqual({ code: 0, signal: null });
      expect(gcChild.stderr()).toBe('');

      const after = await readCount(root);
      expect(after.count).toBe(3501);
      expect(after.ok).toBe(true);
      expect(after.recovery).toMatchObject({ indexRebuilt: false, replayedLines: 0, truncatedBytes: 0 });
    });
  }

  it('finalizer flush alone (no other open in between) leaves a current index.bin', async () => {
    const root = tempDir();
    const gcChild = startGcChild(root, 'store');
    const done = await gcChild.line('GCDONE');
    expect(done.linesAfterGc).toBe(3500);
    // Read-only: nothing in between may have rewritten index.bin.
    const r = await readCount(root);
    expect(r.count).toBe(3500);
    expect(r.ok).toBe(true);
    expect(r.recovery).toMatchObject({ indexRebuilt: false, replayedLines: 0, truncatedBytes: 0 });
    gcChild.child.stdin!.end();
    expect(await gcChild.closed).toEqual({ code: 0, signal: null });
  });
});

describe('close() while an iteration is in progress', () => {
  const N = 300;
  const all = Array.from({ length: N }, (_, i) => `d${i}`);

  for (const variant of ['async-close-collection', 'async-close-store', 'async-close-in-flight', 'sync-close-collection']) {
    it(`${variant}: finishes the snapshot or throws ECLOSED, never crashes`, async () => {
      const root = tempDir();
      const r = await run([join(FIX, '61-close-during-iter.cjs'), PACKAGE_CJS, root, variant], ['--expose-gc']);
      expect(r.stderr).toBe('');
      expect(r.signal).toBeNull();
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { ids: string[]; errorCode: string | null; isZdsError: boolean | null };
      if (out.errorCode === null) {
        expect(out.ids).toEqual(all);
      } else {
        expect(out.errorCode).toBe('ECLOSED');
        expect(out.isZdsError).toBe(true);
        expect(out.ids).toEqual(all.slice(0, out.ids.length));
      }
      // The data is intact afterwards.
      const after = await readCount(root);
      expect(after.count).toBe(N);
      expect(after.recovery).toMatchObject({ indexRebuilt: false, replayedLines: 0, truncatedBytes: 0 });
    });
  }

  it('iterating a collection closed before the iteration starts throws ECLOSED', async () => {
    const root = tempDir();
    const r = await run([join(FIX, '61-close-during-iter.cjs'), PACKAGE_CJS, root, 'closed-before-start'], ['--expose-gc']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ids: [], errorCode: 'ECLOSED', errorName: 'ZdsError', isZdsError: true });
  });
});
