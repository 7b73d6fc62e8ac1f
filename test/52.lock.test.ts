// The writer lock between processes: one writable process per store, any
// number of readers; the lock goes with close() or with the process; within
// one process writable handles share it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { open, ZdsError, ZdsRoot, ZdsStore } from '../dist/index.js';
import { PACKAGE_CJS, tempDir } from './helpers';

const HOLDER = join(__dirname, 'fixtures', '52-lock-holder.cjs');
const TRY = join(__dirname, 'fixtures', '52-lock-try.cjs');

/** A child process whose stdout lines can be awaited. */
class Child {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #partial = '';
  #waiters: { pred: (l: string) => boolean; resolve: (l: string) => void; reject: (e: Error) => void; from: number }[] = [];

  constructor(script: string, args: string[]) {
    this.proc = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.#partial += d;
      let nl: number;
      while ((nl = this.#partial.indexOf('\n')) >= 0) {
        this.lines.push(this.#partial.slice(0, nl));
        this.#partial = this.#partial.slice(nl + 1);
      }
      this.#check();
    });
    this.closed = new Promise((resolve) => {
      this.proc.on('close', (code, signal) => {
        for (const w of this.#waiters.splice(0)) {
          w.reject(new Error(`child exited (code ${code}, signal ${signal}) before the expected line; stdout=${JSON.stringify(this.lines)} stderr=${this.stderr}`));
        }
        resolve({ code, signal });
      });
    });
  }

