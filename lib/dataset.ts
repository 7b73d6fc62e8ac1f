/**
 * Dataset helpers for ML and data scripts, after the upstream Python ZDS
 * `ZIterableDataset` (a stream with lazy transforms) and `ZDataset` (random
 * access by position over a fixed snapshot).
 *
 * This module knows nothing of the native engine: {@link AsyncDataset} takes a
 * function that starts a pass, {@link DatasetView} takes a {@link ViewSource}.
 *
 * @packageDocumentation
 */
import { ZdsError } from './errors';
import { expectBoolean, expectOptions, invalidArg } from './validate';

/** Options of {@link AsyncDataset.batch}. */
export interface BatchOptions {
  /** Leave out a last batch shorter than the batch size (default false). */
  dropLast?: boolean;
}

/** Options of {@link AsyncDataset.shuffle}. */
export interface ShuffleOptions {
  /** How many elements are held back to pick from; at least the input's length gives a uniform shuffle. */
  bufferSize: number;
  /** The seed of the random order (default 0); any safe integer, used modulo 2^32. */
  seed?: number;
}

/** Where a {@link DatasetView} gets its documents: a fixed snapshot read by position. */
export interface ViewSource<T> {
  /** How many documents the snapshot holds; it must not change. */
  readonly length: number;
  /**
   * Documents `[start, start + count)` in snapshot order. The view only asks
   * for `count >= 1` and `start + count <= length`.
   */
  read(start: number, count: number): T[];
  /** Releases the snapshot; called at most once, by {@link DatasetView.close}. */
  close?(): void;
}

// Views read this many documents per call while iterating: few enough to keep
// memory flat, many enough to amortise each read.
const VIEW_CHUNK = 1000;

function expectCount(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalidArg(min === 0 ? 'a non-negative integer' : 'a positive integer', what, value);
  }
  return value;
}

function expectFunction<F>(value: F, what: string): F {
  if (typeof value !== 'function') throw invalidArg('a function', what, value);
  return value;
}

function expectIndex(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArg('an integer', what, value);
  return value;
}

/** mulberry32: tiny, fast and well mixed; the same seed gives the same sequence on every platform. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One pass over a dataset's source. The source is started only at the first
 * `next()`, so an iterator that is made and dropped (or returned at once)
 * never opens a native scan. After the source ends or fails, `return()` is not
 * forwarded: like `for await`, we close only iterators that are still open.
 */
class Pass<T> implements AsyncIterableIterator<T> {
  #start: (() => AsyncIterator<T>) | undefined;
  #it: AsyncIterator<T> | undefined;
  #done = false;

  constructor(start: () => AsyncIterator<T>) {
    this.#start = start;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#done) return Promise.resolve({ done: true, value: undefined });
    let result: Promise<IteratorResult<T>>;
    try {
      result = Promise.resolve(this.#open().next());
    } catch (err) {
      this.#done = true;
      return Promise.reject(err);
    }
    return result.then(
      (r) => {
        if (r.done) this.#done = true;
        return r;
      },
      (err: unknown) => {
        this.#done = true;
        throw err;
      },
    );
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    const it = this.#it;
    const open = !this.#done;
    this.#done = true;
    this.#start = undefined;
    if (open && it !== undefined && typeof it.return === 'function') return Promise.resolve(it.return(value));
    return Promise.resolve({ done: true, value: value as T });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #open(): AsyncIterator<T> {
    if (this.#it !== undefined) return this.#it;
    const start = this.#start!;
    this.#start = undefined;
    const it = start();
    if (it === null || typeof it !== 'object' || typeof it.next !== 'function') {
      throw invalidArg('an AsyncIterator', 'the value returned by the dataset source', it);
    }
    this.#it = it;
    return it;
  }
}

/**
 * An async iterable of `T` with chainable, lazy transforms, for feeding
 * training loops and data scripts.
 *
 * Nothing is read until the dataset is iterated, and every `for await` (or
 * {@link AsyncDataset.toArray}, {@link AsyncDataset.forEach}) starts a fresh
 * pass over the source. Ending a pass early - `break`, `return()`, a satisfied
 * {@link AsyncDataset.take}, a throwing callback - closes the source at once,
 * so the scan under it is released without waiting for garbage collection.
 *
 * @example
 * ```ts
 * for await (const batch of coll.find({ split: 'train' }).shuffle({ bufferSize: 10_000, seed: epoch }).batch(32)) {
 *   await step(batch);
 * }
 * ```
 *
 * @typeParam T - the type of the elements
 */
export class AsyncDataset<T> implements AsyncIterable<T> {
  readonly #source: () => AsyncIterator<T>;

  /**
   * @param source - called once per pass to start it; must return a fresh `AsyncIterator`
   *   (an async generator is the easy way), whose `return()` releases whatever the pass holds
   */
  constructor(source: () => AsyncIterator<T>) {
    this.#source = expectFunction(source, 'the dataset source');
  }

  /** Starts a fresh pass over the source (lazily: the source is called at the first `next()`). */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new Pass(this.#source);
  }

  /**
   * Groups consecutive elements into arrays of `size`; the last one is shorter
   * when the input does not divide evenly, unless `dropLast` is set.
   * @param size - elements per batch, at least 1
   */
  batch(size: number, options?: BatchOptions): AsyncDataset<T[]> {
    expectCount(size, 'the batch size', 1);
    const opts = expectOptions(options, 'the batch options');
    const dropLast = expectBoolean(opts.dropLast, 'the batch option dropLast', false);
    return this.#derive(async function* (input) {
      let chunk: T[] = [];
      for await (const value of input) {
        chunk.push(value);
        if (chunk.length === size) {
          yield chunk;
          chunk = [];
        }
      }
      if (chunk.length > 0 && !dropLast) yield chunk;
    });
  }

