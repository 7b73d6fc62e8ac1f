// Every bad input: a ZdsError with the right code and a clear message, and nothing lost.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BulkWriter, open, ZdsError, ZdsRoot, ZdsStore } from '../dist/index.js';
import type { Collection, Store } from '../dist/index.js';
import { collectionFiles, tempDir } from './helpers';

const THIS_FILE = '31.errors.test.ts';

/** Runs fn, expects a ZdsError with `code`, checks its shape; returns it. */
function expectZdsError(fn: () => unknown, code: string, messageParts: (string | RegExp)[] = []): ZdsError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeDefined();
  expect(caught).toBeInstanceOf(ZdsError);
  expect(caught).toBeInstanceOf(Error);
  const err = caught as ZdsError;
  expect({ code: err.code, message: err.message }).toEqual({ code, message: expect.any(String) });
  expect(err.name).toBe('ZdsError');
  expect(err.message.length).toBeGreaterThan(10);
  for (const part of messageParts) {
    if (typeof part === 'string') expect(err.message).toContain(part);
    else expect(err.message).toMatch(part);
  }
  expect(err.stack).toBeDefined();
  expect(err.stack).toContain(THIS_FILE);
  return err;
}

const BAD_IDS: [string, unknown][] = [
  ['empty', ''],
  ['256 chars', 'a'.repeat(256)],
  ['leading dot', '.x'],
  ['double dot', 'a..b'],
  ['only dots', '..'],
  ['slash', 'a/b'],
  ['backslash', 'a\\b'],
  ['space', 'a b'],
  ['non-ASCII', 'é'],
  ['NUL', 'a\0b'],
  ['newline', 'a\nb'],
  ['quote', 'a"b'],
  ['colon', 'a:b'],
];

const NON_STRING_IDS: [string, unknown][] = [
  ['number', 5],
  ['undefined', undefined],
  ['null', null],
  ['object', {}],
  ['array', ['a']],
  ['boolean', true],
  ['String object', new String('abc')],
];

let root: string;
let store: ZdsStore;
let dataBefore: Buffer;

function snapshot(): void {
  store.flush();
  dataBefore = readFileSync(collectionFiles(root, 'default').data);
}

/** Nothing changed: same docs, same order, same bytes on disk. */
function expectUnchanged(): void {
  expect(store.count).toBe(2);
  expect(store.scan()).toEqual([
    { _id: 'keep1', v: 1 },
    { _id: 'keep2', v: 2, nested: { a: [1, 2] } },
  ]);
  store.flush();
  expect(readFileSync(collectionFiles(root, 'default').data).equals(dataBefore)).toBe(true);
}

beforeEach(() => {
  root = tempDir();
  store = ZdsStore.open(root);
  store.put('keep1', { v: 1 });
  store.put('keep2', { v: 2, nested: { a: [1, 2] } });
  snapshot();
});

afterEach(() => {
  try {
    store.close();
  } catch {
    /* closed by the test */
  }
});

describe('document ids', () => {
  it.each(BAD_IDS)('%s → EINVALIDID from every id-taking call, nothing lost', (_label, id) => {
    const s = store;
    const calls: (() => unknown)[] = [
      () => s.put(id as string, { v: 9 }),
      () => s.get(id as string),
      () => s.exists(id as string),
      () => s.delete(id as string),
      () => s.writeJsonl(Buffer.from('{"v":9}\n'), [id as string]),
    ];
    for (const call of calls) expectZdsError(call, 'EINVALIDID', ['document id', /A-Z a-z 0-9 _ - \./]);
    expectUnchanged();
  });

  it.each(NON_STRING_IDS)('%s id → EINVALIDARG "Expected a string for the document id"', (_label, id) => {
    const s = store;
    for (const call of [() => s.put(id as string, { v: 9 }), () => s.get(id as string), () => s.exists(id as string), () => s.delete(id as string)]) {
      expectZdsError(call, 'EINVALIDARG', ['Expected a string for the document id']);
    }
    expectUnchanged();
  });

  it('typed layer: invalid ids → EINVALIDID, non-strings → EINVALIDARG', () => {
    const st = open(join(root, 'typed'));
    const c = st.collection('c');
    c.put('ok', { v: 1 });
    for (const [, id] of BAD_IDS) {
      expectZdsError(() => c.put(id as string, {}), 'EINVALIDID');
      expectZdsError(() => c.get(id as string), 'EINVALIDID');
      expectZdsError(() => c.has(id as string), 'EINVALIDID');
      expectZdsError(() => c.delete(id as string), 'EINVALIDID');
      expectZdsError(() => c.getMany(['ok', id as string]), 'EINVALIDID');
      expectZdsError(() => c.putMany([['fine', {}], [id as string, {}]]), 'EINVALIDID');
    }
    for (const [, id] of NON_STRING_IDS) {
      expectZdsError(() => c.put(id as string, {}), 'EINVALIDARG');
      expectZdsError(() => c.get(id as string), 'EINVALIDARG');
    }
    // putMany stops at the bad entry: the ones before it were stored, none after
    expect(c.ids()).toEqual(['ok', 'fine']);
    st.close();
  });

  it('BulkWriter.put validates ids', () => {
    store.close();
    const bw = BulkWriter.create(root);
    expectZdsError(() => bw.put('a b', {}), 'EINVALIDID');
    expectZdsError(() => bw.put(7 as unknown as string, {}), 'EINVALIDARG');
    expect(bw.count).toBe(2);
    bw.close();
    store = ZdsStore.open(root);
    expectUnchanged();
  });

  it('the longest valid id is 255 bytes; ids at the edge of the rules are accepted', () => {
    for (const id of ['a'.repeat(255), 'a.b', 'a.', '-', '_', 'A-Z_a-z.0-9']) {
      store.put(id, { ok: true });
      expect(store.get(id)).toEqual({ ok: true });
      store.delete(id);
    }
    expect(store.count).toBe(2);
  });
});

