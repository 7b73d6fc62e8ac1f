// Dataset helpers: lazy async transforms that release their source on early
// exit, a seeded buffered shuffle, and a random-access view over a snapshot.
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { AsyncDataset, DatasetView, type ViewSource } from '../lib/dataset';
import { ZdsError } from '../lib/errors';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** What a source saw: passes started, items handed out, passes finished (its `finally` ran). */
interface SourceLog {
  calls: number;
  starts: number;
  pulled: number;
  finallies: number;
}

/** A dataset over `items` whose source is an async generator that records its life. */
function tracked<T>(items: readonly T[], options: { failAfter?: number } = {}) {
  const log: SourceLog = { calls: 0, starts: 0, pulled: 0, finallies: 0 };
  const ds = new AsyncDataset<T>(() => {
    log.calls++;
    return (async function* () {
      log.starts++;
      try {
        let handedOut = 0;
        for (const item of items) {
          if (options.failAfter === handedOut++) throw new Error('source failed');
          log.pulled++;
          yield item;
        }
      } finally {
        log.finallies++;
      }
    })();
  });
  return { ds, log };
}

/** A hand-written iterator over `items` (no generator) that counts return() calls. */
function manualSource<T>(items: readonly T[], options: { withReturn?: boolean; failAt?: number } = {}) {
  const log = { nexts: 0, returns: 0 };
  const ds = new AsyncDataset<T>(() => {
    let i = 0;
    const it: AsyncIterator<T> = {
      next: async () => {
        log.nexts++;
        if (options.failAt === i) throw new Error('next failed');
        return i < items.length ? { done: false, value: items[i++] } : { done: true, value: undefined };
      },
    };
    if (options.withReturn !== false) {
      it.return = async () => {
        log.returns++;
        return { done: true, value: undefined };
      };
    }
    return it;
  });
  return { ds, log };
}

function expectCode(fn: () => unknown, code: string, message?: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(ZdsError);
  expect((caught as ZdsError).code).toBe(code);
  if (typeof message === 'string') expect((caught as ZdsError).message).toBe(message);
  else if (message) expect((caught as ZdsError).message).toMatch(message);
}

async function expectRejectCode(promise: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(ZdsError);
  expect((err as ZdsError).code).toBe(code);
  if (typeof message === 'string') expect((err as ZdsError).message).toBe(message);
  else if (message) expect((err as ZdsError).message).toMatch(message);
}

