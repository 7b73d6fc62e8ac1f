// One process, many handles on the same root and collection: one writer, one index.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BulkWriter, open, ZdsError, ZdsRoot, ZdsStore } from '../dist/index.js';
import { collectionFiles, PACKAGE_CJS, tempDir, errorOf } from './helpers';

/**
 * Tries to open the store for writing from another process; returns the
 * error code, 'OK', or 'HUNG' when the child did not finish within 15 s.
 */
function childWriterOpen(root: string, collection: string): string {
  const script = `
    const z = require(${JSON.stringify(PACKAGE_CJS)});
    try {
      const s = z.ZdsStore.open(${JSON.stringify(root)}, ${JSON.stringify(collection)});
      s.close();
      process.stdout.write('OK');
    } catch (err) {
      process.stdout.write(String(err.code));
    }`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 15_000 });
  if (r.error || r.signal) return 'HUNG';
  return r.stdout;
}

describe('same root + collection opened many times in one process', () => {
  it('ZdsStore.open twice: writes are seen by the other handle at once, without flush', () => {
    const root = tempDir();
    const a = ZdsStore.open(root, 'c');
    const b = ZdsStore.open(root, 'c');
    a.put('x', { by: 'a' });
    expect(b.get('x')).toEqual({ by: 'a' });
    expect(b.exists('x')).toBe(true);
    b.put('y', { by: 'b' });
    expect(a.get('y')).toEqual({ by: 'b' });
    expect(a.count).toBe(2);
    expect(b.count).toBe(2);
    a.put('x', { by: 'a', v: 2 });
    expect(b.get('x')).toEqual({ by: 'a', v: 2 });
    expect(a.listDocIds()).toEqual(['y', 'x']);
    expect(b.listDocIds()).toEqual(['y', 'x']);
    b.delete('y');
    expect(a.exists('y')).toBe(false);
    expect(errorOf(() => a.get('y')).code).toBe('ENOTFOUND');
    expect(errorOf(() => a.delete('y')).code).toBe('ENOTFOUND');
    expect(a.scan()).toEqual(b.scan());
    expect(a.scan()).toEqual([{ _id: 'x', by: 'a', v: 2 }]);
    a.close();
    b.close();
  });

  it('the data file gets each write exactly once (one shared writer)', () => {
    const root = tempDir();
    const a = ZdsStore.open(root);
    const b = ZdsStore.open(root);
    a.put('one', { n: 1 });
    b.put('two', { n: 2 });
    a.put('three', { n: 3 });
    b.flush();
    expect(readFileSync(collectionFiles(root, 'default').data, 'utf8')).toBe(
      '{"_id":"one","n":1}\n{"_id":"two","n":2}\n{"_id":"three","n":3}\n',
    );
    a.close();
    b.close();
    expect(readFileSync(collectionFiles(root, 'default').data, 'utf8')).toBe(
      '{"_id":"one","n":1}\n{"_id":"two","n":2}\n{"_id":"three","n":3}\n',
    );
  });

  it('ZdsRoot + ZdsStore on the same collection share writes', () => {
    const dir = tempDir();
    const root = ZdsRoot.open(dir);
    const viaRoot = root.collection('users');
    const direct = ZdsStore.open(dir, 'users');
    viaRoot.put('r1', { src: 'root' });
    direct.put('d1', { src: 'store' });
    expect(direct.get('r1')).toEqual({ src: 'root' });
    expect(viaRoot.get('d1')).toEqual({ src: 'store' });
    expect(viaRoot.count).toBe(2);
    expect(direct.count).toBe(2);
    // closing the root leaves the independently opened store working
    root.close();
    expect(errorOf(() => viaRoot.get('r1')).code).toBe('ECLOSED');
    expect(direct.get('r1')).toEqual({ src: 'root' });
    direct.put('d2', { src: 'store' });
    expect(direct.count).toBe(3);
    direct.close();
    const again = ZdsStore.open(dir, 'users');
    expect(again.listDocIds()).toEqual(['r1', 'd1', 'd2']);
    again.close();
  });

  it('open() + ZdsStore (+ BulkWriter) share writes', () => {
    const dir = tempDir();
    const store = open(dir);
    const coll = store.collection<{ v: number }>('items');
    const compat = ZdsStore.open(dir, 'items');
    const bulk = BulkWriter.create(dir, 'items');
    coll.put('a', { v: 1 });
    compat.put('b', { v: 2 });
    bulk.put('c', { v: 3 });
    expect(coll.get('b')).toEqual({ _id: 'b', v: 2 });
    expect(coll.get('c')).toEqual({ _id: 'c', v: 3 });
    expect(compat.get('a')).toEqual({ v: 1 });
    expect(compat.get('c')).toEqual({ v: 3 });
    expect([coll.count(), compat.count, bulk.count]).toEqual([3, 3, 3]);
    expect(coll.ids()).toEqual(['a', 'b', 'c']);
    expect(coll.delete('b')).toBe(true);
    expect(compat.exists('b')).toBe(false);
    expect([coll.count(), compat.count, bulk.count]).toEqual([2, 2, 2]);
    bulk.close();
    expect(coll.count()).toBe(2);
    compat.close();
    coll.put('d', { v: 4 });
    expect(coll.count()).toBe(3);
    store.close();
    const again = ZdsStore.open(dir, 'items');
    expect(again.scan()).toEqual([
      { _id: 'a', v: 1 },
      { _id: 'c', v: 3 },
      { _id: 'd', v: 4 },
    ]);
    again.close();
  });

  it('different spellings of the same root (relative, trailing slash) share one writer', () => {
    const dir = tempDir();
    const a = ZdsStore.open(dir, 'c');
    const b = ZdsStore.open(dir + '/', 'c');
    const c = ZdsStore.open(relative(process.cwd(), dir), 'c');
    a.put('k', { v: 1 });
    expect(b.get('k')).toEqual({ v: 1 });
    expect(c.get('k')).toEqual({ v: 1 });
    c.put('k', { v: 2 });
    expect(a.get('k')).toEqual({ v: 2 });
    expect([a.count, b.count, c.count]).toEqual([1, 1, 1]);
    expect(a.info.root).toBe(dir);
    expect(b.info.root).toBe(dir + '/');
    expect(c.info.root).toBe(relative(process.cwd(), dir));
    a.close();
    b.close();
    c.close();
  });

  it('closing one handle leaves the others working; after all close, a reopen sees everything', () => {
    const dir = tempDir();
    const handles = [ZdsStore.open(dir, 'c'), ZdsStore.open(dir, 'c'), ZdsStore.open(dir, 'c')];
    handles.forEach((h, i) => {
      for (let j = 0; j < 10; j++) h.put(`h${i}-${j}`, { i, j });
    });
    for (const h of handles) expect(h.count).toBe(30);
    handles[1].close();
    expect(errorOf(() => handles[1].get('h0-0')).code).toBe('ECLOSED');
    expect(handles[0].get('h1-9')).toEqual({ i: 1, j: 9 });
    handles[2].put('late', { v: 'late' });
    expect(handles[0].get('late')).toEqual({ v: 'late' });
    expect(handles[0].count).toBe(31);
    handles[0].close();
    expect(handles[2].count).toBe(31);
    handles[2].delete('h0-0');
    handles[2].close();
    const again = ZdsStore.open(dir, 'c');
    expect(again.count).toBe(30);
    expect(again.exists('h0-0')).toBe(false);
    expect(again.get('late')).toEqual({ v: 'late' });
    expect(again.get('h2-5')).toEqual({ i: 2, j: 5 });
    again.close();
  });

  it('the writer lock stays while any handle is open and goes with the last one', () => {
    const dir = tempDir();
    const a = ZdsStore.open(dir, 'c');
    const b = ZdsStore.open(dir, 'c');
    a.put('x', { v: 1 });
    expect(childWriterOpen(dir, 'c')).toBe('ELOCKED');
    a.close();
    expect(childWriterOpen(dir, 'c')).toBe('ELOCKED');
    expect(b.get('x')).toEqual({ v: 1 });
    b.close();
    expect(childWriterOpen(dir, 'c')).toBe('OK');
  });

  it('handles on different collections of the same root are independent', () => {
    const dir = tempDir();
    const a = ZdsStore.open(dir, 'one');
    const b = ZdsStore.open(dir, 'two');
    a.put('k', { from: 'one' });
    expect(b.exists('k')).toBe(false);
    expect(b.count).toBe(0);
    b.put('k', { from: 'two' });
    expect(a.get('k')).toEqual({ from: 'one' });
    a.close();
    expect(b.get('k')).toEqual({ from: 'two' });
    b.close();
  });
});