describe('collection names', () => {
  const BAD_NAMES = BAD_IDS.map(([, n]) => n as string);

  it('ZdsStore.open / ZdsRoot.collection / open().collection / hasCollection → EINVALIDID, nothing created', () => {
    const r = ZdsRoot.open(root);
    const st = open(root);
    for (const name of BAD_NAMES) {
      expectZdsError(() => ZdsStore.open(root, name), 'EINVALIDID', ['collection name']);
      expectZdsError(() => ZdsStore.open(root, { collection: name }), 'EINVALIDID', ['collection name']);
      expectZdsError(() => BulkWriter.create(root, name), 'EINVALIDID', ['collection name']);
      expectZdsError(() => r.collection(name), 'EINVALIDID', ['collection name']);
      expectZdsError(() => r.collectionExists(name), 'EINVALIDID', ['collection name']);
      expectZdsError(() => st.collection(name), 'EINVALIDID', ['collection name']);
      expectZdsError(() => st.hasCollection(name), 'EINVALIDID', ['collection name']);
    }
    expect(readdirSync(join(root, 'collections'))).toEqual(['default']);
    r.close();
    st.close();
    expectUnchanged();
  });

  it('non-string collection names → EINVALIDARG', () => {
    expectZdsError(() => ZdsStore.open(root, 5 as never), 'EINVALIDARG', ['collection']);
    expectZdsError(() => ZdsStore.open(root, { collection: 5 as never }), 'EINVALIDARG', ['collection name']);
    expectZdsError(() => ZdsStore.open(root, [] as never), 'EINVALIDARG', ['collection']);
    const st = open(root);
    expectZdsError(() => st.collection(5 as never), 'EINVALIDARG', ['collection name']);
    expectZdsError(() => st.collection(undefined as never), 'EINVALIDARG', ['collection name']);
    st.close();
    expect(readdirSync(join(root, 'collections'))).toEqual(['default']);
  });
});