describe('AsyncDataset', () => {
  it('iterates the source in order and collects with toArray', async () => {
    const { ds } = tracked(['a', 'b', 'c']);
    const seen: string[] = [];
    for await (const x of ds) seen.push(x);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(await ds.toArray()).toEqual(['a', 'b', 'c']);
    expect(await tracked([]).ds.toArray()).toEqual([]);
  });

  it('is lazy: building a chain or making an iterator reads nothing', async () => {
    const { ds, log } = tracked(range(10));
    const chain = ds.filter((x) => x > 2).map((x) => x * 2).batch(2).shuffle({ bufferSize: 3 }).skip(1).take(2);
    const it = chain[Symbol.asyncIterator]();
    expect(log).toEqual({ calls: 0, starts: 0, pulled: 0, finallies: 0 });
    // Returning an iterator that never started must not start the source either.
    await it.return?.();
    expect(log).toEqual({ calls: 0, starts: 0, pulled: 0, finallies: 0 });
    const root = ds[Symbol.asyncIterator]();
    await root.return?.();
    expect(log.calls).toBe(0);
    expect(await root.next()).toEqual({ done: true, value: undefined });
    expect(log.calls).toBe(0);
  });

  it('starts a fresh pass for every iteration', async () => {
    const { ds, log } = tracked(range(5));
    const mapped = ds.map((x) => x + 1);
    expect(await mapped.toArray()).toEqual([1, 2, 3, 4, 5]);
    expect(await mapped.toArray()).toEqual([1, 2, 3, 4, 5]);
    let n = 0;
    for await (const x of mapped) n += x;
    expect(n).toBe(15);
    expect(log).toEqual({ calls: 3, starts: 3, pulled: 15, finallies: 3 });
  });

  it('runs two passes side by side independently', async () => {
    const { ds, log } = tracked(range(3));
    const a = ds[Symbol.asyncIterator]();
    const b = ds[Symbol.asyncIterator]();
    expect((await a.next()).value).toBe(0);
    expect((await b.next()).value).toBe(0);
    expect((await a.next()).value).toBe(1);
    expect((await b.next()).value).toBe(1);
    expect(log.starts).toBe(2);
    await a.return?.();
    await b.return?.();
    expect(log.finallies).toBe(2);
  });

  describe('batch', () => {
    it('groups into arrays of size with a shorter last one', async () => {
      expect(await tracked(range(7)).ds.batch(3).toArray()).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
      expect(await tracked(range(6)).ds.batch(3).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
      expect(await tracked(range(3)).ds.batch(1).toArray()).toEqual([[0], [1], [2]]);
      expect(await tracked(range(3)).ds.batch(10).toArray()).toEqual([[0, 1, 2]]);
      expect(await tracked([]).ds.batch(2).toArray()).toEqual([]);
    });

    it('drops a short last batch with dropLast', async () => {
      expect(await tracked(range(7)).ds.batch(3, { dropLast: true }).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
      expect(await tracked(range(6)).ds.batch(3, { dropLast: true }).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
      expect(await tracked(range(2)).ds.batch(3, { dropLast: true }).toArray()).toEqual([]);
      expect(await tracked(range(7)).ds.batch(3, { dropLast: false }).toArray()).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
      expect(await tracked(range(7)).ds.batch(3, {}).toArray()).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    });

    it('hands out a new array per batch', async () => {
      const batches = await tracked(range(4)).ds.batch(2).toArray();
      expect(batches[0]).not.toBe(batches[1]);
      batches[0].push(99);
      expect(batches[1]).toEqual([2, 3]);
    });
  });

  describe('shuffle', () => {
    const shuffled = (n: number, bufferSize: number, seed?: number) =>
      tracked(range(n)).ds.shuffle(seed === undefined ? { bufferSize } : { bufferSize, seed }).toArray();

    it('outputs a permutation of the input', async () => {
      for (const bufferSize of [1, 2, 7, 10, 99, 100, 101, 1000]) {
        const out = await shuffled(100, bufferSize, 42);
        expect(out).toHaveLength(100);
        expect([...out].sort((a, b) => a - b)).toEqual(range(100));
      }
      expect(await shuffled(0, 5)).toEqual([]);
      expect(await shuffled(1, 5)).toEqual([0]);
    });

    it('is deterministic for a seed and differs between seeds', async () => {
      const a = await shuffled(100, 100, 7);
      expect(await shuffled(100, 100, 7)).toEqual(a);
      expect(a).not.toEqual(range(100));
      expect(await shuffled(100, 100, 8)).not.toEqual(a);
      const small = await shuffled(100, 10, 7);
      expect(await shuffled(100, 10, 7)).toEqual(small);
      expect(await shuffled(100, 10, 8)).not.toEqual(small);
    });

    it('defaults the seed to 0 and takes seeds modulo 2^32', async () => {
      expect(await shuffled(100, 50)).toEqual(await shuffled(100, 50, 0));
      expect(await shuffled(100, 50, -1)).toEqual(await shuffled(100, 50, 0xffffffff));
      expect(await shuffled(100, 50, 2 ** 32 + 5)).toEqual(await shuffled(100, 50, 5));
    });

    it('replays the same order on every pass', async () => {
      const ds = tracked(range(50)).ds.shuffle({ bufferSize: 20, seed: 3 });
      expect(await ds.toArray()).toEqual(await ds.toArray());
    });

    it('keeps the input order with a buffer of 1', async () => {
      expect(await shuffled(100, 1, 123)).toEqual(range(100));
      expect(await shuffled(100, 1)).toEqual(range(100));
    });

    it('mixes only within the buffer window', async () => {
      // An element can leave at most bufferSize - 1 places early: it must have been read first.
      const bufferSize = 5;
      const out = await shuffled(200, bufferSize, 11);
      out.forEach((value, position) => expect(value).toBeLessThanOrEqual(position + bufferSize - 1));
    });

    it('spreads the first element over all positions with a full buffer', async () => {
      const positions = new Set<number>();
      for (let seed = 0; seed < 200; seed++) positions.add((await shuffled(10, 10, seed)).indexOf(0));
      expect(positions.size).toBe(10);
    });
  });

  describe('take', () => {
    it('keeps the first n', async () => {
      expect(await tracked(range(10)).ds.take(3).toArray()).toEqual([0, 1, 2]);
      expect(await tracked(range(2)).ds.take(3).toArray()).toEqual([0, 1]);
      expect(await tracked(range(3)).ds.take(3).toArray()).toEqual([0, 1, 2]);
    });

    it('take(0) never starts the source', async () => {
      const { ds, log } = tracked(range(10));
      expect(await ds.take(0).toArray()).toEqual([]);
      expect(log.calls).toBe(0);
    });

    it('never pulls element n + 1 and closes the source as the n-th arrives', async () => {
      const { ds, log } = tracked(range(10));
      const it = ds.take(3)[Symbol.asyncIterator]();
      expect(await it.next()).toEqual({ done: false, value: 0 });
      expect(await it.next()).toEqual({ done: false, value: 1 });
      expect(log.finallies).toBe(0);
      expect(await it.next()).toEqual({ done: false, value: 2 });
      // Released before the consumer even asks for more.
      expect(log).toEqual({ calls: 1, starts: 1, pulled: 3, finallies: 1 });
      expect(await it.next()).toEqual({ done: true, value: undefined });
      expect(log.pulled).toBe(3);
    });

    it('calls return() on a hand-written source iterator', async () => {
      const { ds, log } = manualSource(range(10));
      expect(await ds.take(2).toArray()).toEqual([0, 1]);
      expect(log).toEqual({ nexts: 2, returns: 1 });
    });
  });

  describe('skip', () => {
    it('drops the first n', async () => {
      expect(await tracked(range(5)).ds.skip(2).toArray()).toEqual([2, 3, 4]);
      expect(await tracked(range(5)).ds.skip(0).toArray()).toEqual(range(5));
      expect(await tracked(range(5)).ds.skip(5).toArray()).toEqual([]);
      expect(await tracked(range(5)).ds.skip(9).toArray()).toEqual([]);
    });

    it('composes with take for paging', async () => {
      const { ds, log } = tracked(range(100));
      expect(await ds.skip(20).take(10).toArray()).toEqual(range(10).map((i) => i + 20));
      expect(log.pulled).toBe(30);
      expect(log.finallies).toBe(1);
    });
  });

  describe('map', () => {
    it('maps with the value and its index', async () => {
      expect(await tracked(['a', 'b']).ds.map((v, i) => `${v}${i}`).toArray()).toEqual(['a0', 'b1']);
    });

    it('awaits async callbacks one at a time, in order', async () => {
      let running = 0;
      let maxRunning = 0;
      const out = await tracked(range(5))
        .ds.map(async (x) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setTimeout(r, 5 - x));
          running--;
          return x * 10;
        })
        .toArray();
      expect(out).toEqual([0, 10, 20, 30, 40]);
      expect(maxRunning).toBe(1);
    });

    it('numbers indexes per map, after earlier transforms', async () => {
      const indexes: number[] = [];
      await tracked(range(6))
        .ds.filter((x) => x % 2 === 1)
        .map((x, i) => indexes.push(i))
        .toArray();
      expect(indexes).toEqual([0, 1, 2]);
    });
  });

  describe('filter', () => {
    it('keeps elements the callback accepts, with sync or async callbacks', async () => {
      expect(await tracked(range(10)).ds.filter((x) => x % 3 === 0).toArray()).toEqual([0, 3, 6, 9]);
      expect(await tracked(range(10)).ds.filter(async (x) => x > 6).toArray()).toEqual([7, 8, 9]);
      expect(await tracked(range(4)).ds.filter((_, i) => i !== 1).toArray()).toEqual([0, 2, 3]);
      expect(await tracked(range(4)).ds.filter(() => false).toArray()).toEqual([]);
    });
  });

  describe('forEach', () => {
    it('calls back in order with indexes and awaits each call', async () => {
      const seen: [string, number][] = [];
      let running = 0;
      await tracked(['x', 'y', 'z']).ds.forEach(async (v, i) => {
        expect(running).toBe(0);
        running++;
        await new Promise((r) => setTimeout(r, 1));
        seen.push([v, i]);
        running--;
      });
      expect(seen).toEqual([
        ['x', 0],
        ['y', 1],
        ['z', 2],
      ]);
    });

    it('closes the source when the callback throws', async () => {
      const { ds, log } = tracked(range(10));
      await expect(
        ds.forEach((x) => {
          if (x === 4) throw new Error('stop');
        }),
      ).rejects.toThrow('stop');
      expect(log).toEqual({ calls: 1, starts: 1, pulled: 5, finallies: 1 });
    });
  });

  it('chains filter, map, batch and take', async () => {
    const { ds, log } = tracked(range(20));
    const out = await ds
      .filter((x) => x % 2 === 0)
      .map((x) => x * 10)
      .batch(3)
      .take(2)
      .toArray();
    expect(out).toEqual([
      [0, 20, 40],
      [60, 80, 100],
    ]);
    // 0..10 hold the six even numbers; nothing after 10 is read.
    expect(log).toEqual({ calls: 1, starts: 1, pulled: 11, finallies: 1 });
  });

  it('chains shuffle into batch deterministically', async () => {
    const run = () => tracked(range(30)).ds.shuffle({ bufferSize: 8, seed: 99 }).batch(4, { dropLast: true }).toArray();
    const a = await run();
    expect(a).toHaveLength(7);
    expect(a.every((b) => b.length === 4)).toBe(true);
    expect(await run()).toEqual(a);
  });

  describe('early exit releases the source', () => {
    it('on break in for await, at once', async () => {
      const { ds, log } = tracked(range(100));
      for await (const x of ds) {
        if (x === 2) break;
      }
      expect(log).toEqual({ calls: 1, starts: 1, pulled: 3, finallies: 1 });
    });

    it('on break through a chain of transforms', async () => {
      const { ds, log } = tracked(range(100));
      for await (const b of ds.map((x) => x + 1).filter(() => true).skip(1).batch(2).shuffle({ bufferSize: 1 })) {
        expect(b).toEqual([2, 3]);
        break;
      }
      // Source items 1-2 make the first batch; shuffle emits it only when the next batch (3-4) arrives.
      expect(log).toEqual({ calls: 1, starts: 1, pulled: 5, finallies: 1 });
    });

    it('on break while shuffle still holds a buffer', async () => {
      const { ds, log } = tracked(range(100));
      for await (const x of ds.shuffle({ bufferSize: 10, seed: 1 })) {
        expect(x).toBeLessThan(11);
        break;
      }
      expect(log).toEqual({ calls: 1, starts: 1, pulled: 11, finallies: 1 });
    });

    it('on return() from the consumer', async () => {
      const { ds, log } = tracked(range(100));
      const it = ds.map((x) => x)[Symbol.asyncIterator]();
      await it.next();
      await it.next();
      expect(log.finallies).toBe(0);
      expect(await it.return?.()).toEqual({ done: true, value: undefined });
      expect(log).toEqual({ calls: 1, starts: 1, pulled: 2, finallies: 1 });
      expect(await it.next()).toEqual({ done: true, value: undefined });
      expect(log.pulled).toBe(2);
    });

    it('on return() from the consumer of the root dataset', async () => {
      const { ds, log } = tracked(range(100));
      const it = ds[Symbol.asyncIterator]();
      await it.next();
      await it.return?.();
      expect(log).toEqual({ calls: 1, starts: 1, pulled: 1, finallies: 1 });
      expect(await it.next()).toEqual({ done: true, value: undefined });
      // A second return() is harmless and does not reach the source again.
      await it.return?.();
      expect(log.finallies).toBe(1);
    });

    it('when a map callback throws', async () => {
      const { ds, log } = tracked(range(100));
      const mapped = ds.map((x) => {
        if (x === 3) throw new Error('bad map');
        return x;
      });
      await expect(mapped.toArray()).rejects.toThrow('bad map');
      expect(log).toEqual({ calls: 1, starts: 1, pulled: 4, finallies: 1 });
    });

    it('when an async map callback rejects', async () => {
      const { ds, log } = tracked(range(100));
      await expect(
        ds
          .map(async (x) => {
            if (x === 1) throw new Error('bad async map');
            return x;
          })
          .batch(5)
          .toArray(),
      ).rejects.toThrow('bad async map');
      expect(log).toEqual({ calls: 1, starts: 1, pulled: 2, finallies: 1 });
    });

    it('when a filter callback throws', async () => {
      const { ds, log } = tracked(range(100));
      await expect(
        ds
          .filter((x) => {
            if (x === 0) throw new Error('bad filter');
            return true;
          })
          .toArray(),
      ).rejects.toThrow('bad filter');
      expect(log).toEqual({ calls: 1, starts: 1, pulled: 1, finallies: 1 });
    });

    it('when a for await body throws', async () => {
      const { ds, log } = tracked(range(100));
      await expect(
        (async () => {
          for await (const x of ds.take(50)) {
            if (x === 5) throw new Error('body');
          }
        })(),
      ).rejects.toThrow('body');
      expect(log).toEqual({ calls: 1, starts: 1, pulled: 6, finallies: 1 });
    });
  });

  describe('source errors', () => {
    it('propagate to the consumer through transforms', async () => {
      const { ds, log } = tracked(range(10), { failAfter: 4 });
      await expect(ds.toArray()).rejects.toThrow('source failed');
      await expect(ds.map((x) => x).batch(2).toArray()).rejects.toThrow('source failed');
      await expect(ds.shuffle({ bufferSize: 3 }).toArray()).rejects.toThrow('source failed');
      // Failing before the take is satisfied still fails; a take satisfied first never sees the failure.
      await expect(ds.take(5).toArray()).rejects.toThrow('source failed');
      expect(await ds.take(4).toArray()).toEqual([0, 1, 2, 3]);
      expect(log.starts).toBe(5);
      expect(log.finallies).toBe(5);
    });

    it('propagate when the source function throws', async () => {
      const ds = new AsyncDataset<number>(() => {
        throw new Error('cannot start');
      });
      await expect(ds.toArray()).rejects.toThrow('cannot start');
      await expect(ds.map((x) => x).toArray()).rejects.toThrow('cannot start');
    });

    it('do not lead to return() on an iterator that failed or finished', async () => {
      const failing = manualSource(range(10), { failAt: 2 });
      await expect(failing.ds.map((x) => x).toArray()).rejects.toThrow('next failed');
      expect(failing.log).toEqual({ nexts: 3, returns: 0 });
      const finished = manualSource(range(3));
      const it = finished.ds[Symbol.asyncIterator]();
      while (!(await it.next()).done);
      await it.return?.();
      expect(finished.log).toEqual({ nexts: 4, returns: 0 });
    });

    it('work with a source iterator that has no return()', async () => {
      const { ds, log } = manualSource(range(10), { withReturn: false });
      expect(await ds.take(2).toArray()).toEqual([0, 1]);
      const it = ds[Symbol.asyncIterator]();
      await it.next();
      expect(await it.return?.()).toEqual({ done: true, value: undefined });
      expect(await it.next()).toEqual({ done: true, value: undefined });
      expect(log.nexts).toBe(3);
    });

    it('report a source that returns no iterator', async () => {
      const ds = new AsyncDataset<number>(() => 42 as unknown as AsyncIterator<number>);
      await expectRejectCode(
        ds.toArray(),
        'EINVALIDARG',
        'Expected an AsyncIterator for the value returned by the dataset source but received the number 42',
      );
    });
  });

  it('can be extended with super(() => ...)', async () => {
    class Numbers extends AsyncDataset<number> {
      constructor(readonly n: number) {
        super(() => this.#gen());
      }
      async *#gen() {
        for (let i = 0; i < this.n; i++) yield i;
      }
    }
    const nums = new Numbers(4);
    expect(await nums.toArray()).toEqual([0, 1, 2, 3]);
    expect(await nums.map((x) => x * x).toArray()).toEqual([0, 1, 4, 9]);
    expect(nums).toBeInstanceOf(AsyncDataset);
  });

  describe('validation', () => {
    const { ds } = tracked(range(3));
    const badCounts: unknown[] = [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, '3', null, {}, 3n];

    it('checks the source', () => {
      for (const bad of [undefined, null, 1, 'x', {}, [() => {}]]) {
        expectCode(() => new AsyncDataset(bad as never), 'EINVALIDARG', /^Expected a function for the dataset source/);
      }
    });

    it('checks batch arguments', () => {
      for (const bad of [0, ...badCounts]) {
        expectCode(() => ds.batch(bad as number), 'EINVALIDARG', /^Expected a positive integer for the batch size/);
      }
      const zero = 'Expected a positive integer for the batch size but received the number 0';
      expectCode(() => ds.batch(0), 'EINVALIDARG', zero);
      expectCode(() => ds.batch(2, 'x' as never), 'EINVALIDARG', /for the batch options/);
      expectCode(() => ds.batch(2, [] as never), 'EINVALIDARG', /for the batch options/);
      expectCode(() => ds.batch(2, { dropLast: 1 as never }), 'EINVALIDARG', /for the batch option dropLast/);
      expect(ds.batch(2, null as never)).toBeInstanceOf(AsyncDataset);
    });

    it('checks shuffle options', () => {
      expectCode(() => ds.shuffle(undefined as never), 'EINVALIDARG', /for the shuffle option bufferSize/);
      expectCode(() => ds.shuffle({} as never), 'EINVALIDARG', /for the shuffle option bufferSize/);
      expectCode(() => ds.shuffle(5 as never), 'EINVALIDARG', /for the shuffle options/);
      for (const bad of [0, ...badCounts]) {
        expectCode(() => ds.shuffle({ bufferSize: bad as number }), 'EINVALIDARG', /positive integer.*bufferSize/);
      }
      for (const bad of [1.5, NaN, Infinity, 2 ** 53, '1', null, 1n]) {
        expectCode(
          () => ds.shuffle({ bufferSize: 2, seed: bad as number }),
          'EINVALIDARG',
          /^Expected an integer for the shuffle option seed/,
        );
      }
    });

    it('checks take and skip counts', () => {
      for (const bad of badCounts) {
        expectCode(() => ds.take(bad as number), 'EINVALIDARG', /^Expected a non-negative integer for .* take/);
        expectCode(() => ds.skip(bad as number), 'EINVALIDARG', /^Expected a non-negative integer for .* skip/);
      }
      const minusOne = 'Expected a non-negative integer for the number of elements to take but received the number -1';
      expectCode(() => ds.take(-1), 'EINVALIDARG', minusOne);
    });

    it('checks callbacks', async () => {
      for (const bad of [undefined, null, 1, 'f', {}]) {
        expectCode(() => ds.map(bad as never), 'EINVALIDARG', /^Expected a function for the map callback/);
        expectCode(() => ds.filter(bad as never), 'EINVALIDARG', /^Expected a function for the filter callback/);
        await expectRejectCode(ds.forEach(bad as never), 'EINVALIDARG', /^Expected a function for the forEach/);
      }
    });

    it('does not start the source when arguments are bad', async () => {
      const t = tracked(range(3));
      await expectRejectCode(t.ds.forEach(null as never), 'EINVALIDARG');
      expect(t.log.calls).toBe(0);
    });
  });
});

/** A ViewSource over `items` that checks and records every read. */
function viewSource<T>(items: readonly T[], withClose = true) {
  const reads: [number, number][] = [];
  let closes = 0;
  const source: ViewSource<T> = {
    length: items.length,
    read(start, count) {
      // The contract a native source relies on.
      expect(Number.isInteger(start) && start >= 0).toBe(true);
      expect(Number.isInteger(count) && count >= 1).toBe(true);
      expect(start + count).toBeLessThanOrEqual(items.length);
      reads.push([start, count]);
      return items.slice(start, start + count);
    },
  };
  if (withClose) source.close = () => void closes++;
  return { source, reads, closes: () => closes };
}

describe('DatasetView', () => {
  const letters = (n: number) => Array.from({ length: n }, (_, i) => `d${i}`);

  it('reports its length', () => {
    expect(new DatasetView(viewSource(letters(7)).source).length).toBe(7);
    expect(new DatasetView(viewSource([]).source).length).toBe(0);
  });

  it('at() matches Array.prototype.at for every index, in and out of range', () => {
    for (const n of [0, 1, 2, 5, 10]) {
      const items = letters(n);
      const { source, reads } = viewSource(items);
      const view = new DatasetView(source);
      for (let i = -n - 3; i <= n + 3; i++) expect(view.at(i), `n=${n} at(${i})`).toBe(items.at(i));
      for (const far of [2 ** 53 - 1, -(2 ** 53) + 1, 1e300, -1e300]) expect(view.at(far)).toBeUndefined();
      // Only in-range indexes read, one document each.
      expect(reads).toHaveLength(2 * n);
      expect(reads.every(([, count]) => count === 1)).toBe(true);
    }
  });

  it('slice() matches Array.prototype.slice for every start and end', () => {
    for (const n of [0, 1, 3, 8]) {
      const items = letters(n);
      const { source, reads } = viewSource(items);
      const view = new DatasetView(source);
      const bounds = [undefined, ...range(2 * n + 7).map((i) => i - n - 3), 1e300, -1e300];
      for (const start of bounds) {
        for (const end of bounds) {
          expect(view.slice(start, end), `n=${n} slice(${start}, ${end})`).toEqual(items.slice(start, end));
        }
      }
      expect(view.slice()).toEqual(items);
      // A slice is one read, and an empty one none.
      const nonEmpty = bounds.flatMap((s) => bounds.map((e) => items.slice(s, e).length)).filter((l) => l > 0).length;
      expect(reads).toHaveLength(nonEmpty + (n > 0 ? 1 : 0));
    }
  });

  it('iterates in order, 1000 documents per read', () => {
    const items = letters(2500);
    const { source, reads } = viewSource(items);
    const view = new DatasetView(source);
    const it = view[Symbol.iterator]();
    expect(reads).toEqual([]);
    expect(it.next()).toEqual({ done: false, value: 'd0' });
    expect(reads).toEqual([[0, 1000]]);
    expect([...view]).toEqual(items);
    expect(reads.slice(1)).toEqual([
      [0, 1000],
      [1000, 1000],
      [2000, 500],
    ]);
    // Iterable again, and with exact multiples of the chunk.
    expect([...view]).toEqual(items);
    const exact = viewSource(letters(2000));
    expect([...new DatasetView(exact.source)]).toEqual(letters(2000));
    expect(exact.reads).toEqual([
      [0, 1000],
      [1000, 1000],
    ]);
    const empty = viewSource([]);
    expect([...new DatasetView(empty.source)]).toEqual([]);
    expect(empty.reads).toEqual([]);
  });

  it('batches() yields consecutive chunks, one read each, and can be iterated again', () => {
    const items = letters(10);
    const { source, reads } = viewSource(items);
    const view = new DatasetView(source);
    const batches = view.batches(3);
    expect(reads).toEqual([]);
    expect([...batches]).toEqual([
      ['d0', 'd1', 'd2'],
      ['d3', 'd4', 'd5'],
      ['d6', 'd7', 'd8'],
      ['d9'],
    ]);
    expect(reads).toEqual([
      [0, 3],
      [3, 3],
      [6, 3],
      [9, 1],
    ]);
    expect([...batches]).toHaveLength(4);
    expect([...view.batches(5)]).toEqual([items.slice(0, 5), items.slice(5)]);
    expect([...view.batches(1)]).toEqual(items.map((d) => [d]));
    expect([...view.batches(100)]).toEqual([items]);
    expect([...new DatasetView(viewSource([]).source).batches(4)]).toEqual([]);
  });

  it('close() releases the source once; later reads throw ECLOSED', () => {
    const { source, closes } = viewSource(letters(5));
    const view = new DatasetView(source);
    const batches = view.batches(2);
    expect(view.closed).toBe(false);
    view.close();
    expect(view.closed).toBe(true);
    expect(closes()).toBe(1);
    view.close();
    expect(closes()).toBe(1);
    expect(view.length).toBe(5);
    const message = 'The dataset view is closed';
    expectCode(() => view.at(0), 'ECLOSED', message);
    expectCode(() => view.at(99), 'ECLOSED', message);
    expectCode(() => view.slice(), 'ECLOSED', message);
    expectCode(() => view.slice(3, 1), 'ECLOSED', message);
    expectCode(() => [...view], 'ECLOSED', message);
    expectCode(() => view.batches(2), 'ECLOSED', message);
    expectCode(() => [...batches], 'ECLOSED', message);
    // Argument errors still win: they are the caller's bug either way.
    expectCode(() => view.at(0.5), 'EINVALIDARG');
  });

  it('close() stops an iteration in progress at its next read', () => {
    const { source } = viewSource(letters(1500));
    const view = new DatasetView(source);
    const seen: string[] = [];
    expectCode(() => {
      for (const d of view) {
        seen.push(d);
        if (seen.length === 10) view.close();
      }
    }, 'ECLOSED');
    // The first chunk was already read; the second read is refused.
    expect(seen).toHaveLength(1000);
  });

  it('works with a source without close(), and closes an empty view', () => {
    const view = new DatasetView(viewSource(letters(3), false).source);
    expect([...view]).toEqual(letters(3));
    view.close();
    expect(view.closed).toBe(true);
    const empty = new DatasetView(viewSource([]).source);
    empty.close();
    expectCode(() => [...empty], 'ECLOSED');
  });

  it('tries the source close() only once even when it throws', () => {
    let calls = 0;
    const view = new DatasetView<number>({
      length: 0,
      read: () => [],
      close() {
        calls++;
        throw new Error('close failed');
      },
    });
    expect(() => view.close()).toThrow('close failed');
    view.close();
    expect(calls).toBe(1);
    expect(view.closed).toBe(true);
  });

  describe('validation', () => {
    const view = new DatasetView(viewSource(letters(5)).source);
    const nonIntegers: unknown[] = [0.5, -1.5, NaN, Infinity, -Infinity, '1', null, {}, [], 1n, true];

    it('checks at() indexes', () => {
      for (const bad of [...nonIntegers, undefined]) {
        expectCode(() => view.at(bad as number), 'EINVALIDARG', /^Expected an integer for the index but received/);
      }
      expectCode(() => view.at(1.5), 'EINVALIDARG', 'Expected an integer for the index but received the number 1.5');
    });

    it('checks slice() bounds', () => {
      for (const bad of nonIntegers) {
        expectCode(() => view.slice(bad as number), 'EINVALIDARG', /^Expected an integer for the slice start/);
        expectCode(() => view.slice(0, bad as number), 'EINVALIDARG', /^Expected an integer for the slice end/);
        expectCode(() => view.slice(undefined, bad as number), 'EINVALIDARG', /for the slice end/);
      }
    });

    it('checks batches() sizes', () => {
      for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 53, '2', null, undefined]) {
        expectCode(() => view.batches(bad as number), 'EINVALIDARG', /^Expected a positive integer for the batch size/);
      }
    });

    it('checks the source', () => {
      const read = () => [];
      const cases: [unknown, RegExp][] = [
        [undefined, /for the view source but/],
        [null, /for the view source but/],
        [5, /for the view source but/],
        [{ read }, /^Expected a non-negative integer for the view source length/],
        [{ length: -1, read }, /for the view source length/],
        [{ length: 1.5, read }, /for the view source length/],
        [{ length: '3', read }, /for the view source length/],
        [{ length: 3 }, /^Expected a function for the view source read/],
        [{ length: 3, read: 'x' }, /for the view source read/],
        [{ length: 3, read, close: 1 }, /^Expected a function for the view source close/],
      ];
      for (const [bad, message] of cases) expectCode(() => new DatasetView(bad as never), 'EINVALIDARG', message);
      expect(new DatasetView({ length: 0, read, close: undefined }).length).toBe(0);
    });
  });
});

