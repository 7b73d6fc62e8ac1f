// ZdsStore put/get/exists/count/delete/listDocIds and exact round-trips.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ZdsError, ZdsStore } from '../dist/index.js';
import { collectionFiles, tempDir, errorOf } from './helpers';

function openStore(): { root: string; store: ZdsStore } {
  const root = tempDir();
  return { root, store: ZdsStore.open(root) };
}

describe('put / get', () => {
  it('get returns the stored document without _id', () => {
    const { store } = openStore();
    store.put('alice', { name: 'Alice', age: 30 });
    const doc = store.get('alice');
    expect(doc).toEqual({ name: 'Alice', age: 30 });
    expect(Object.prototype.hasOwnProperty.call(doc, '_id')).toBe(false);
    expect(Object.keys(doc)).toEqual(['name', 'age']);
    store.close();
  });

  it('get of a missing id throws ENOTFOUND naming the id', () => {
    const { store } = openStore();
    store.put('present', { v: 1 });
    const err = errorOf(() => store.get('absent'));
    expect(err.code).toBe('ENOTFOUND');
    expect(err.name).toBe('ZdsError');
    expect(err.message).toContain('absent');
    expect(store.count).toBe(1);
    expect(store.get('present')).toEqual({ v: 1 });
    store.close();
  });

  it('put overwrites: the latest version wins, count stays', () => {
    const { store } = openStore();
    store.put('k', { v: 1, old: true });
    store.put('k', { v: 2 });
    expect(store.get('k')).toEqual({ v: 2 });
    expect(store.count).toBe(1);
    expect(store.listDocIds()).toEqual(['k']);
    store.close();
  });

  it('exists and count', () => {
    const { store } = openStore();
    expect(store.count).toBe(0);
    expect(store.exists('a')).toBe(false);
    store.put('a', {});
    store.put('b', {});
    expect(store.exists('a')).toBe(true);
    expect(store.exists('b')).toBe(true);
    expect(store.exists('c')).toBe(false);
    expect(store.count).toBe(2);
    store.close();
  });

  it('delete removes; get then throws ENOTFOUND; a second delete throws ENOTFOUND', () => {
    const { store } = openStore();
    store.put('a', { v: 1 });
    store.put('b', { v: 2 });
    store.delete('a');
    expect(store.exists('a')).toBe(false);
    expect(store.count).toBe(1);
    expect(errorOf(() => store.get('a')).code).toBe('ENOTFOUND');
    const again = errorOf(() => store.delete('a'));
    expect(again.code).toBe('ENOTFOUND');
    expect(again.message).toContain('a');
    expect(errorOf(() => store.delete('never')).code).toBe('ENOTFOUND');
    // nothing else changed
    expect(store.count).toBe(1);
    expect(store.get('b')).toEqual({ v: 2 });
    expect(store.listDocIds()).toEqual(['b']);
    store.close();
  });

  it('a deleted id can be put again', () => {
    const { root, store } = openStore();
    store.put('a', { v: 1 });
    store.delete('a');
    store.put('a', { v: 3 });
    expect(store.get('a')).toEqual({ v: 3 });
    expect(store.count).toBe(1);
    store.close();
    const again = ZdsStore.open(root);
    expect(again.get('a')).toEqual({ v: 3 });
    expect(again.count).toBe(1);
    again.close();
  });

  it('a delete is written as a tombstone line {"_id":"<id>","$zds":"delete"}', () => {
    const { root, store } = openStore();
    store.put('gone', { v: 1 });
    store.delete('gone');
    store.flush();
    const lines = readFileSync(collectionFiles(root, 'default').data, 'utf8').split('\n');
    expect(lines).toEqual(['{"_id":"gone","v":1}', '{"_id":"gone","$zds":"delete"}', '']);
    store.close();
  });
});

