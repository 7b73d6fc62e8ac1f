// The idiomatic layer: open() → Store → Collection<T>.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Collection, open, Store, ZdsError, ZdsStore } from '../dist/index.js';
import { collectionFiles, tempDir, errorOf } from './helpers';

interface User {
  name: string;
  age: number;
  tags?: string[];
}

async function asyncErrorOf(fn: () => Promise<unknown>): Promise<ZdsError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZdsError);
    return err as ZdsError;
  }
  throw new Error('expected a ZdsError, but nothing was thrown');
}

describe('open() and Store', () => {
  it('open(path) returns a Store; collection<T>() creates the collection; collections() sorted; hasCollection()', () => {
    const dir = tempDir();
    const store = open(dir);
    expect(store).toBeInstanceOf(Store);
    expect(store.path).toBe(dir);
    expect(store.readOnly).toBe(false);
    expect(store.batchSize).toBe(5000);
    expect(store.closed).toBe(false);
    expect(store.collections()).toEqual([]);
    const users = store.collection<User>('users');
    expect(users).toBeInstanceOf(Collection);
    expect(users.name).toBe('users');
    expect(users.readOnly).toBe(false);
    expect(statSync(collectionFiles(dir, 'users').meta).isDirectory()).toBe(true);
    store.collection('accounts');
    expect(store.collections()).toEqual(['accounts', 'users']);
    expect(store.hasCollection('users')).toBe(true);
    expect(store.hasCollection('nope')).toBe(false);
    store.close();
    expect(store.closed).toBe(true);
  });

  it('options: batchSize and readOnly', () => {
    const dir = tempDir();
    const w = open(dir, { batchSize: 3 });
    expect(w.batchSize).toBe(3);
    const c = w.collection<{ v: number }>('c');
    for (let i = 0; i < 10; i++) c.put(`k${i}`, { v: i });
    w.close();
    const r = open(dir, { readOnly: true });
    expect(r.readOnly).toBe(true);
    const rc = r.collection<{ v: number }>('c');
    expect(rc.readOnly).toBe(true);
    expect(rc.count()).toBe(10);
    expect(errorOf(() => rc.put('z', { v: 0 })).code).toBe('EREADONLY');
    expect(errorOf(() => rc.delete('k0')).code).toBe('EREADONLY');
    expect(errorOf(() => rc.compact()).code).toBe('EREADONLY');
    expect(rc.count()).toBe(10);
    expect(rc.has('k0')).toBe(true);
    r.close();
  });

  it('flush() flushes every collection opened through the store', () => {
    const dir = tempDir();
    const store = open(dir);
    const a = store.collection('a');
    const b = store.collection('b');
    a.put('x', { v: 1 });
    b.put('y', { v: 2 });
    store.flush();
    expect(readFileSync(collectionFiles(dir, 'a').data, 'utf8')).toBe('{"_id":"x","v":1}\n');
    expect(readFileSync(collectionFiles(dir, 'b').data, 'utf8')).toBe('{"_id":"y","v":2}\n');
    expect(existsSync(collectionFiles(dir, 'a').index)).toBe(true);
    const reader = open(dir, { readOnly: true });
    expect(reader.collection('a').get('x')).toEqual({ _id: 'x', v: 1 });
    expect(reader.collection('b').get('y')).toEqual({ _id: 'y', v: 2 });
    reader.close();
    store.close();
  });

  it('close() closes its collections; use after close → ECLOSED; closing twice is fine', () => {
    const dir = tempDir();
    const store = open(dir);
    const c = store.collection<User>('users');
    c.put('a', { name: 'A', age: 1 });
    store.close();
    expect(c.closed).toBe(true);
    expect(store.closed).toBe(true);
    for (const use of [
      () => store.collection('users'),
      () => store.collections(),
      () => store.hasCollection('users'),
      () => c.get('a'),
      () => c.put('b', { name: 'B', age: 2 }),
      () => c.has('a'),
      () => c.delete('a'),
      () => c.count(),
      () => c.ids(),
      () => c.toArray(),
      () => c.getMany(['a']),
      () => c.putMany([['b', { name: 'B', age: 2 }]]),
      () => c.flush(),
      () => c.compact(),
      () => [...c],
    ]) {
      const err = errorOf(use);
      expect(err.code).toBe('ECLOSED');
      expect(err.message.length).toBeGreaterThan(0);
    }
    expect(() => store.close()).not.toThrow();
    expect(() => c.close()).not.toThrow();
    const again = open(dir);
    expect(again.collection<User>('users').get('a')).toEqual({ _id: 'a', name: 'A', age: 1 });
    again.close();
  });
});