describe('documents', () => {
  class Point {
    constructor(
      public x = 1,
      public y = 2,
    ) {}
  }

  const NOT_PLAIN: [string, unknown][] = [
    ['array', [1, 2]],
    ['empty array', []],
    ['string', 'text'],
    ['number', 42],
    ['null', null],
    ['undefined', undefined],
    ['boolean', true],
    ['class instance', new Point()],
    ['Map', new Map([['a', 1]])],
    ['Set', new Set([1])],
    ['Date', new Date(0)],
    ['function', () => 1],
    ['Buffer', Buffer.from('{}')],
    ['object with a prototype', Object.create({ inherited: 1 })],
  ];

  it.each(NOT_PLAIN)('top-level %s → EINVALIDDOC naming the id', (_label, doc) => {
    expectZdsError(() => store.put('bad', doc as never), 'EINVALIDDOC', ["'bad'", 'plain object']);
    expectZdsError(() => store.put('keep1', doc as never), 'EINVALIDDOC', ["'keep1'"]);
    expect(store.exists('bad')).toBe(false);
    expectUnchanged();
  });

  it('a null-prototype object is a plain object and is accepted', () => {
    const doc = Object.assign(Object.create(null), { a: 1 });
    store.put('np', doc);
    expect(store.get('np')).toEqual({ a: 1 });
    store.delete('np');
  });

  it('a cyclic object → EINVALIDDOC', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expectZdsError(() => store.put('cyc', cyclic), 'EINVALIDDOC', ["'cyc'", /circular/i]);
    const deep: Record<string, unknown> = { level: { list: [] as unknown[] } };
    ((deep.level as Record<string, unknown>).list as unknown[]).push(deep);
    expectZdsError(() => store.put('keep2', deep), 'EINVALIDDOC', ["'keep2'"]);
    expectUnchanged();
  });

  it('a BigInt anywhere → EINVALIDDOC', () => {
    expectZdsError(() => store.put('big', { n: 1n }), 'EINVALIDDOC', ["'big'", /BigInt/i]);
    expectZdsError(() => store.put('big', { a: [1, 2n] }), 'EINVALIDDOC', ["'big'"]);
    expectZdsError(() => store.put('keep1', { deep: { n: 10n } }), 'EINVALIDDOC');
    expectUnchanged();
  });

  const UNFAITHFUL: [string, Record<string, unknown>, string][] = [
    ['NaN', { n: NaN }, 'NaN'],
    ['Infinity', { n: Infinity }, 'Infinity'],
    ['-Infinity nested', { a: { b: -Infinity } }, 'Infinity'],
    ['NaN in array', { a: [1, NaN] }, 'NaN'],
    ['function in array', { a: [1, () => 2] }, 'function'],
    ['undefined in array', { a: [1, undefined, 3] }, 'undefined'],
    ['symbol in array', { a: [Symbol('s')] }, 'symbol'],
    ['nested Map', { m: new Map([['k', 1]]) }, 'Map'],
    ['nested empty Map', { m: new Map() }, 'Map'],
    ['nested Set', { s: new Set([1, 2]) }, 'Set'],
    ['Map in array', { a: [new Map()] }, 'Map'],
    ['deep Set', { a: { b: { c: [new Set()] } } }, 'Set'],
  ];

  it.each(UNFAITHFUL)('%s → EINVALIDDOC naming the value and where it is', (_label, doc, what) => {
    expectZdsError(() => store.put('bad', doc), 'EINVALIDDOC', ["'bad'", what]);
    expectZdsError(() => store.put('keep2', doc), 'EINVALIDDOC', ["'keep2'"]);
    expect(store.exists('bad')).toBe(false);
    expectUnchanged();
  });

  it('a top-level "$zds" key → EINVALIDDOC, whatever its value', () => {
    for (const value of ['delete', 1, null, undefined, {}]) {
      expectZdsError(() => store.put('keep1', { $zds: value, v: 5 }), 'EINVALIDDOC', ['$zds']);
      expectZdsError(() => store.put('fresh', { $zds: value }), 'EINVALIDDOC', ['$zds']);
    }
    expect(store.exists('fresh')).toBe(false);
    expectUnchanged();
    // a nested "$zds" is an ordinary field
    store.put('nested', { inner: { $zds: 'delete' } });
    expect(store.get('nested')).toEqual({ inner: { $zds: 'delete' } });
  });

  it('a toJSON that produces a top-level "$zds" key → EINVALIDDOC (the reserved marker cannot be smuggled in)', () => {
    const sneaky = { toJSON: () => ({ $zds: 'delete' }) };
    let err: unknown;
    try {
      store.put('keep1', sneaky as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZdsError);
    expect((err as ZdsError).code).toBe('EINVALIDDOC');
    // the document is unchanged, now and after the index is rebuilt from data.jsonl
    expect(store.get('keep1')).toEqual({ v: 1 });
    store.close();
    rmSync(collectionFiles(root, 'default').index);
    store = ZdsStore.open(root);
    expect(store.get('keep1')).toEqual({ v: 1 });
    expect(store.count).toBe(2);
  });

  // Known bug (issue 2 closing note): the fast path only walks when the JSON holds null or {}.
  it.skip('a nested non-plain object is refused whether or not another field holds null', () => {
    class Point2 {
      x = 1;
    }
    // With a null elsewhere, zds refuses these (JSON would turn them into plain objects)...
    expectZdsError(() => store.put('p', { p: new Point2(), other: null }), 'EINVALIDDOC', ['Point2']);
    expectZdsError(() => store.put('u', { u: new Uint8Array([1, 2]), other: null }), 'EINVALIDDOC', ['Uint8Array']);
    // ...so the same value without the unrelated null must be refused too.
    expectZdsError(() => store.put('p', { p: new Point2() }), 'EINVALIDDOC', ['Point2']);
    expectZdsError(() => store.put('u', { u: new Uint8Array([1, 2]) }), 'EINVALIDDOC', ['Uint8Array']);
    expect(store.exists('p')).toBe(false);
    expect(store.exists('u')).toBe(false);
  });

  it('values with toJSON (Date) and undefined/function properties are stored as JSON.stringify stores them', () => {
    store.put('d', { when: new Date(0), skip: undefined, fn: () => 1, v: 1 });
    expect(store.get('d')).toEqual({ when: '1970-01-01T00:00:00.000Z', v: 1 });
    store.delete('d');
  });

  it('the typed layer refuses the same documents', () => {
    const st = open(join(root, 'typed'));
    const c = st.collection<Record<string, unknown>>('c');
    for (const [, doc] of NOT_PLAIN) expectZdsError(() => c.put('x', doc as never), 'EINVALIDDOC');
    for (const [, doc] of UNFAITHFUL) expectZdsError(() => c.put('x', doc), 'EINVALIDDOC');
    expectZdsError(() => c.put('x', { $zds: 'delete' }), 'EINVALIDDOC');
    expectZdsError(() => c.put('x', { _id: 'y' }), 'EINVALIDDOC');
    expectZdsError(() => c.putMany([['x', { n: 1n }]]), 'EINVALIDDOC');
    expect(c.count()).toBe(0);
    st.close();
  });
});