describe('listDocIds order', () => {
  it('is the order of each document\'s latest write; an overwrite moves a doc to the end', () => {
    const { root, store } = openStore();
    store.put('c', { n: 1 });
    store.put('a', { n: 2 });
    store.put('b', { n: 3 });
    expect(store.listDocIds()).toEqual(['c', 'a', 'b']);
    store.put('c', { n: 4 });
    expect(store.listDocIds()).toEqual(['a', 'b', 'c']);
    store.delete('a');
    expect(store.listDocIds()).toEqual(['b', 'c']);
    store.put('a', { n: 5 });
    expect(store.listDocIds()).toEqual(['b', 'c', 'a']);
    store.close();
    const again = ZdsStore.open(root);
    expect(again.listDocIds()).toEqual(['b', 'c', 'a']);
    again.close();
  });
});

describe('read-your-writes without flush', () => {
  it('another handle of the same process and this one see unflushed writes at once', () => {
    const { root, store } = openStore();
    for (let i = 0; i < 20; i++) store.put(`d${i}`, { i });
    expect(store.count).toBe(20);
    expect(store.get('d19')).toEqual({ i: 19 });
    expect(store.scan().length).toBe(20);
    const second = ZdsStore.open(root);
    expect(second.get('d7')).toEqual({ i: 7 });
    second.close();
    store.close();
  });

  it('reads of unflushed writes with a small batch size mixing flushed-to-OS and pending lines', () => {
    const root = tempDir();
    const store = ZdsStore.open(root, 'small', 3);
    for (let i = 0; i < 10; i++) store.put(`d${i}`, { i, s: 'x'.repeat(i) });
    for (let i = 0; i < 10; i++) expect(store.get(`d${i}`)).toEqual({ i, s: 'x'.repeat(i) });
    store.put('d4', { i: 44 });
    expect(store.get('d4')).toEqual({ i: 44 });
    expect(store.listDocIds()).toEqual(['d0', 'd1', 'd2', 'd3', 'd5', 'd6', 'd7', 'd8', 'd9', 'd4']);
    store.close();
  });
});

