// scan(), scanRaw(), readJsonlBlob() and writeJsonl().
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ZdsError, ZdsStore } from '../dist/index.js';
import { collectionFiles, tempDir, errorOf } from './helpers';

function seeded(): { root: string; store: ZdsStore } {
  const root = tempDir();
  const store = ZdsStore.open(root);
  store.put('b', { n: 1 });
  store.put('a', { n: 2, tags: ['x'] });
  store.put('c', { n: 3 });
  return { root, store };
}

describe('scan()', () => {
  it('returns every document with _id first, in order of latest write', () => {
    const { store } = seeded();
    const docs = store.scan();
    expect(docs).toEqual([
      { _id: 'b', n: 1 },
      { _id: 'a', n: 2, tags: ['x'] },
      { _id: 'c', n: 3 },
    ]);
    for (const d of docs) expect(Object.keys(d)[0]).toBe('_id');
    store.close();
  });

  it('on an empty store returns []', () => {
    const store = ZdsStore.open(tempDir());
    expect(store.scan()).toEqual([]);
    expect(store.scanRaw()).toEqual([]);
    expect(store.readJsonlBlob().length).toBe(0);
    expect(Buffer.isBuffer(store.readJsonlBlob())).toBe(true);
    store.close();
  });

  it('after deletes and overwrites: deleted docs gone, overwritten docs at the end with their new value', () => {
    const { root, store } = seeded();
    store.put('b', { n: 10 });
    store.delete('a');
    store.put('d', { n: 4 });
    const expected = [
      { _id: 'c', n: 3 },
      { _id: 'b', n: 10 },
      { _id: 'd', n: 4 },
    ];
    expect(store.scan()).toEqual(expected);
    expect(store.listDocIds()).toEqual(['c', 'b', 'd']);
    store.close();
    const again = ZdsStore.open(root);
    expect(again.scan()).toEqual(expected);
    again.close();
  });

  it('matches the data.jsonl order of latest lines after flush', () => {
    const { root, store } = seeded();
    store.put('a', { n: 20 });
    store.flush();
    const lines = readFileSync(collectionFiles(root, 'default').data, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    const latest = new Map<string, number>();
    lines.forEach((l, i) => latest.set(l._id, i));
    const order = [...latest.entries()].sort((x, y) => x[1] - y[1]).map(([id]) => id);
    expect(store.scan().map((d) => d._id)).toEqual(order);
    expect(order).toEqual(['b', 'c', 'a']);
    store.close();
  });

  it('scans many documents across batches, all present once', () => {
    const store = ZdsStore.open(tempDir(), 'many', 100);
    for (let i = 0; i < 3000; i++) store.put(`id${i}`, { i });
    const docs = store.scan();
    expect(docs.length).toBe(3000);
    docs.forEach((d, i) => expect(d).toEqual({ _id: `id${i}`, i }));
    store.close();
  });
});

describe('scanRaw()', () => {
  it('returns one Buffer per live document: its JSON bytes, no newline', () => {
    const { store } = seeded();
    store.put('b', { n: 11 });
    store.delete('c');
    const raw = store.scanRaw();
    expect(raw.length).toBe(2);
    for (const buf of raw) {
      expect(Buffer.isBuffer(buf)).toBe(true);
      expect(buf.includes(0x0a)).toBe(false);
      expect(buf[buf.length - 1]).toBe(0x7d); // '}'
    }
    expect(raw.map((b) => b.toString('utf8'))).toEqual(['{"_id":"a","n":2,"tags":["x"]}', '{"_id":"b","n":11}']);
    expect(raw.map((b) => JSON.parse(b.toString('utf8')))).toEqual(store.scan());
    store.close();
  });
});

describe('readJsonlBlob()', () => {
  it('is the live lines, each ending in \\n, in scan order', () => {
    const { store } = seeded();
    store.put('a', { n: 22 });
    store.delete('b');
    const blob = store.readJsonlBlob();
    expect(Buffer.isBuffer(blob)).toBe(true);
    expect(blob.toString('utf8')).toBe('{"_id":"c","n":3}\n{"_id":"a","n":22}\n');
    const lines = blob.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(store.scan());
    expect(Buffer.concat(store.scanRaw().flatMap((b) => [b, Buffer.from('\n')]))).toEqual(blob);
    store.close();
  });

  it('round-trips through writeJsonl into another collection', () => {
    const root = tempDir();
    const src = ZdsStore.open(root, 'src');
    src.put('x', { v: 'é' });
    src.put('y', { v: [1, 2] });
    const blob = src.readJsonlBlob();
    const ids = src.listDocIds();
    const dst = ZdsStore.open(root, 'dst');
    expect(dst.writeJsonl(blob, ids)).toBe(2);
    expect(dst.scan()).toEqual(src.scan());
    expect(dst.readJsonlBlob().equals(blob)).toBe(true);
    src.close();
    dst.close();
  });
});

describe('writeJsonl(buffer, ids)', () => {
  it('returns the count and stores lines with and without _id', () => {
    const root = tempDir();
    const store = ZdsStore.open(root);
    store.put('pre', { p: 1 });
    const n = store.writeJsonl(Buffer.from('{"v":1}\n{"_id":"w2","v":2}\n{}\n'), ['w1', 'w2', 'w3']);
    expect(n).toBe(3);
    expect(store.count).toBe(4);
    expect(store.get('w1')).toEqual({ v: 1 });
    expect(store.get('w2')).toEqual({ v: 2 });
    expect(store.get('w3')).toEqual({});
    expect(store.scan()).toEqual([
      { _id: 'pre', p: 1 },
      { _id: 'w1', v: 1 },
      { _id: 'w2', v: 2 },
      { _id: 'w3' },
    ]);
    store.close();
    // every stored line carries its _id, so the index can be rebuilt from data.jsonl
    const lines = readFileSync(collectionFiles(root, 'default').data, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l._id)).toEqual(['pre', 'w1', 'w2', 'w3']);
    const again = ZdsStore.open(root);
    expect(again.get('w1')).toEqual({ v: 1 });
    again.close();
  });

  it('accepts a last line without newline and overwrites existing ids (moving them to the end)', () => {
    const store = ZdsStore.open(tempDir());
    store.put('a', { v: 0 });
    store.put('b', { v: 0 });
    expect(store.writeJsonl(Buffer.from('{"v":1}'), ['a'])).toBe(1);
    expect(store.get('a')).toEqual({ v: 1 });
    expect(store.listDocIds()).toEqual(['b', 'a']);
    expect(store.count).toBe(2);
    store.close();
  });

  it('a line whose _id differs from its id → EINVALIDDOC and nothing is written', () => {
    const root = tempDir();
    const store = ZdsStore.open(root);
    store.put('keep', { v: 1 });
    store.flush();
    const before = readFileSync(collectionFiles(root, 'default').data);
    const err = errorOf(() => store.writeJsonl(Buffer.from('{"v":1}\n{"_id":"zz","v":2}\n'), ['ok1', 'ok2']));
    expect(err.code).toBe('EINVALIDDOC');
    expect(err.message).toContain('ok2');
    expect(store.exists('ok1')).toBe(false);
    expect(store.exists('ok2')).toBe(false);
    expect(store.exists('zz')).toBe(false);
    expect(store.count).toBe(1);
    store.flush();
    expect(readFileSync(collectionFiles(root, 'default').data).equals(before)).toBe(true);
    store.close();
  });

  it('line/id count mismatch → EINVALIDARG and nothing is written', () => {
    const store = ZdsStore.open(tempDir());
    store.put('keep', { v: 1 });
    const tooFew = errorOf(() => store.writeJsonl(Buffer.from('{"v":1}\n{"v":2}\n'), ['x1']));
    expect(tooFew.code).toBe('EINVALIDARG');
    const tooMany = errorOf(() => store.writeJsonl(Buffer.from('{"v":1}\n'), ['x1', 'x2']));
    expect(tooMany.code).toBe('EINVALIDARG');
    expect(store.count).toBe(1);
    expect(store.exists('x1')).toBe(false);
    expect(store.exists('x2')).toBe(false);
    expect(store.listDocIds()).toEqual(['keep']);
    store.close();
  });

  it('a line with a top-level "$zds" key → EINVALIDDOC and nothing is written', () => {
    const root = tempDir();
    const store = ZdsStore.open(root);
    store.put('victim', { v: 1 });
    const err = errorOf(() =>
      store.writeJsonl(Buffer.from('{"v":1}\n{"_id":"victim","$zds":"delete"}\n'), ['fine', 'victim']),
    );
    expect(err.code).toBe('EINVALIDDOC');
    expect(err.message).toContain('$zds');
    expect(store.get('victim')).toEqual({ v: 1 });
    expect(store.exists('fine')).toBe(false);
    expect(store.count).toBe(1);
    store.close();
    const again = ZdsStore.open(root);
    expect(again.get('victim')).toEqual({ v: 1 });
    expect(again.count).toBe(1);
    again.close();
  });

  it('a line that is not a JSON object → EINVALIDDOC, nothing written', () => {
    const store = ZdsStore.open(tempDir());
    for (const bad of ['[1,2]\n', '"str"\n', '{"a":\n', '42\n']) {
      expect(errorOf(() => store.writeJsonl(Buffer.from('{"ok":1}\n' + bad), ['good', 'bad'])).code).toBe('EINVALIDDOC');
    }
    expect(store.count).toBe(0);
    expect(store.exists('good')).toBe(false);
    store.close();
  });

  it('an invalid id in the ids → EINVALIDID, nothing written', () => {
    const store = ZdsStore.open(tempDir());
    expect(errorOf(() => store.writeJsonl(Buffer.from('{"a":1}\n{"b":2}\n'), ['good', 'b/ad'])).code).toBe('EINVALIDID');
    expect(store.count).toBe(0);
    store.close();
  });
});