  /**
   * Shuffles through a buffer, like `tf.data` and PyTorch iterable datasets:
   * the first `bufferSize` elements fill the buffer, then each further input
   * pushes out a random buffered element; the rest drain in random order.
   * The output is a permutation of the input; a larger buffer mixes more
   * (one at least the input's length gives a uniform shuffle), and a buffer
   * of 1 keeps the input order.
   *
   * The order depends only on the seed and the input, and every pass replays
   * it: pass a different seed per epoch (e.g. the epoch number) to reshuffle.
   */
  shuffle(options: ShuffleOptions): AsyncDataset<T> {
    const opts = expectOptions(options, 'the shuffle options');
    const bufferSize = expectCount(opts.bufferSize, 'the shuffle option bufferSize', 1);
    const seed = opts.seed === undefined ? 0 : opts.seed;
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
      throw invalidArg('an integer', 'the shuffle option seed', seed);
    }
    return this.#derive(async function* (input) {
      const random = mulberry32(seed);
      const buffer: T[] = [];
      for await (const value of input) {
        if (buffer.length < bufferSize) {
          buffer.push(value);
          continue;
        }
        const i = Math.floor(random() * bufferSize);
        const out = buffer[i];
        buffer[i] = value;
        yield out;
      }
      // Draining by swap-with-last is a Fisher-Yates shuffle of what is left.
      while (buffer.length > 0) {
        const i = Math.floor(random() * buffer.length);
        const out = buffer[i];
        buffer[i] = buffer[buffer.length - 1];
        buffer.pop();
        yield out;
      }
    });
  }

  /**
   * The first `n` elements. The source is closed as soon as the n-th element
   * arrives (before it is handed on), and element n + 1 is never read.
   * @param n - how many elements to keep, 0 or more
   */
  take(n: number): AsyncDataset<T> {
    expectCount(n, 'the number of elements to take', 0);
    return this.#derive(async function* (input) {
      if (n === 0) return;
      let seen = 0;
      let last: T | undefined;
      for await (const value of input) {
        if (++seen < n) {
          yield value;
        } else {
          last = value;
          // Leaving the loop closes the source now, not when the consumer next asks.
          break;
        }
      }
      if (seen >= n) yield last as T;
    });
  }

  /**
   * Every element after the first `n`.
   * @param n - how many elements to drop, 0 or more
   */
  skip(n: number): AsyncDataset<T> {
    expectCount(n, 'the number of elements to skip', 0);
    return this.#derive(async function* (input) {
      let seen = 0;
      for await (const value of input) {
        if (seen < n) seen++;
        else yield value;
      }
    });
  }

  /**
   * Each element passed through `fn`, one at a time (an async `fn` is awaited
   * before the next element is read). If `fn` throws, the source is closed.
   * @param fn - gets the element and its position in this dataset
   */
  map<U>(fn: (value: T, index: number) => U | Promise<U>): AsyncDataset<U> {
    expectFunction(fn, 'the map callback');
    return this.#derive(async function* (input) {
      let index = 0;
      for await (const value of input) yield await fn(value, index++);
    });
  }

  /**
   * The elements for which `fn` returns a truthy value (an async `fn` is
   * awaited). If `fn` throws, the source is closed.
   * @param fn - gets the element and its position in this dataset
   */
  filter(fn: (value: T, index: number) => boolean | Promise<boolean>): AsyncDataset<T> {
    expectFunction(fn, 'the filter callback');
    return this.#derive(async function* (input) {
      let index = 0;
      for await (const value of input) {
        if (await fn(value, index++)) yield value;
      }
    });
  }

  /** Reads a whole pass into an array. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const value of this) out.push(value);
    return out;
  }

  /**
   * Calls `fn` on each element in order, awaiting it before reading the next.
   * If `fn` throws, the source is closed and the promise rejects with the error;
   * a non-function `fn` rejects with `EINVALIDARG`.
   * @param fn - gets the element and its position in this dataset
   */
  async forEach(fn: (value: T, index: number) => void | Promise<void>): Promise<void> {
    expectFunction(fn, 'the forEach callback');
    let index = 0;
    for await (const value of this) await fn(value, index++);
  }

  /**
   * A dataset whose passes run `transform` over a fresh pass of this one. The
   * transforms iterate with `for await`, which calls the input's `return()`
   * whenever they stop early: on `break`, on a throw, or when their own
   * consumer returns while they wait at a `yield`.
   */
  #derive<U>(transform: (input: AsyncIterable<T>) => AsyncGenerator<U, void, undefined>): AsyncDataset<U> {
    return new AsyncDataset<U>(() => transform(this));
  }
}