describe('exact round-trips', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['nested', { a: { b: { c: { d: [1, [2, [3, { e: 'deep' }]]] } } } }],
    ['arrays', { empty: [], mixed: [1, 'two', true, null, { three: 3 }, [4]] }],
    ['unicode', { s: 'héllo wörld ✓ 中文 😀 \u2028\u2029', key: 'ключ' }],
    ['escapes', { s: 'line\nbreak\ttab "quote" back\\slash \u0000 nul \u001f', slash: '/' }],
    ['empty', {}],
    ['emptyString', { s: '' }],
    ['numbers', { zero: 0, neg: -1, frac: 0.1, big: 1e300, small: 5e-324, max: 2 ** 53, min: -(2 ** 53), maxSafe: Number.MAX_SAFE_INTEGER, exp: 1.5e-7 }],
    ['booleans', { t: true, f: false }],
    ['nulls', { n: null, arr: [null, null] }],
    ['emptyObjects', { o: {}, a: [{}], nested: { e: {} } }],
    ['keyOrder', { z: 1, a: 2, m: 3 }],
    ['unicodeKeys', { 'ключ': 1, '键': 2, 'emoji😀': 3, '': 'empty key', 'with space': 4 }],
    ['_idLike', { id: 'x', __id: 'y', _idx: 1 }],
    ['nestedReserved', { inner: { $zds: 'delete' }, list: [{ $zds: 1 }] }],
  ];

  it.each(cases)('%s', (id, doc) => {
    const root = tempDir();
    const store = ZdsStore.open(root);
    store.put(id, doc);
    const back = store.get(id);
    expect(back).toEqual(doc);
    expect(JSON.stringify(back)).toBe(JSON.stringify(doc));
    store.close();
    const again = ZdsStore.open(root);
    expect(JSON.stringify(again.get(id))).toBe(JSON.stringify(doc));
    expect(again.scan()).toEqual([{ _id: id, ...doc }]);
    again.close();
  });

  it('integers up to 2^53 keep their exact value', () => {
    const { store } = openStore();
    const values = [2 ** 53, 2 ** 53 - 1, -(2 ** 53), 2 ** 31, 2 ** 32 + 1, 123456789012345];
    store.put('ints', { values });
    const back = store.get('ints').values as number[];
    expect(back).toEqual(values);
    for (let i = 0; i < values.length; i++) expect(back[i]).toBe(values[i]);
    store.close();
  });

  // Known bug (issue 2 closing note): -0 is stored as 0.
  it.skip('-0 is either kept as -0 or refused with EINVALIDDOC, never silently changed to 0', () => {
    const { store } = openStore();
    let refused: ZdsError | undefined;
    try {
      store.put('negzero', { x: -0, arr: [-0] });
    } catch (err) {
      refused = err as ZdsError;
    }
    if (refused) {
      expect(refused).toBeInstanceOf(ZdsError);
      expect(refused.code).toBe('EINVALIDDOC');
      expect(store.exists('negzero')).toBe(false);
      expect(store.count).toBe(0);
    } else {
      const back = store.get('negzero');
      expect(Object.is(back.x, -0)).toBe(true);
      expect(Object.is(back.arr[0], -0)).toBe(true);
    }
    store.close();
  });

  it('a lone surrogate in a string round-trips', () => {
    const { store } = openStore();
    const doc = { s: 'a\ud800b', t: '\udfff' };
    store.put('sur', doc);
    expect(store.get('sur')).toEqual(doc);
    store.close();
  });

  it('a large document (1 MiB string) round-trips', () => {
    const { root, store } = openStore();
    const big = 'x'.repeat(1 << 20);
    store.put('big', { big });
    expect(store.get('big').big).toBe(big);
    store.close();
    const again = ZdsStore.open(root);
    expect(again.get('big').big.length).toBe(1 << 20);
    again.close();
  });

  it('the longest valid id (255 chars) and ids with _ - . work', () => {
    const { root, store } = openStore();
    const ids = ['a'.repeat(255), 'A-b_c.d', '_x', '-y', '0', 'v1.2.3'];
    ids.forEach((id, i) => store.put(id, { i }));
    ids.forEach((id, i) => expect(store.get(id)).toEqual({ i }));
    expect(store.listDocIds()).toEqual(ids);
    store.close();
    const again = ZdsStore.open(root);
    expect(again.listDocIds()).toEqual(ids);
    again.close();
  });
});

describe('_id inside the document', () => {
  it('a doc whose _id equals its id is accepted and stored once', () => {
    const { root, store } = openStore();
    store.put('same', { _id: 'same', v: 1 });
    expect(store.get('same')).toEqual({ v: 1 });
    expect(store.scan()).toEqual([{ _id: 'same', v: 1 }]);
    expect(store.count).toBe(1);
    store.flush();
    const text = readFileSync(collectionFiles(root, 'default').data, 'utf8');
    expect(text).toBe('{"_id":"same","v":1}\n');
    expect(text.match(/"_id"/g)!.length).toBe(1);
    store.close();
  });

  it('a doc with a different _id throws EINVALIDDOC and stores nothing', () => {
    const { root, store } = openStore();
    store.put('keep', { v: 1 });
    const err = errorOf(() => store.put('mine', { _id: 'other', v: 2 }));
    expect(err.code).toBe('EINVALIDDOC');
    expect(err.message).toContain('mine');
    expect(store.exists('mine')).toBe(false);
    expect(store.exists('other')).toBe(false);
    expect(store.count).toBe(1);
    // an overwrite attempt with a wrong _id leaves the old version
    expect(errorOf(() => store.put('keep', { _id: 'nope', v: 9 })).code).toBe('EINVALIDDOC');
    expect(errorOf(() => store.put('keep', { _id: 7, v: 9 } as never)).code).toBe('EINVALIDDOC');
    expect(store.get('keep')).toEqual({ v: 1 });
    store.close();
    expect(readFileSync(collectionFiles(root, 'default').data, 'utf8')).toBe('{"_id":"keep","v":1}\n');
  });
});
