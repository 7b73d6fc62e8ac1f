// Read-only handles: no lock, no file changes, refresh() to see a writer's flushed data.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { open, ZdsError, ZdsRoot, ZdsStore } from '../dist/index.js';
import { collectionFiles, PACKAGE_CJS, tempDir, errorOf } from './helpers';

/** Every file and directory under `dir`: contents (base64), size and mtime. */
function snapshotTree(dir: string): Record<string, { content?: string; size: number; mtimeMs: number; dir: boolean }> {
  const out: Record<string, { content?: string; size: number; mtimeMs: number; dir: boolean }> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      const key = relative(dir, p);
      if (st.isDirectory()) {
        out[key] = { size: 0, mtimeMs: st.mtimeMs, dir: true };
        walk(p);
      } else {
        out[key] = { content: readFileSync(p).toString('base64'), size: st.size, mtimeMs: st.mtimeMs, dir: false };
      }
    }
  };
  walk(dir);
  return out;
}

/** Runs a script in another Node process with the package as `z`; returns stdout. */
function runChild(body: string): { stdout: string; status: number | null } {
  const script = `const z = require(${JSON.stringify(PACKAGE_CJS)});\n${body}`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`child failed (${r.status} ${r.signal}): ${r.stderr}`);
  return { stdout: r.stdout, status: r.status };
}