  #check() {
    this.#waiters = this.#waiters.filter((w) => {
      const hit = this.lines.slice(w.from).find(w.pred);
      if (hit !== undefined) w.resolve(hit);
      return hit === undefined;
    });
  }

  /** The first line (printed from now on, or ever with `fromStart`) matching `pred`. */
  waitLine(pred: (l: string) => boolean, fromStart = true): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; stdout=${JSON.stringify(this.lines)} stderr=${this.stderr}`)), 20_000);
      this.#waiters.push({
        pred,
        from: fromStart ? 0 : this.lines.length,
        resolve: (l) => (clearTimeout(timer), resolve(l)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.#check();
    });
  }

  /** Sends a command line and waits for the reply line `reply`. */
  async command(cmd: string, reply: string): Promise<void> {
    const p = this.waitLine((l) => l === reply, false);
    this.proc.stdin!.write(cmd + '\n');
    await p;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }
}

const children: Child[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.alive) c.proc.kill('SIGKILL');
});

async function holder(root: string, api: 'store' | 'root'): Promise<Child> {
  const child = new Child(HOLDER, [PACKAGE_CJS, root, api]);
  children.push(child);
  const line = await child.waitLine((l) => l.startsWith('LOCKED '));
  expect(line).toBe(`LOCKED ${child.proc.pid}`);
  return child;
}

type TryResult = { ok: boolean; pid?: number; code?: string; message?: string; isZdsError?: boolean; count?: number; hung?: boolean };

/**
 * Runs the try-open child: can another process open the store writable now?
 * A child that does not answer within 5 s (a writable open that hangs
 * instead of failing with ELOCKED) is killed and reported as `hung`.
 */
function tryOpenElsewhere(root: string): Promise<TryResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [TRY, PACKAGE_CJS, root], { timeout: 5_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err && (err as { killed?: boolean }).killed) return resolve({ ok: false, hung: true });
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout));
    });
  });
}

function catchError(fn: () => unknown): ZdsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZdsError);
    return err as ZdsError;
  }
  throw new Error('expected the call to throw');
}

const lockFile = (root: string) => join(root, '.zds', '.zds_write.lock');

/** Another process's writable open fails at once with ELOCKED naming `pid`. */
async function expectProbeLocked(root: string, pid: number) {
  const probe = await tryOpenElsewhere(root);
  expect(probe.hung, 'a writable open of a locked store hung instead of throwing ELOCKED').toBeUndefined();
  expect(probe.ok).toBe(false);
  expect(probe.code).toBe('ELOCKED');
  expect(probe.isZdsError).toBe(true);
  expect(probe.message).toMatch(new RegExp(`\\bprocess ${pid}\\b`));
}

/**
 * Writable opens in this process fail with ELOCKED naming `pid`. Checked in
 * a child process first: an open that hangs would block this test process
 * for good, so it is only attempted here once a child has seen it return.
 */
async function expectLockedBy(root: string, pid: number) {
  await expectProbeLocked(root, pid);
  for (const attempt of [
    () => ZdsStore.open(root, 'c'),
    () => ZdsStore.open(root, { collection: 'other' }),
    () => open(root),
    () => ZdsRoot.open(root),
    () => ZdsRoot.open(root, null, 'rw'),
  ]) {
    const err = catchError(attempt);
    expect(err.code).toBe('ELOCKED');
    expect(err.message).toMatch(new RegExp(`\\bprocess ${pid}\\b`));
  }
}

const apiName = (api: 'store' | 'root') => (api === 'store' ? 'ZdsStore.open' : 'ZdsRoot.open');
const lockPidRe = (pid: number) => new RegExp(`^pid=${pid}$`, 'm');

describe('writer lock across processes', () => {
  for (const api of ['store', 'root'] as const) {
    it(`a child holding the lock (${apiName(api)}): writable opens here throw ELOCKED naming its pid`, async () => {
      const root = tempDir();
      const child = await holder(root, api);
      const pid = child.proc.pid!;
      expect(readFileSync(lockFile(root), 'utf8')).toMatch(lockPidRe(pid));
      await expectLockedBy(root, pid);
      // Failed attempts do not disturb the holder's lock file.
      expect(readFileSync(lockFile(root), 'utf8')).toMatch(lockPidRe(pid));
      // Still refused after all that.
      await expectProbeLocked(root, pid);
    });
  }

  it('read-only opens work while a child holds the lock and see its flushes after refresh()', async () => {
    const root = tempDir();
    const child = await holder(root, 'store');
    const reader = ZdsStore.open(root, { collection: 'c', readOnly: true });
    const readerStore = open(root, { readOnly: true });
    try {
      const rc = readerStore.collection('c');
      expect(reader.get('a')).toEqual({ v: 1 });
      expect(reader.count).toBe(1);
      expect(rc.get('a')).toEqual({ _id: 'a', v: 1 });
      await child.command('put b 2', 'OK b');
      // A read-only handle keeps its view until refresh().
      expect(reader.exists('b')).toBe(false);
      expect(rc.has('b')).toBe(false);
      reader.refresh();
      rc.refresh();
      expect(reader.get('b')).toEqual({ v: 2 });
      expect(reader.count).toBe(2);
      expect(rc.get('b')).toEqual({ _id: 'b', v: 2 });
      // A reader opened now sees it at once.
      const readerRoot = ZdsRoot.open(root, null, 'r');
      try {
        expect(readerRoot.isWritable).toBe(false);
        expect(readerRoot.listCollections()).toEqual(['c']);
        expect(readerRoot.collection('c').get('b')).toEqual({ v: 2 });
      } finally {
        readerRoot.close();
      }
    } finally {
      reader.close();
      readerStore.close();
    }
    // The readers took nothing from the holder.
    expect(readFileSync(lockFile(root), 'utf8')).toMatch(lockPidRe(child.proc.pid!));
    await child.command('put c 3', 'OK c');
  });

  for (const api of ['store', 'root'] as const) {
    it(`close() in the holder (${apiName(api)}) frees the lock while the process lives on`, async () => {
      const root = tempDir();
      const child = await holder(root, api);
      await child.command('put b 2', 'OK b');
      await child.command('close', 'CLOSED');
      expect(child.alive).toBe(true);
      const s = ZdsStore.open(root, 'c');
      try {
        expect(s.count).toBe(2);
        expect(s.get('b')).toEqual({ v: 2 });
        expect(readFileSync(lockFile(root), 'utf8')).toMatch(lockPidRe(process.pid));
        s.put('c', { v: 3 });
      } finally {
        s.close();
      }
      child.proc.stdin!.end('exit\n');
      expect(await child.closed).toEqual({ code: 0, signal: null });
      expect(child.stderr).toBe('');
      const other = await tryOpenElsewhere(root);
      expect(other).toMatchObject({ ok: true, count: 3 });
    });
  }

  it('SIGKILL of the holder frees the lock', async () => {
    const root = tempDir();
    const child = await holder(root, 'store');
    const pid = child.proc.pid!;
    child.proc.kill('SIGKILL');
    expect(await child.closed).toEqual({ code: null, signal: 'SIGKILL' });

    // The stale lock file still names the dead process, but the lock is free.
    expect(readFileSync(lockFile(root), 'utf8')).toMatch(lockPidRe(pid));
    const s = ZdsStore.open(root, 'c');
    try {
      expect(s.get('a')).toEqual({ v: 1 });
      expect(readFileSync(lockFile(root), 'utf8')).toMatch(lockPidRe(process.pid));
    } finally {
      s.close();
    }
    // Released by close(): another process may take it.
    const other = await tryOpenElsewhere(root);
    expect(other).toMatchObject({ ok: true, count: 1 });
  });

  it('lock file lives at <root>/.zds/.zds_write.lock with pid, hostname and timestamp', async () => {
    const root = tempDir();
    const child = await holder(root, 'root');
    const text = readFileSync(lockFile(root), 'utf8');
    const fields = Object.fromEntries(
      text
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(Object.keys(fields).sort()).toEqual(['hostname', 'pid', 'timestamp']);
    expect(fields.pid).toBe(String(child.proc.pid));
    expect(fields.hostname).toBeTruthy();
    expect(fields.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('writer lock within one process', () => {
  it('writable opens of the same root share one writer and do not conflict', () => {
    const root = tempDir();
    const s1 = open(root);
    const s2 = open(root);
    const z1 = ZdsStore.open(root, 'c');
    const r1 = ZdsRoot.open(root);
    try {
      const c1 = s1.collection('c');
      const c2 = s2.collection('c');
      const zr = r1.collection('c');
      c1.put('x', { from: 1 });
      // One writer, one index: visible at once, before any flush.
      expect(c2.get('x')).toEqual({ _id: 'x', from: 1 });
      expect(z1.get('x')).toEqual({ from: 1 });
      zr.put('y', { from: 'root' });
      expect(c1.get('y')).toEqual({ _id: 'y', from: 'root' });
      // Closing some handles leaves the others writable.
      s1.close();
      z1.close();
      c2.put('z', { from: 2 });
      c2.flush();
      expect(zr.count).toBe(3);
      expect(readFileSync(lockFile(root), 'utf8')).toMatch(lockPidRe(process.pid));
    } finally {
      s1.close();
      s2.close();
      z1.close();
      r1.close();
    }
    const check = open(root, { readOnly: true });
    try {
      expect(check.collection('c').ids()).toEqual(['x', 'y', 'z']);
    } finally {
      check.close();
    }
  });

  it('another process is refused while any handle of this process is open, and admitted after the last close', async () => {
    const root = tempDir();
    const s1 = open(root);
    const s2 = ZdsStore.open(root, 'c');
    try {
      s1.collection('c').put('x', { v: 1 });
      s1.close();
      // s2 still holds the shared writer.
      s2.put('y', { v: 2 });
      s2.flush();
      await expectProbeLocked(root, process.pid);
    } finally {
      s1.close();
      s2.close();
    }
    const after = await tryOpenElsewhere(root);
    expect(after).toMatchObject({ ok: true, count: 2 });
  });
});