describe('argument types', () => {
  it('bad batchSize → EINVALIDARG, nothing created', () => {
    const fresh = join(root, 'fresh');
    for (const bs of [0, -1, 1.5, NaN, Infinity, '10', true, {}, 2 ** 32]) {
      expectZdsError(() => ZdsStore.open(fresh, 'c', bs as number), 'EINVALIDARG', ['batchSize', 'positive integer']);
      expectZdsError(() => ZdsStore.open(fresh, { batchSize: bs as number }), 'EINVALIDARG', ['batchSize']);
      expectZdsError(() => ZdsRoot.open(fresh, bs as number), 'EINVALIDARG', ['batchSize']);
      expectZdsError(() => BulkWriter.create(fresh, 'c', bs as number), 'EINVALIDARG', ['batchSize']);
      expectZdsError(() => open(fresh, { batchSize: bs as number }), 'EINVALIDARG', ['batchSize']);
    }
    expect(existsSync(fresh)).toBe(false);
    const st = open(root);
    expectZdsError(() => st.collection('c', { batchSize: 0 }), 'EINVALIDARG', ['batchSize']);
    expect(st.hasCollection('c')).toBe(false);
    st.close();
  });

  it('bad options → EINVALIDARG', () => {
    const fresh = join(root, 'fresh');
    expectZdsError(() => ZdsStore.open(fresh, { readOnly: 'yes' as never }), 'EINVALIDARG', ['readOnly', 'boolean']);
    expectZdsError(() => ZdsStore.open(fresh, { skipCorrupt: 1 as never }), 'EINVALIDARG', ['skipCorrupt']);
    expectZdsError(() => open(fresh, 'options' as never), 'EINVALIDARG', ['options']);
    expectZdsError(() => open(fresh, [] as never), 'EINVALIDARG', ['options']);
    expectZdsError(() => open(fresh, { readOnly: 1 as never }), 'EINVALIDARG', ['readOnly']);
    expectZdsError(() => open(fresh, { skipCorrupt: 'no' as never }), 'EINVALIDARG', ['skipCorrupt']);
    expect(existsSync(fresh)).toBe(false);
    const st = open(root);
    expectZdsError(() => st.collection('c', 'x' as never), 'EINVALIDARG', ['options']);
    expectZdsError(() => st.collection('c', { skipCorrupt: 'x' as never }), 'EINVALIDARG', ['skipCorrupt']);
    expect(st.hasCollection('c')).toBe(false);
    st.close();
  });

  it('bad root paths → EINVALIDARG', () => {
    for (const p of ['', 5, null, undefined, {}, 'a\0b']) {
      expectZdsError(() => ZdsStore.open(p as string), 'EINVALIDARG', ['path']);
      expectZdsError(() => ZdsRoot.open(p as string), 'EINVALIDARG', ['path']);
      expectZdsError(() => open(p as string), 'EINVALIDARG', ['path']);
    }
  });

  it('bad writeJsonl arguments → EINVALIDARG, nothing written', () => {
    expectZdsError(() => store.writeJsonl(123 as never, ['a']), 'EINVALIDARG');
    expectZdsError(() => store.writeJsonl(Buffer.from('{}\n'), 'a' as never), 'EINVALIDARG');
    expectZdsError(() => store.writeJsonl(Buffer.from('{}\n'), [5 as never]), 'EINVALIDARG');
    expectUnchanged();
  });

  it('a root that is a file → ENOTDIR', () => {
    const file = collectionFiles(root, 'default').data;
    expectZdsError(() => ZdsStore.open(file), 'ENOTDIR', [file]);
    expectZdsError(() => open(file), 'ENOTDIR', [file]);
    expectZdsError(() => ZdsRoot.open(file, 10, 'r'), 'ENOTDIR', [file]);
    expectUnchanged();
  });
});

