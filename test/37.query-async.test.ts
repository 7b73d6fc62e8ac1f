// Queries read off the main thread: early exit, abort, snapshots under
// concurrent writes, released scans (GC), async opens, counts and putMany.
import { spawnSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { open, openScans, ZdsError, ZdsStore } from '../dist/index.js';
import { PACKAGE_CJS, tempDir } from './helpers';

type Doc = { i: number; group: string; tags: string[] };

function seeded(n: number) {
  const store = open(tempDir());
  const c = store.collection<Doc>('c');
  for (let i = 0; i < n; i++) c.put(`d${String(i).padStart(6, '0')}`, { i, group: i % 3 === 0 ? 'a' : 'b', tags: [`t${i % 5}`] });
  return { store, c };
}

describe('for await over find()', () => {
  it('returns the same documents as toArray(), in batches, for filtered and sorted queries', async () => {
    const { store, c } = seeded(5000);
    const queries = [
      [{ group: 'a' }, undefined],
      [{ i: { $gte: 100, $lt: 3000 } }, { sort: { i: -1 }, skip: 5, limit: 700 }],
      [undefined, { fields: ['i'] }],
    ] as const;
    for (const [filter, options] of queries) {
      const got: unknown[] = [];
      for await (const d of c.find(filter, options)) got.push(d);
      expect(got).toEqual(c.find(filter, options).toArray());
    }
    expect(openScans()).toBe(0);
    store.close();
  });

  it('break and return() release the scan at once', async () => {
    const { store, c } = seeded(5000);
    let seen = 0;
    for await (const d of c.find({ group: 'b' })) {
      seen += d.i >= 0 ? 1 : 0;
      if (seen === 10) {
        expect(openScans()).toBe(1);
        break;
      }
    }
    expect(openScans()).toBe(0);
    const it = c.find()[Symbol.asyncIterator]();
    await it.next();
    expect(openScans()).toBe(1);
    await it.return?.();
    expect(openScans()).toBe(0);
    c.compact(); // nothing holds the old file open
    store.close();
  });

  it('an AbortSignal stops the scan and rejects with its reason', async () => {
    const { store, c } = seeded(5000);
    const ac = new AbortController();
    const seen: number[] = [];
    const err = await (async () => {
      for await (const d of c.find({}, { signal: ac.signal })) {
        seen.push(d.i);
        if (seen.length === 100) ac.abort(new Error('enough'));
      }
    })().catch((e: unknown) => e);
    expect((err as Error).message).toBe('enough');
    expect(seen.length).toBe(100);
    expect(openScans()).toBe(0);
    // Already aborted: nothing is read.
    expect(() => c.find({}, { signal: ac.signal }).toArray()).toThrow('enough');
    store.close();
  });

  it('a scan in flight when the signal fires is stopped', async () => {
    const { store, c } = seeded(20000);
    const ac = new AbortController();
    const it = c.find({ i: { $lt: 0 } }, { signal: ac.signal })[Symbol.asyncIterator]();
    const pending = it.next();
    ac.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(openScans()).toBe(0);
    store.close();
  });

  it('sees the snapshot taken when it started: later puts, deletes and a compact are not seen and do not fail it', async () => {
    const { store, c } = seeded(3000);
    const got: number[] = [];
    let i = 0;
    for await (const d of c.find({ group: 'a' })) {
      got.push(d.i);
      if (i++ === 10) {
        c.put('zzz-new', { i: -1, group: 'a', tags: [] });
        for (let k = 0; k < 3000; k += 3) c.delete(`d${String(k).padStart(6, '0')}`);
        c.compact();
      }
    }
    expect(got).toEqual(Array.from({ length: 1000 }, (_, k) => k * 3));
    // A new query sees the writes.
    expect(c.find({ group: 'a' }).toArray().map((d) => d._id)).toEqual(['zzz-new']);
    store.close();
  });

  it('keeps the event loop responsive while scanning', async () => {
    const { store, c } = seeded(30000);
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    let n = 0;
    for await (const d of c.find({ tags: 't1' })) n += d.i >= 0 ? 1 : 0;
    h.disable();
    expect(n).toBe(6000);
    // Loose on purpose (shared CI machines); bench/scale.mjs measures the real figure.
    expect(h.max / 1e6).toBeLessThan(200);
    store.close();
  });
});

describe('async and native-only counts', () => {
  it('count(filter) and countAsync(filter) agree with find().toArray().length', async () => {
    const { store, c } = seeded(4000);
    for (const f of [undefined, {}, { group: 'a' }, { tags: { $in: ['t1', 't2'] } }, { i: { $gt: 10_000 } }]) {
      const want = c.find(f).toArray().length;
      expect(c.count(f)).toBe(want);
      expect(await c.countAsync(f)).toBe(want);
    }
    expect(openScans()).toBe(0);
    store.close();
  });

  it('distinct and distinctAsync run natively over the matches', async () => {
    const { store, c } = seeded(100);
    expect(c.distinct('tags')).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(c.distinct('group', { i: { $lt: 3 } })).toEqual(['a', 'b']);
    expect(await c.distinctAsync('tags', { group: 'a' })).toEqual(['t0', 't3', 't1', 't4', 't2']);
    expect(openScans()).toBe(0);
    store.close();
  });

  it('putManyAsync stores every pair, yields to the loop, and refuses what putMany refuses', async () => {
    const store = open(tempDir());
    const c = store.collection<{ n: number }>('c');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const n = await c.putManyAsync(Array.from({ length: 20000 }, (_, i) => [`k${i}`, { n: i }] as const));
    clearInterval(timer);
    expect(n).toBe(20000);
    expect(c.count()).toBe(20000);
    expect(c.get('k19999')).toEqual({ _id: 'k19999', n: 19999 });
    expect(ticks).toBeGreaterThan(0);
    await expect(c.putManyAsync([['bad id!', { n: 1 }]])).rejects.toMatchObject({ code: 'EINVALIDID' });
    await expect(c.putManyAsync([['x', { n: NaN }]])).rejects.toMatchObject({ code: 'EINVALIDDOC' });
    async function* gen() {
      yield ['g1', { n: 1 }] as const;
      yield ['g2', { n: 2 }] as const;
    }
    expect(await c.putManyAsync(gen())).toBe(2);
    expect(c.get('g2')).toEqual({ _id: 'g2', n: 2 });
    store.close();
    const ro = open(store.path, { readOnly: true }).collection<{ n: number }>('c');
    await expect(ro.putManyAsync([['z', { n: 1 }]])).rejects.toMatchObject({ code: 'EREADONLY' });
    ro.close();
  });

  it('collectionAsync opens (and rebuilds an index) on the threadpool', async () => {
    const dir = tempDir();
    const s1 = open(dir);
    const c1 = s1.collection<{ n: number }>('c');
    for (let i = 0; i < 1000; i++) c1.put(`k${i}`, { n: i });
    s1.close();
    const s2 = open(dir);
    const c2 = await s2.collectionAsync<{ n: number }>('c');
    expect(c2.count()).toBe(1000);
    expect(c2.get('k7')).toEqual({ _id: 'k7', n: 7 });
    c2.put('new', { n: -1 });
    s2.close();
    expect(c2.closed).toBe(true);
    await expect(s2.collectionAsync('c')).rejects.toMatchObject({ code: 'ECLOSED' });
    await expect(open(dir).collectionAsync('bad name!')).rejects.toBeInstanceOf(ZdsError);
  });
});

describe('the upstream scan({ predicate, fields })', () => {
  it('filters by equality and projects fields natively', () => {
    const store = ZdsStore.open(tempDir(), 'users');
    store.put('a', { name: 'Ann', age: 28, city: 'Oslo' });
    store.put('b', { name: 'Ben', age: 31, city: 'Rome' });
    store.put('c', { name: 'Cat', age: 28, city: 'Rome' });
    expect(store.scan({ predicate: { age: 28 } }).map((d) => d._id)).toEqual(['a', 'c']);
    expect(store.scan({ predicate: { age: 28 }, fields: ['name'] })).toEqual([
      { _id: 'a', name: 'Ann' },
      { _id: 'c', name: 'Cat' },
    ]);
    expect(store.scan({ fields: ['city'] })).toHaveLength(3);
    expect(store.scan()).toHaveLength(3);
    store.close();
  });
});

describe('garbage collection', () => {
  it('iterators abandoned mid-scan are released when collected, and the store still closes', () => {
    const script = `
      const z = require(${JSON.stringify(PACKAGE_CJS)});
      const store = z.open(process.argv[1]);
      const c = store.collection('c');
      for (let i = 0; i < 3000; i++) c.put('k' + i, { i });
      // Each kind of scan is opened, partly read and forgotten, in its own
      // function so that nothing on the caller's stack still refers to it.
      async function abandon() {
        const it = c.find({ i: { $gte: 0 } })[Symbol.asyncIterator]();
        await it.next();
        c.find().stream().read();
        const v = c.view({ i: { $lt: 10 } });
        v.at(0);
      }
      (async () => {
        for (let k = 0; k < 50; k++) await abandon();
        const before = z.openScans();
        for (let r = 0; r < 10 && z.openScans() > 0; r++) { global.gc(); await new Promise((res) => setTimeout(res, 20)); }
        const after = z.openScans();
        c.compact();
        store.close();
        console.log(JSON.stringify({ before, after }));
      })();
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script, tempDir()], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    const { before, after } = JSON.parse(r.stdout);
    expect(before).toBeGreaterThan(0);
    expect(after).toBe(0);
  });
});

describe('map-style view', () => {
  it('at() and slice() follow the documented order over a fixed snapshot', () => {
    const { store, c } = seeded(300);
    const v = c.view({ group: 'a' }, { sort: { i: -1 } });
    expect(v.length).toBe(100);
    expect(v.at(0)?.i).toBe(297);
    expect(v.at(-1)?.i).toBe(0);
    expect(v.slice(10, 13).map((d) => d.i)).toEqual([267, 264, 261]);
    c.put('late', { i: 1000, group: 'a', tags: [] });
    expect(v.length).toBe(100); // the snapshot does not move
    const all = c.view();
    expect(all.length).toBe(301);
    expect(all.at(0)?._id).toBe('d000000');
    expect([...all].length).toBe(301);
    v.close();
    all.close();
    expect(openScans()).toBe(0);
    expect(() => v.at(0)).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    store.close();
  });
});