describe('read-only handles and writers', () => {
  it('a read-only ZdsStore does not block a writer in the same process; sees flushed data only after refresh()', () => {
    const root = tempDir();
    const seed = ZdsStore.open(root, 'c');
    seed.put('a', { v: 1 });
    seed.close();

    const reader = ZdsStore.open(root, { collection: 'c', readOnly: true });
    expect(reader.count).toBe(1);
    const writer = ZdsStore.open(root, 'c');
    writer.put('b', { v: 2 });
    writer.put('a', { v: 10 });
    // not flushed: the reader sees nothing new, even after a refresh
    expect(reader.count).toBe(1);
    expect(reader.exists('b')).toBe(false);
    reader.refresh();
    expect(reader.count).toBe(1);
    expect(reader.get('a')).toEqual({ v: 1 });
    writer.flush();
    // flushed but not refreshed: still the old view
    expect(reader.count).toBe(1);
    expect(reader.exists('b')).toBe(false);
    expect(reader.get('a')).toEqual({ v: 1 });
    reader.refresh();
    expect(reader.count).toBe(2);
    expect(reader.get('b')).toEqual({ v: 2 });
    expect(reader.get('a')).toEqual({ v: 10 });
    expect(reader.listDocIds()).toEqual(['b', 'a']);
    writer.delete('b');
    writer.flush();
    expect(reader.exists('b')).toBe(true);
    reader.refresh();
    expect(reader.exists('b')).toBe(false);
    expect(errorOf(() => reader.get('b')).code).toBe('ENOTFOUND');
    writer.close();
    reader.close();
  });

  it('a reopen (instead of refresh) also sees the flushed data', () => {
    const root = tempDir();
    const writer = ZdsStore.open(root, 'c');
    const r1 = ZdsStore.open(root, { collection: 'c', readOnly: true });
    writer.put('x', { v: 1 });
    writer.flush();
    expect(r1.count).toBe(0);
    const r2 = ZdsStore.open(root, { collection: 'c', readOnly: true });
    expect(r2.count).toBe(1);
    expect(r2.get('x')).toEqual({ v: 1 });
    r1.close();
    r2.close();
    writer.close();
  });

  it("ZdsRoot mode 'r' handles behave the same", () => {
    const dir = tempDir();
    const w = ZdsRoot.open(dir);
    const wc = w.collection('c');
    wc.put('a', { v: 1 });
    wc.flush();
    const r = ZdsRoot.open(dir, undefined, 'r');
    const rc = r.collection('c');
    expect(rc.get('a')).toEqual({ v: 1 });
    wc.put('b', { v: 2 });
    wc.flush();
    expect(rc.count).toBe(1);
    rc.refresh();
    expect(rc.count).toBe(2);
    expect(errorOf(() => rc.put('c', {})).code).toBe('EREADONLY');
    expect(errorOf(() => rc.delete('a')).code).toBe('EREADONLY');
    expect(rc.count).toBe(2);
    expect(wc.count).toBe(2);
    r.close();
    wc.put('c', { v: 3 });
    expect(wc.count).toBe(3);
    w.close();
  });

  it('the typed layer: a read-only Collection refresh()es', () => {
    const dir = tempDir();
    const w = open(dir);
    const wc = w.collection<{ v: number }>('c');
    const r = open(dir, { readOnly: true });
    const rc = r.collection<{ v: number }>('c');
    wc.put('a', { v: 1 });
    wc.flush();
    expect(rc.get('a')).toBeUndefined();
    rc.refresh();
    expect(rc.get('a')).toEqual({ _id: 'a', v: 1 });
    r.close();
    w.close();
  });

  it('refresh picks up a compaction by the writer', () => {
    const root = tempDir();
    const writer = ZdsStore.open(root, 'c');
    for (let i = 0; i < 20; i++) writer.put(`d${i % 4}`, { i });
    writer.flush();
    const reader = ZdsStore.open(root, { collection: 'c', readOnly: true });
    const before = reader.scan();
    writer.compact();
    // the old view stays readable until refresh
    expect(reader.scan()).toEqual(before);
    writer.put('d0', { i: 100 });
    writer.flush();
    reader.refresh();
    expect(reader.scan()).toEqual(writer.scan());
    expect(reader.get('d0')).toEqual({ i: 100 });
    expect(reader.count).toBe(4);
    reader.close();
    writer.close();
  });

  it('a read-only handle does not block a writer in another process', () => {
    const root = tempDir();
    const seed = ZdsStore.open(root, 'c');
    seed.put('a', { v: 1 });
    seed.close();
    const reader = ZdsStore.open(root, { collection: 'c', readOnly: true });
    const ro2 = ZdsRoot.open(root, undefined, 'r');
    ro2.collection('c');
    const out = runChild(`
      const s = z.ZdsStore.open(${JSON.stringify(root)}, 'c');
      s.put('from-child', { pid: process.pid });
      s.put('a', { v: 2 });
      s.close();
      process.stdout.write('done');`);
    expect(out.stdout).toBe('done');
    expect(reader.count).toBe(1);
    expect(reader.get('a')).toEqual({ v: 1 });
    reader.refresh();
    expect(reader.count).toBe(2);
    expect(reader.get('a')).toEqual({ v: 2 });
    expect(reader.exists('from-child')).toBe(true);
    reader.close();
    ro2.close();
  });

  it('a read-only handle opens while another process holds the writer, and sees its flushes after refresh', async () => {
    const root = tempDir();
    const script = `
      const z = require(${JSON.stringify(PACKAGE_CJS)});
      const rl = require('node:readline').createInterface({ input: process.stdin });
      const s = z.ZdsStore.open(${JSON.stringify(root)}, 'c');
      s.put('first', { n: 1 });
      s.flush();
      console.log('ready');
      rl.on('line', (cmd) => {
        if (cmd === 'more') { s.put('second', { n: 2 }); s.flush(); console.log('flushed'); }
        if (cmd === 'quit') { s.close(); console.log('bye'); rl.close(); }
      });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const it = lines[Symbol.asyncIterator]();
    const nextLine = async () => {
      const timer = new Promise<never>((_, rej) => setTimeout(() => rej(new Error('child timed out')), 20_000));
      const r = await Promise.race([it.next(), timer]);
      return r.value as string;
    };
    try {
      expect(await nextLine()).toBe('ready');
      // the writer lock is held by the child: a writable open here fails, a read-only one works
      expect(errorOf(() => ZdsStore.open(root, 'c')).code).toBe('ELOCKED');
      const reader = ZdsStore.open(root, { collection: 'c', readOnly: true });
      expect(reader.get('first')).toEqual({ n: 1 });
      child.stdin!.write('more\n');
      expect(await nextLine()).toBe('flushed');
      expect(reader.exists('second')).toBe(false);
      reader.refresh();
      expect(reader.get('second')).toEqual({ n: 2 });
      expect(reader.count).toBe(2);
      reader.close();
      child.stdin!.write('quit\n');
      expect(await nextLine()).toBe('bye');
    } finally {
      child.kill();
    }
  });
});

describe('read-only handles never modify files', () => {
  function exercise(reader: ZdsStore): void {
    reader.count;
    reader.listDocIds();
    reader.scan();
    reader.scanRaw();
    reader.readJsonlBlob();
    for (const id of reader.listDocIds()) reader.get(id);
    reader.exists('nope');
    reader.flush();
    reader.refresh();
    expect(errorOf(() => reader.put('w', {})).code).toBe('EREADONLY');
  }

  it('on a store written by zds (ZdsStore readOnly and ZdsRoot mode r)', async () => {
    const root = tempDir();
    const w = ZdsStore.open(root, 'c');
    for (let i = 0; i < 10; i++) w.put(`d${i}`, { i });
    w.delete('d3');
    w.close();
    const before = snapshotTree(root);
    await new Promise((r) => setTimeout(r, 20));
    const reader = ZdsStore.open(root, { collection: 'c', readOnly: true });
    exercise(reader);
    reader.close();
    const rr = ZdsRoot.open(root, 10, 'r');
    exercise(rr.collection('c'));
    rr.listCollections();
    rr.info;
    rr.close();
    const st = open(root, { readOnly: true });
    const c = st.collection('c');
    [...c];
    c.toArray();
    st.close();
    expect(snapshotTree(root)).toEqual(before);
  });

  it('on a store needing repairs: no index.bin, no manifest, last line without newline, torn tail', () => {
    const root = tempDir();
    const noIndex = collectionFiles(root, 'noindex');
    mkdirSync(noIndex.meta, { recursive: true });
    writeFileSync(noIndex.data, '{"_id":"a","v":1}\n{"_id":"b","v":2}');
    const torn = collectionFiles(root, 'torn');
    mkdirSync(torn.meta, { recursive: true });
    writeFileSync(torn.data, '{"_id":"a","v":1}\n{"_id":"b","v":');
    const before = snapshotTree(root);

    const r1 = ZdsStore.open(root, { collection: 'noindex', readOnly: true });
    expect(r1.scan()).toEqual([
      { _id: 'a', v: 1 },
      { _id: 'b', v: 2 },
    ]);
    expect(r1.recovery.indexRebuilt).toBe(true);
    expect(r1.recovery.newlineAdded).toBe(false);
    exercise(r1);
    r1.close();

    const r2 = ZdsStore.open(root, { collection: 'torn', readOnly: true });
    expect(r2.scan()).toEqual([{ _id: 'a', v: 1 }]);
    expect(r2.recovery.truncatedBytes).toBe('{"_id":"b","v":'.length);
    expect(r2.recovery.tornOffset).toBe('{"_id":"a","v":1}\n'.length);
    exercise(r2);
    r2.close();

    expect(snapshotTree(root)).toEqual(before);
    // the store has no .zds lock directory: read-only opens take no lock
    expect(readdirSync(root)).toEqual(['collections']);
  });

  it('a read-only open of a store does not create a missing collection', () => {
    const root = tempDir();
    ZdsStore.open(root, 'exists').close();
    const before = snapshotTree(root);
    expect(errorOf(() => ZdsStore.open(root, { collection: 'missing', readOnly: true })).code).toBe('ENOTFOUND');
    const r = ZdsRoot.open(root, 10, 'r');
    expect(errorOf(() => r.collection('missing')).code).toBe('ENOTFOUND');
    r.close();
    expect(snapshotTree(root)).toEqual(before);
  });

  it('a collection directory without data.jsonl is empty for a reader and stays untouched', () => {
    const root = tempDir();
    ZdsStore.open(root, 'x').close();
    mkdirSync(collectionFiles(root, 'bare').dir);
    const before = snapshotTree(root);
    const r = ZdsStore.open(root, { collection: 'bare', readOnly: true });
    expect(r.count).toBe(0);
    expect(r.scan()).toEqual([]);
    r.close();
    expect(snapshotTree(root)).toEqual(before);
  });

  it('read-only reader of a store where index.bin was removed keeps working and writes nothing', () => {
    const root = tempDir();
    const w = ZdsStore.open(root);
    w.put('a', { v: 1 });
    w.close();
    unlinkSync(collectionFiles(root, 'default').index);
    const before = snapshotTree(root);
    const r = ZdsStore.open(root, { readOnly: true });
    expect(r.get('a')).toEqual({ v: 1 });
    r.refresh();
    r.close();
    expect(snapshotTree(root)).toEqual(before);
  });
});