/**
 * A map-style, random-access view over a fixed snapshot of documents in a
 * stable order (the upstream `ZDataset`): index it, slice it, iterate it as
 * often as needed, then {@link DatasetView.close} it to release the snapshot.
 *
 * Index arguments must be integers; otherwise `at` and `slice` behave like
 * their `Array.prototype` namesakes (negative counts from the end, out of
 * range clamps or gives `undefined`).
 *
 * @typeParam T - the type of the documents
 */
export class DatasetView<T> implements Iterable<T> {
  /** How many documents the snapshot holds (fixed; still readable after close). */
  readonly length: number;
  readonly #source: ViewSource<T>;
  #closed = false;

  /** @param source - the snapshot to read; the view calls its `close` once, from {@link DatasetView.close} */
  constructor(source: ViewSource<T>) {
    if (source === null || typeof source !== 'object') {
      throw invalidArg('a ViewSource object', 'the view source', source);
    }
    this.length = expectCount(source.length, 'the view source length', 0);
    expectFunction(source.read, 'the view source read');
    if (source.close !== undefined) expectFunction(source.close, 'the view source close');
    this.#source = source;
  }

  /** True after {@link DatasetView.close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The document at `index`, or `undefined` when out of range.
   * @param index - an integer; negative counts back from the end (-1 is the last)
   */
  at(index: number): T | undefined {
    expectIndex(index, 'the index');
    const i = index < 0 ? this.length + index : index;
    this.#check();
    if (i < 0 || i >= this.length) return undefined;
    return this.#source.read(i, 1)[0];
  }

  /**
   * The documents from `start` up to (not including) `end`, read at once.
   * @param start - an integer, default 0; negative counts back from the end
   * @param end - an integer, default the length; negative counts back from the end
   */
  slice(start?: number, end?: number): T[] {
    const from = start === undefined ? 0 : clamp(expectIndex(start, 'the slice start'), this.length);
    const to = end === undefined ? this.length : clamp(expectIndex(end, 'the slice end'), this.length);
    this.#check();
    return to > from ? this.#source.read(from, to - from) : [];
  }

  /** Every document in order, read 1000 at a time. */
  *[Symbol.iterator](): Iterator<T> {
    this.#check();
    for (let start = 0; start < this.length; start += VIEW_CHUNK) {
      yield* this.#read(start, Math.min(VIEW_CHUNK, this.length - start));
    }
  }

  /**
   * Consecutive batches of `size` documents (the last may be shorter), one
   * read per batch. The result can be iterated more than once.
   * @param size - documents per batch, at least 1
   */
  batches(size: number): Iterable<T[]> {
    expectCount(size, 'the batch size', 1);
    this.#check();
    const view = this;
    return {
      *[Symbol.iterator]() {
        view.#check();
        for (let start = 0; start < view.length; start += size) {
          yield view.#read(start, Math.min(size, view.length - start));
        }
      },
    };
  }

  /** Releases the snapshot. Further reads throw `ECLOSED`; closing twice is fine. */
  close(): void {
    if (this.#closed) return;
    // Marked first so a throwing source.close is still attempted only once.
    this.#closed = true;
    this.#source.close?.();
  }

  #read(start: number, count: number): T[] {
    this.#check();
    return this.#source.read(start, count);
  }

  #check(): void {
    if (this.#closed) throw new ZdsError('ECLOSED', 'The dataset view is closed');
  }
}

/** Array.prototype.slice's rule for one bound: negative counts from the end, then clamp into [0, length]. */
function clamp(index: number, length: number): number {
  return index < 0 ? Math.max(length + index, 0) : Math.min(index, length);
}