describe('read-only handles and closed handles', () => {
  it('writes on a read-only handle → EREADONLY, nothing written', () => {
    store.close();
    const ro = ZdsStore.open(root, { readOnly: true });
    for (const write of [
      () => ro.put('x', { v: 1 }),
      () => ro.put('keep1', { v: 100 }),
      () => ro.delete('keep1'),
      () => ro.writeJsonl(Buffer.from('{"v":1}\n'), ['x']),
      () => ro.compact(),
    ]) {
      expectZdsError(write, 'EREADONLY', ['read-only']);
    }
    expect(ro.count).toBe(2);
    expect(ro.get('keep1')).toEqual({ v: 1 });
    ro.close();
    expect(readFileSync(collectionFiles(root, 'default').data).equals(dataBefore)).toBe(true);
    store = ZdsStore.open(root);
    expectUnchanged();
  });

  it('typed read-only store: EREADONLY for every write', () => {
    store.close();
    const st = open(root, { readOnly: true });
    const c = st.collection('default');
    expectZdsError(() => c.put('x', {}), 'EREADONLY');
    expectZdsError(() => c.putMany([['x', {}]]), 'EREADONLY');
    expectZdsError(() => c.delete('keep1'), 'EREADONLY');
    expectZdsError(() => c.writeJsonl('{"v":1}\n', ['x']), 'EREADONLY');
    expectZdsError(() => c.compact(), 'EREADONLY');
    expect(c.count()).toBe(2);
    st.close();
    store = ZdsStore.open(root);
    expectUnchanged();
  });

  it('use after close → ECLOSED (ZdsStore, ZdsRoot, Store, Collection, BulkWriter)', () => {
    store.close();
    const s = store;
    for (const use of [
      () => s.put('x', {}),
      () => s.get('keep1'),
      () => s.exists('keep1'),
      () => s.delete('keep1'),
      () => s.count,
      () => s.info,
      () => s.listDocIds(),
      () => s.scan(),
      () => s.scanRaw(),
      () => s.readJsonlBlob(),
      () => s.writeJsonl(Buffer.from('{}\n'), ['x']),
      () => s.flush(),
      () => s.compact(),
    ]) {
      expectZdsError(use, 'ECLOSED', ['closed']);
    }
    expect(() => s.close()).not.toThrow();

    const r = ZdsRoot.open(root);
    r.close();
    expectZdsError(() => r.collection('default'), 'ECLOSED');
    expectZdsError(() => r.listCollections(), 'ECLOSED');
    expectZdsError(() => r.collectionExists('default'), 'ECLOSED');

    const st: Store = open(root);
    const c: Collection = st.collection('default');
    st.close();
    expectZdsError(() => st.collection('default'), 'ECLOSED');
    expectZdsError(() => c.get('keep1'), 'ECLOSED');

    const bw = BulkWriter.create(root);
    bw.close();
    expectZdsError(() => bw.put('x', {}), 'ECLOSED');
    expectZdsError(() => bw.flush(), 'ECLOSED');

    store = ZdsStore.open(root);
    expectUnchanged();
  });
});

describe('ZdsError', () => {
  it('is exported, extends Error, carries code and name', () => {
    const e = new ZdsError('EIO', 'x');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('EIO');
    expect(e.name).toBe('ZdsError');
    expect(e.message).toBe('x');
  });

  it('errors raised in native code point at the caller too', () => {
    const err = expectZdsError(() => store.get('missing'), 'ENOTFOUND', ["'missing'"]);
    const firstFrame = err.stack!.split('\n').find((l) => l.trim().startsWith('at '));
    expect(firstFrame).toBeDefined();
  });
});