describe('Collection<T>', () => {
  function fresh() {
    const dir = tempDir();
    const store = open(dir);
    return { dir, store, users: store.collection<User>('users') };
  }

  it('put/get: get returns the doc WITH _id; undefined when missing', () => {
    const { store, users } = fresh();
    users.put('alice', { name: 'Alice', age: 30, tags: ['a'] });
    const got = users.get('alice');
    expect(got).toEqual({ _id: 'alice', name: 'Alice', age: 30, tags: ['a'] });
    expect(Object.keys(got!)).toEqual(['_id', 'name', 'age', 'tags']);
    expect(users.get('bob')).toBeUndefined();
    store.close();
  });

  it('has / delete (returns boolean) / count', () => {
    const { store, users } = fresh();
    users.put('a', { name: 'A', age: 1 });
    users.put('b', { name: 'B', age: 2 });
    expect(users.has('a')).toBe(true);
    expect(users.has('z')).toBe(false);
    expect(users.count()).toBe(2);
    expect(users.delete('a')).toBe(true);
    expect(users.delete('a')).toBe(false);
    expect(users.delete('never')).toBe(false);
    expect(users.has('a')).toBe(false);
    expect(users.get('a')).toBeUndefined();
    expect(users.count()).toBe(1);
    store.close();
  });

  it('putMany with an array of pairs and with a Map; returns how many', () => {
    const { store, users } = fresh();
    expect(
      users.putMany([
        ['a', { name: 'A', age: 1 }],
        ['b', { name: 'B', age: 2 }],
      ]),
    ).toBe(2);
    const m = new Map<string, User>([
      ['c', { name: 'C', age: 3 }],
      ['a', { name: 'A2', age: 11 }],
    ]);
    expect(users.putMany(m)).toBe(2);
    expect(users.count()).toBe(3);
    expect(users.ids()).toEqual(['b', 'c', 'a']);
    expect(users.get('a')).toEqual({ _id: 'a', name: 'A2', age: 11 });
    expect(users.putMany([])).toBe(0);
    expect(users.putMany(new Map())).toBe(0);
    expect(users.count()).toBe(3);
    store.close();
  });

  it('putMany rejects a non-iterable and bad pairs with EINVALIDARG', () => {
    const { store, users } = fresh();
    expect(errorOf(() => users.putMany(null as never)).code).toBe('EINVALIDARG');
    expect(errorOf(() => users.putMany({} as never)).code).toBe('EINVALIDARG');
    expect(errorOf(() => users.putMany([['a']] as never)).code).toBe('EINVALIDARG');
    expect(errorOf(() => users.putMany(['ab'] as never)).code).toBe('EINVALIDARG');
    expect(users.count()).toBe(0);
    store.close();
  });

  it('getMany keeps order and gives undefined for missing ids', () => {
    const { store, users } = fresh();
    users.put('a', { name: 'A', age: 1 });
    users.put('b', { name: 'B', age: 2 });
    expect(users.getMany(['b', 'x', 'a', 'b'])).toEqual([
      { _id: 'b', name: 'B', age: 2 },
      undefined,
      { _id: 'a', name: 'A', age: 1 },
      { _id: 'b', name: 'B', age: 2 },
    ]);
    const many = users.getMany(['x', 'y']);
    expect(many.length).toBe(2);
    expect(many[0]).toBeUndefined();
    expect(many[1]).toBeUndefined();
    expect(users.getMany([])).toEqual([]);
    expect(errorOf(() => users.getMany('a' as never)).code).toBe('EINVALIDARG');
    expect(errorOf(() => users.getMany(['a', 'b/c'])).code).toBe('EINVALIDID');
    store.close();
  });

  it('ids(), toArray(), [Symbol.iterator] and [Symbol.asyncIterator] agree on order', async () => {
    const { store, users } = fresh();
    users.put('c', { name: 'C', age: 3 });
    users.put('a', { name: 'A', age: 1 });
    users.put('b', { name: 'B', age: 2 });
    users.put('c', { name: 'C2', age: 33 });
    users.delete('a');
    expect(users.ids()).toEqual(['b', 'c']);
    const expected = [
      { _id: 'b', name: 'B', age: 2 },
      { _id: 'c', name: 'C2', age: 33 },
    ];
    expect(users.toArray()).toEqual(expected);
    expect([...users]).toEqual(expected);
    const viaAsync: unknown[] = [];
    for await (const d of users) viaAsync.push(d);
    expect(viaAsync).toEqual(expected);
    store.close();
  });

  it('iteration over 5,000 docs (several batches): order equals ids()', async () => {
    const { store, users } = fresh();
    for (let i = 0; i < 5000; i++) users.put(`u${i}`, { name: `n${i}`, age: i });
    // move some to the end
    for (let i = 0; i < 100; i += 7) users.put(`u${i}`, { name: `moved${i}`, age: -i });
    const ids = users.ids();
    expect(ids.length).toBe(5000);
    const syncIds: string[] = [];
    for (const d of users) syncIds.push(d._id);
    expect(syncIds).toEqual(ids);
    const asyncIds: string[] = [];
    for await (const d of users) asyncIds.push(d._id);
    expect(asyncIds).toEqual(ids);
    const arr = users.toArray();
    expect(arr.map((d) => d._id)).toEqual(ids);
    expect(arr[4999]).toEqual({ _id: 'u98', name: 'moved98', age: -98 });
    expect(arr[0]).toEqual({ _id: 'u1', name: 'n1', age: 1 });
    store.close();
  });

  it('break out of for-of and for-await early: the collection still works and closes', async () => {
    const { dir, store, users } = fresh();
    for (let i = 0; i < 5000; i++) users.put(`u${i}`, { name: 'x', age: i });
    let seen = 0;
    for (const d of users) {
      expect(d._id).toBe(`u${seen}`);
      if (++seen === 100) break;
    }
    expect(seen).toBe(100);
    let seenAsync = 0;
    for await (const d of users) {
      expect(d._id).toBe(`u${seenAsync}`);
      if (++seenAsync === 1500) break;
    }
    expect(seenAsync).toBe(1500);
    users.put('after', { name: 'after', age: 0 });
    expect(users.count()).toBe(5001);
    expect(users.get('after')).toEqual({ _id: 'after', name: 'after', age: 0 });
    expect(users.delete('u0')).toBe(true);
    expect([...users].length).toBe(5000);
    users.close();
    expect(users.closed).toBe(true);
    store.close();
    const again = open(dir).collection<User>('users');
    expect(again.count()).toBe(5000);
    again.close();
  });

  it('a scan started before puts does not return the later-put documents (snapshot)', async () => {
    const { store, users } = fresh();
    for (let i = 0; i < 3000; i++) users.put(`u${i}`, { name: 'x', age: i });
    const seen: string[] = [];
    let wrote = false;
    for (const d of users) {
      seen.push(d._id);
      if (!wrote) {
        wrote = true;
        for (let j = 0; j < 50; j++) users.put(`new${j}`, { name: 'new', age: j });
      }
    }
    expect(seen.length).toBe(3000);
    expect(seen.some((id) => id.startsWith('new'))).toBe(false);
    expect(users.count()).toBe(3050);

    const seenAsync: string[] = [];
    let wroteAsync = false;
    for await (const d of users) {
      seenAsync.push(d._id);
      if (!wroteAsync) {
        wroteAsync = true;
        for (let j = 0; j < 50; j++) users.put(`late${j}`, { name: 'late', age: j });
      }
    }
    expect(seenAsync.length).toBe(3050);
    expect(seenAsync.some((id) => id.startsWith('late'))).toBe(false);
    expect(users.count()).toBe(3100);
    store.close();
  });

  it('rawLines() and toJsonl() agree with toArray()', () => {
    const { store, users } = fresh();
    users.put('a', { name: 'A', age: 1 });
    users.put('b', { name: 'B', age: 2 });
    expect(users.rawLines().map((b) => b.toString())).toEqual(['{"_id":"a","name":"A","age":1}', '{"_id":"b","name":"B","age":2}']);
    expect(users.toJsonl().toString()).toBe('{"_id":"a","name":"A","age":1}\n{"_id":"b","name":"B","age":2}\n');
    store.close();
  });

  it('flush / flushAsync / compact / compactAsync', async () => {
    const { dir, store, users } = fresh();
    const f = collectionFiles(dir, 'users');
    for (let i = 0; i < 20; i++) users.put(`u${i % 5}`, { name: 'n', age: i });
    expect(users.flush()).toBeUndefined();
    const sizeBefore = statSync(f.data).size;
    expect(sizeBefore).toBe(readFileSync(f.data).length);
    await expect(users.flushAsync()).resolves.toBeUndefined();
    expect(users.compact()).toBeUndefined();
    const compacted = readFileSync(f.data, 'utf8');
    expect(compacted.trimEnd().split('\n').length).toBe(5);
    expect(statSync(f.data).size).toBeLessThan(sizeBefore);
    users.put('u0', { name: 'again', age: 100 });
    users.delete('u1');
    await expect(users.compactAsync()).resolves.toBeUndefined();
    expect(readFileSync(f.data, 'utf8')).toBe(
      '{"_id":"u2","name":"n","age":17}\n{"_id":"u3","name":"n","age":18}\n{"_id":"u4","name":"n","age":19}\n{"_id":"u0","name":"again","age":100}\n',
    );
    expect(users.ids()).toEqual(['u2', 'u3', 'u4', 'u0']);
    expect(users.get('u0')).toEqual({ _id: 'u0', name: 'again', age: 100 });
    store.close();
  });

  it('flushAsync / compactAsync after close reject with ECLOSED', async () => {
    const { store, users } = fresh();
    users.close();
    expect((await asyncErrorOf(async () => users.flushAsync())).code).toBe('ECLOSED');
    expect((await asyncErrorOf(async () => users.compactAsync())).code).toBe('ECLOSED');
    const it = users[Symbol.asyncIterator]();
    expect((await asyncErrorOf(() => it.next())).code).toBe('ECLOSED');
    store.close();
  });

  it('Collection close(): closed getter, ECLOSED afterwards, other collections of the store keep working', () => {
    const { store, users } = fresh();
    const other = store.collection<{ v: number }>('other');
    users.put('a', { name: 'A', age: 1 });
    expect(users.closed).toBe(false);
    users.close();
    expect(users.closed).toBe(true);
    expect(errorOf(() => users.get('a')).code).toBe('ECLOSED');
    expect(errorOf(() => users.count()).code).toBe('ECLOSED');
    other.put('x', { v: 1 });
    expect(other.count()).toBe(1);
    // reopening through the same store works and sees the data
    const again = store.collection<User>('users');
    expect(again.get('a')).toEqual({ _id: 'a', name: 'A', age: 1 });
    store.close();
    expect(again.closed).toBe(true);
    expect(other.closed).toBe(true);
  });

  it('is interoperable with ZdsStore on the same collection', () => {
    const { dir, store, users } = fresh();
    users.put('a', { name: 'A', age: 1 });
    const compat = ZdsStore.open(dir, 'users');
    expect(compat.get('a')).toEqual({ name: 'A', age: 1 });
    compat.put('b', { name: 'B', age: 2 });
    expect(users.get('b')).toEqual({ _id: 'b', name: 'B', age: 2 });
    compat.close();
    store.close();
  });
});
