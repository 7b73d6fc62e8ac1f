// The result of Collection.find: a query run natively over a snapshot,
// read synchronously or on the libuv threadpool in batches.
import type { Readable } from 'node:stream';
import type { NativeCollection, NativeCursor } from '../types/binding';
import { AsyncDataset, type BatchOptions, type ShuffleOptions } from './dataset';
import { binding } from './native';
import type { QueryPlan } from './query';
import { ALL_BYTES, BATCH, BATCH_BYTES, FIRST_BATCH } from './scan';
import { documentStream } from './stream';

const JSON_ARRAY = 2 as const;
const LINES = 0 as const;

/** The batch a cursor read turned into values: parsed documents, or Buffers when raw. */
function decode<T>(batch: string | Buffer | Buffer[], raw: boolean): T[] {
  return (raw ? batch : JSON.parse(batch as string)) as T[];
}

/**
 * A query over a collection, from {@link Collection.find}. Nothing is read
 * until it is iterated; each iteration is a fresh scan of the documents live
 * when it starts (later writes are not seen by it).
 *
 * - `for (const doc of query)` and {@link Query.toArray} read on the calling thread;
 * - `for await (const doc of query)` reads each batch (64 documents first,
 *   then 1,000) on the libuv threadpool, so the event loop only parses;
 * - `batch`, `shuffle`, `take`, `skip`, `map` and `filter` chain dataset steps
 *   on the async iteration.
 *
 * @typeParam T - the type of each result
 */
export class Query<T> implements Iterable<T>, AsyncIterable<T> {
  #native: NativeCollection;
  #plan: QueryPlan;

  /** @internal Use {@link Collection.find}. */
  constructor(native: NativeCollection, plan: QueryPlan) {
    this.#native = native;
    this.#plan = plan;
  }

  // A lazy cursor takes its snapshot with its first read: on the threadpool
  // for async reads, so not even that holds the event loop.
  #open(lazy = false): NativeCursor {
    return new binding.NativeCursor(this.#native, this.#plan.spec, lazy);
  }

  /** Every result, read on the calling thread. */
  toArray(): T[] {
    this.#plan.signal?.throwIfAborted();
    const cursor = this.#open();
    const form = this.#plan.raw ? LINES : JSON_ARRAY;
    try {
      let out: T[] = [];
      for (let b = cursor.next(0xffffffff, ALL_BYTES, form); b !== null; b = cursor.next(0xffffffff, ALL_BYTES, form)) {
        const docs = decode<T>(b, this.#plan.raw);
        out = out.length === 0 ? docs : out.concat(docs);
      }
      return out;
    } finally {
      cursor.close();
    }
  }

  /** Every result, read on the threadpool. */
  async toArrayAsync(): Promise<T[]> {
    const out: T[] = [];
    for await (const doc of this) out.push(doc);
    return out;
  }

  /** Iterates on the calling thread, batch by batch. */
  *[Symbol.iterator](): Iterator<T> {
    const { raw, signal } = this.#plan;
    signal?.throwIfAborted();
    const cursor = this.#open();
    const form = raw ? LINES : JSON_ARRAY;
    try {
      let size = FIRST_BATCH;
      for (let b = cursor.next(size, BATCH_BYTES, form); b !== null; b = cursor.next(size, BATCH_BYTES, form)) {
        size = BATCH;
        for (const doc of decode<T>(b, raw)) {
          signal?.throwIfAborted();
          yield doc;
        }
      }
    } finally {
      cursor.close();
    }
  }

  /**
   * Iterates with each batch read on the threadpool; `break` or the signal
   * stop the scan at once. The next batch is read while this one is handed
   * out, so scanning and parsing overlap.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    const { raw, signal } = this.#plan;
    signal?.throwIfAborted();
    const cursor = this.#open(true);
    const form = raw ? LINES : JSON_ARRAY;
    // Abort closes the cursor, which also stops a batch being read.
    const onAbort = () => cursor.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    let ahead: Promise<string | Buffer | Buffer[] | null> | undefined = cursor.nextAsync(FIRST_BATCH, BATCH_BYTES, form);
    try {
      for (;;) {
        let b: string | Buffer | Buffer[] | null;
        try {
          b = await ahead;
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          throw err;
        } finally {
          ahead = undefined;
        }
        if (signal?.aborted) throw signal.reason;
        if (b === null) return;
        ahead = cursor.nextAsync(BATCH, BATCH_BYTES, form);
        for (const doc of decode<T>(b, raw)) {
          yield doc;
          if (signal?.aborted) throw signal.reason;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      cursor.close();
      // A read still in flight stops at once (closed cursor) and fails; wait
      // for it so that the scan is gone when `break` or return() completes.
      if (ahead) await ahead.catch(() => undefined);
    }
  }

  /** How many documents the filter selects, ignoring `skip` and `limit`; no documents are made. */
  count(): number {
    const cursor = this.#open();
    try {
      return cursor.count();
    } finally {
      cursor.close();
    }
  }

  /** A Node `Readable` in object mode over the results, with backpressure. */
  stream(options?: { highWaterMark?: number }): Readable {
    return documentStream(() => this.#open(true), { raw: this.#plan.raw, signal: this.#plan.signal, ...options });
  }

  #dataset(): AsyncDataset<T> {
    return new AsyncDataset<T>(() => this[Symbol.asyncIterator]());
  }

  /** Groups results into arrays of `size` (see {@link AsyncDataset.batch}). */
  batch(size: number, options?: BatchOptions): AsyncDataset<T[]> {
    return this.#dataset().batch(size, options);
  }

  /** A buffered shuffle, deterministic for a seed (see {@link AsyncDataset.shuffle}). */
  shuffle(options: ShuffleOptions): AsyncDataset<T> {
    return this.#dataset().shuffle(options);
  }

  /** The first `n` results; the scan stops after them. */
  take(n: number): AsyncDataset<T> {
    return this.#dataset().take(n);
  }

  /** All but the first `n` results (the `skip` option skips natively instead). */
  skip(n: number): AsyncDataset<T> {
    return this.#dataset().skip(n);
  }

  /** Each result through `fn`. */
  map<U>(fn: (value: T, index: number) => U | Promise<U>): AsyncDataset<U> {
    return this.#dataset().map(fn);
  }

  /** Only the results `fn` accepts. */
  filter(fn: (value: T, index: number) => boolean | Promise<boolean>): AsyncDataset<T> {
    return this.#dataset().filter(fn);
  }
}

/**
 * How many scans (iterations, queries, streams and views not yet finished,
 * closed or garbage-collected) are open in this process. A number that only
 * grows points at iterators abandoned without `break`/`return()`.
 */
export function openScans(): number {
  return binding.openScans();
}