describe('API reference', () => {
  it('documents every exported symbol and public member of lib/dataset.ts', () => {
    const file = join(__dirname, '..', 'lib', 'dataset.ts');
    const program = ts.createProgram([file], { strict: true, target: ts.ScriptTarget.ES2022, types: ['node'] });
    const checker = program.getTypeChecker();
    const missing: string[] = [];
    const documented = (sym: ts.Symbol) => sym.getDocumentationComment(checker).length > 0;
    for (const sym of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)!)!)) {
      if (!documented(sym)) missing.push(sym.getName());
      for (const m of sym.members?.values() ?? []) {
        const decl = m.declarations?.[0];
        const mods = decl && ts.canHaveModifiers(decl) ? (ts.getModifiers(decl) ?? []) : [];
        const hidden = mods.some((mod) => mod.kind === ts.SyntaxKind.PrivateKeyword) || m.getName().startsWith('#');
        if (hidden || m.flags & (ts.SymbolFlags.TypeParameter | ts.SymbolFlags.Constructor)) continue;
        if (!documented(m)) missing.push(`${sym.getName()}.${m.getName()}`);
      }
    }
    expect(missing).toEqual([]);
    // Pure TypeScript: nothing from the native addon.
    expect(program.getSourceFile(file)!.text).not.toMatch(/from '\.\/native'|types\/binding/);
  });
});
