// ZdsRoot and BulkWriter.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BulkWriter, ZdsError, ZdsRoot, ZdsStore } from '../dist/index.js';
import { collectionFiles, tempDir, errorOf } from './helpers';

describe('ZdsRoot.open', () => {
  it('defaults: batchSize 5000, mode rw', () => {
    const rootDir = join(tempDir(), 'r');
    const root = ZdsRoot.open(rootDir);
    try {
      expect(root.rootPath).toBe(rootDir);
      expect(root.batchSize).toBe(5000);
      expect(root.mode).toBe('rw');
      expect(root.isWritable).toBe(true);
      expect(root.listCollections()).toEqual([]);
      expect(root.info).toEqual({ root: rootDir, batchSize: 5000, mode: 'rw', isWritable: true, collections: [] });
      expect(statSync(join(rootDir, 'collections')).isDirectory()).toBe(true);
    } finally {
      root.close();
    }
  });

  it('explicit batchSize and rootPath as given (trailing slash kept)', () => {
    const given = tempDir() + '/';
    const root = ZdsRoot.open(given, 123, 'rw');
    expect(root.rootPath).toBe(given);
    expect(root.batchSize).toBe(123);
    expect(root.info.root).toBe(given);
    expect(root.info.batchSize).toBe(123);
    root.close();
  });

  it('collection(name) creates the collection folder at once; listCollections is sorted', () => {
    const dir = tempDir();
    const root = ZdsRoot.open(dir);
    const zeta = root.collection('zeta');
    expect(existsSync(collectionFiles(dir, 'zeta').data)).toBe(true);
    expect(existsSync(collectionFiles(dir, 'zeta').manifest)).toBe(true);
    root.collection('Alpha', 10);
    root.collection('beta');
    root.collection('_under');
    expect(root.listCollections()).toEqual(['Alpha', '_under', 'beta', 'zeta']);
    expect(root.collectionExists('zeta')).toBe(true);
    expect(root.collectionExists('beta')).toBe(true);
    expect(root.collectionExists('gamma')).toBe(false);
    expect(root.info).toEqual({
      root: dir,
      batchSize: 5000,
      mode: 'rw',
      isWritable: true,
      collections: ['Alpha', '_under', 'beta', 'zeta'],
    });
    expect(zeta.info).toEqual({ root: dir, collection: 'zeta', count: 0 });
    root.close();
  });

  it('listCollections ignores files and invalid names in collections/', () => {
    const dir = tempDir();
    const root = ZdsRoot.open(dir);
    root.collection('real');
    writeFileSync(join(dir, 'collections', 'afile'), 'x');
    mkdirSync(join(dir, 'collections', '.hidden'));
    expect(root.listCollections()).toEqual(['real']);
    expect(root.collectionExists('afile')).toBe(false);
    root.close();
  });

  it('collections opened through the root read and write', () => {
    const dir = tempDir();
    const root = ZdsRoot.open(dir, 2);
    const users = root.collection('users');
    for (let i = 0; i < 5; i++) users.put(`u${i}`, { i });
    expect(users.count).toBe(5);
    expect(users.get('u3')).toEqual({ i: 3 });
    root.close();
    const s = ZdsStore.open(dir, 'users');
    expect(s.count).toBe(5);
    expect(s.listDocIds()).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    s.close();
  });

  it("mode 'r': read-only, writes throw EREADONLY, missing collections ENOTFOUND", () => {
    const dir = tempDir();
    const w = ZdsStore.open(dir, 'c');
    w.put('a', { v: 1 });
    w.close();
    const root = ZdsRoot.open(dir, undefined, 'r');
    try {
      expect(root.mode).toBe('r');
      expect(root.isWritable).toBe(false);
      expect(root.info).toEqual({ root: dir, batchSize: 5000, mode: 'r', isWritable: false, collections: ['c'] });
      const c = root.collection('c');
      expect(c.get('a')).toEqual({ v: 1 });
      for (const write of [
        () => c.put('b', { v: 2 }),
        () => c.delete('a'),
        () => c.writeJsonl(Buffer.from('{"v":3}\n'), ['d']),
        () => c.compact(),
      ]) {
        const err = errorOf(write);
        expect(err.code).toBe('EREADONLY');
      }
      expect(c.count).toBe(1);
      expect(c.get('a')).toEqual({ v: 1 });
      expect(c.exists('b')).toBe(false);
      expect(errorOf(() => root.collection('nothere')).code).toBe('ENOTFOUND');
      expect(existsSync(collectionFiles(dir, 'nothere').dir)).toBe(false);
      expect(root.listCollections()).toEqual(['c']);
    } finally {
      root.close();
    }
  });

  it("mode 'r' on a missing root → ENOTFOUND, nothing created", () => {
    const dir = join(tempDir(), 'none');
    expect(errorOf(() => ZdsRoot.open(dir, 10, 'r')).code).toBe('ENOTFOUND');
    expect(existsSync(dir)).toBe(false);
  });

  it('a bad mode → EINVALIDARG naming the mode, nothing created', () => {
    const dir = join(tempDir(), 'x');
    for (const mode of ['w', 'RW', 'read', '', 'rw ']) {
      const err = errorOf(() => ZdsRoot.open(dir, 10, mode as 'r'));
      expect(err.code).toBe('EINVALIDARG');
      expect(err.message).toContain('mode');
    }
    expect(errorOf(() => ZdsRoot.open(dir, 10, 1 as unknown as 'r')).code).toBe('EINVALIDARG');
    expect(existsSync(dir)).toBe(false);
  });

  it('bad batch sizes → EINVALIDARG', () => {
    const dir = join(tempDir(), 'x');
    for (const bs of [0, -1, 1.5, NaN, '10', 2 ** 40]) {
      expect(errorOf(() => ZdsRoot.open(dir, bs as number)).code).toBe('EINVALIDARG');
    }
    expect(existsSync(dir)).toBe(false);
    const root = ZdsRoot.open(dir);
    expect(errorOf(() => root.collection('c', 0)).code).toBe('EINVALIDARG');
    expect(errorOf(() => root.collection('c', -5)).code).toBe('EINVALIDARG');
    expect(root.collectionExists('c')).toBe(false);
    root.close();
  });

  it('invalid collection names → EINVALIDID, nothing created', () => {
    const dir = tempDir();
    const root = ZdsRoot.open(dir);
    for (const name of ['', '.x', 'a..b', 'a/b', 'a b', 'é', 'x'.repeat(256)]) {
      expect(errorOf(() => root.collection(name)).code).toBe('EINVALIDID');
      expect(errorOf(() => root.collectionExists(name)).code).toBe('EINVALIDID');
    }
    expect(readdirSync(join(dir, 'collections'))).toEqual([]);
    root.close();
  });

  it('close() closes the stores opened through it: their use throws ECLOSED', () => {
    const dir = tempDir();
    const root = ZdsRoot.open(dir);
    const a = root.collection('a');
    const b = root.collection('b');
    a.put('x', { v: 1 });
    b.put('y', { v: 2 });
    root.close();
    for (const use of [
      () => a.get('x'),
      () => a.put('z', {}),
      () => a.count,
      () => a.scan(),
      () => a.listDocIds(),
      () => b.exists('y'),
      () => b.delete('y'),
      () => b.flush(),
    ]) {
      expect(errorOf(use).code).toBe('ECLOSED');
    }
    expect(errorOf(() => root.collection('c')).code).toBe('ECLOSED');
    expect(errorOf(() => root.listCollections()).code).toBe('ECLOSED');
    expect(existsSync(collectionFiles(dir, 'c').dir)).toBe(false);
    // close flushed what the handles had accepted
    const s = ZdsStore.open(dir, 'a');
    expect(s.get('x')).toEqual({ v: 1 });
    s.close();
    const t = ZdsStore.open(dir, 'b');
    expect(t.get('y')).toEqual({ v: 2 });
    t.close();
  });

  it('closing a store opened through the root does not close the root', () => {
    const dir = tempDir();
    const root = ZdsRoot.open(dir);
    const a = root.collection('a');
    a.put('x', {});
    a.close();
    expect(errorOf(() => a.get('x')).code).toBe('ECLOSED');
    const again = root.collection('a');
    expect(again.get('x')).toEqual({});
    expect(root.listCollections()).toEqual(['a']);
    root.close();
  });
});

describe('BulkWriter', () => {
  it('create(root) writes to "default"; put/flush/count; readable by ZdsStore afterwards', () => {
    const dir = tempDir();
    const bw = BulkWriter.create(dir);
    for (let i = 0; i < 1000; i++) bw.put(`doc${i}`, { i, even: i % 2 === 0 });
    expect(bw.count).toBe(1000);
    bw.flush();
    expect(existsSync(collectionFiles(dir, 'default').index)).toBe(true);
    const reader = ZdsStore.open(dir, { readOnly: true });
    expect(reader.count).toBe(1000);
    expect(reader.get('doc999')).toEqual({ i: 999, even: false });
    reader.close();
    bw.close();
    const s = ZdsStore.open(dir);
    expect(s.count).toBe(1000);
    expect(s.listDocIds()[0]).toBe('doc0');
    expect(s.listDocIds()[999]).toBe('doc999');
    s.close();
  });

  it('create(root, collection, batchSize) writes to that collection', () => {
    const dir = tempDir();
    const bw = BulkWriter.create(dir, 'bulk', 7);
    for (let i = 0; i < 50; i++) bw.put(`k${i}`, { i });
    bw.put('k0', { i: 'again' });
    expect(bw.count).toBe(50);
    bw.close();
    expect(existsSync(collectionFiles(dir, 'default').dir)).toBe(false);
    const s = ZdsStore.open(dir, 'bulk');
    expect(s.count).toBe(50);
    expect(s.get('k0')).toEqual({ i: 'again' });
    expect(s.listDocIds().at(-1)).toBe('k0');
    s.close();
  });

  it('rejects bad ids and docs with the usual codes and keeps the rest', () => {
    const dir = tempDir();
    const bw = BulkWriter.create(dir, 'bulk');
    bw.put('good', { v: 1 });
    expect(errorOf(() => bw.put('bad id', { v: 2 })).code).toBe('EINVALIDID');
    expect(errorOf(() => bw.put('x', [] as never)).code).toBe('EINVALIDDOC');
    expect(errorOf(() => bw.put('y', { $zds: 'delete' })).code).toBe('EINVALIDDOC');
    expect(bw.count).toBe(1);
    bw.close();
    expect(errorOf(() => bw.put('later', {})).code).toBe('ECLOSED');
    const s = ZdsStore.open(dir, 'bulk');
    expect(s.scan()).toEqual([{ _id: 'good', v: 1 }]);
    s.close();
  });

  it('shares the writer with a ZdsStore open on the same collection', () => {
    const dir = tempDir();
    const s = ZdsStore.open(dir, 'shared');
    const bw = BulkWriter.create(dir, 'shared');
    bw.put('from-bulk', { v: 1 });
    expect(s.get('from-bulk')).toEqual({ v: 1 });
    s.put('from-store', { v: 2 });
    expect(bw.count).toBe(2);
    bw.close();
    expect(s.count).toBe(2);
    s.close();
  });
});
