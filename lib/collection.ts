import type { NativeCollection, NativeRecovery, NativeRoot } from '../types/binding';
import { ZdsError } from './errors';
import { flushAtExit } from './exit-flush';
import { binding } from './native';
import type { Readable } from 'node:stream';
import { DatasetView } from './dataset';
import { Query } from './find';
import { matchesAll, planQuery, type Filter, type FindOptions } from './query';
import { readJsonl, readLines } from './scan';
import { parseWithoutId, toLine } from './serialize';
import { importJsonl, jsonlStream, type ImportJob, type ImportOptions } from './stream';
import { expectDocId, invalidArg } from './validate';

// putManyAsync serialises this many documents (~1 ms of work) between turns
// of the event loop.
const PUT_MANY_CHUNK = 1000;

/** A stored document as zds returns it: the fields you stored plus its `_id`. */
export type WithId<T> = T & { _id: string };

/** What opening a collection had to repair; see FORMAT.md "Opening and recovery". */
export interface RecoveryReport {
  /** index.bin was missing, corrupt, stale or written by another tool, so the index was rebuilt from data.jsonl. */
  indexRebuilt: boolean;
  /** Why the index was rebuilt, or null when index.bin was used as is. */
  indexReason: string | null;
  /** Lines of data.jsonl beyond the saved index that were applied at open. */
  replayedLines: number;
  /** Bytes of a torn last line cut off (writable) or ignored (read-only). */
  truncatedBytes: number;
  /** Byte offset where the torn line began, or null. */
  tornOffset: number | null;
  /** A valid last line lacked its newline and got one. */
  newlineAdded: boolean;
  /** Documents another tool had deleted only from its index; zds wrote their deletes down. */
  foreignDeletes: number;
  /** Malformed lines skipped because the collection was opened with `skipCorrupt`. */
  skippedLines: { line: number; offset: number; reason: string }[];
}

/** Options of {@link Store.collection}. */
export interface CollectionOptions {
  /** Documents buffered in memory before they are handed to the OS (default: the store's). */
  batchSize?: number;
  /** Open despite malformed lines in data.jsonl, skipping and reporting them (default false). */
  skipCorrupt?: boolean;
}

/** @internal */
export interface CollectionInit {
  root: NativeRoot;
  name: string;
  readOnly: boolean;
  skipCorrupt: boolean;
  batchSize: number;
  onClose?: (c: Collection<any>) => void;
  /** A handle already opened (by NativeCollection.openAsync). */
  native?: NativeCollection;
}

function warnAboutRecovery(name: string, r: NativeRecovery): void {
  const parts: string[] = [];
  if (r.truncatedBytes > 0) parts.push(`cut off a torn last line of ${r.truncatedBytes} bytes at offset ${r.tornOffset}`);
  if (r.skippedLines.length > 0) {
    parts.push(`skipped ${r.skippedLines.length} malformed line(s): ${r.skippedLines.slice(0, 5).map((s) => s.line).join(', ')}`);
  }
  if (parts.length > 0) {
    process.emitWarning(`zds: collection '${name}': ${parts.join('; ')}`, { code: 'ZDS_RECOVERED' });
  }
}

/**
 * One collection of a store: documents of type `T` stored by id.
 *
 * Writes are buffered and become durable at {@link Collection.flush} or
 * {@link Collection.close}; reads see every accepted write at once.
 * Iteration returns documents in data.jsonl order of their latest version.
 *
 * @typeParam T - the shape of the documents (without `_id`)
 */
export class Collection<T extends object = Record<string, unknown>> {
  /** The collection's name. */
  readonly name: string;
  /** True when writes are refused. */
  readonly readOnly: boolean;
  #native: NativeCollection;
  #onClose?: (c: Collection<any>) => void;
  #unregister?: () => void;

  /** @internal Use {@link Store.collection}. */
  constructor(init: CollectionInit) {
    this.name = init.name;
    this.readOnly = init.readOnly;
    this.#native =
      init.native ?? new binding.NativeCollection(init.root, init.name, init.readOnly, init.skipCorrupt, init.batchSize);
    this.#onClose = init.onClose;
    if (!init.readOnly) this.#unregister = flushAtExit(this.#native);
    warnAboutRecovery(init.name, this.#native.recovery());
  }

  /** Stores `doc` under `id`, replacing any earlier version. */
  put(id: string, doc: T): void {
    expectDocId(id);
    this.#native.put(toLine(id, doc));
  }

  /**
   * Stores many documents; returns how many.
   * @param entries - `[id, doc]` pairs, e.g. an array or a `Map`
   */
  putMany(entries: Iterable<readonly [string, T]>): number {
    if (entries === null || typeof (entries as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw invalidArg('an iterable of [id, doc] pairs', 'entries', entries);
    }
    let n = 0;
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2) throw invalidArg('an [id, doc] pair', `entry ${n}`, entry);
      this.put(entry[0], entry[1]);
      n++;
    }
    return n;
  }

  /**
   * {@link Collection.putMany} that yields to the event loop between chunks
   * of documents and writes each chunk on the libuv threadpool; resolves to
   * how many documents were stored.
   */
  async putManyAsync(entries: Iterable<readonly [string, T]> | AsyncIterable<readonly [string, T]>): Promise<number> {
    const it = entries as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null;
    if (it === null || (typeof it?.[Symbol.iterator] !== 'function' && typeof it?.[Symbol.asyncIterator] !== 'function')) {
      throw invalidArg('an iterable of [id, doc] pairs', 'entries', entries);
    }
    let n = 0;
    let lines: string[] = [];
    const write = async () => {
      if (lines.length === 0) return;
      const buf = Buffer.from(lines.join('\n') + '\n');
      lines = [];
      await this.#native.writeJsonlAsync(buf);
    };
    for await (const entry of entries as AsyncIterable<readonly [string, T]>) {
      if (!Array.isArray(entry) || entry.length !== 2) throw invalidArg('an [id, doc] pair', `entry ${n}`, entry);
      expectDocId(entry[0]);
      if (this.readOnly) throw new ZdsError('EREADONLY', `Collection '${this.name}' is open read-only`);
      lines.push(toLine(entry[0], entry[1]));
      n++;
      if (lines.length >= PUT_MANY_CHUNK) await write();
    }
    await write();
    return n;
  }

  /** The document stored under `id` (with its `_id`), or `undefined`. */
  get(id: string): WithId<T> | undefined {
    expectDocId(id);
    const text = this.#native.get(id, false);
    return text === undefined ? undefined : (JSON.parse(text) as WithId<T>);
  }

  /** @internal The document without `_id`, or undefined (the upstream API's shape). */
  getWithoutId(id: string): Record<string, unknown> | undefined {
    expectDocId(id);
    const text = this.#native.get(id, true);
    return text === undefined ? undefined : parseWithoutId(text);
  }

  /** The documents stored under `ids`, in the same order; `undefined` where missing. */
  getMany(ids: readonly string[]): (WithId<T> | undefined)[] {
    if (!Array.isArray(ids)) throw invalidArg('an array of ids', 'ids', ids);
    ids.forEach(expectDocId);
    const docs = JSON.parse(this.#native.getMany(ids as string[])) as (WithId<T> | null)[];
    return docs.map((d) => (d === null ? undefined : d));
  }

  /** True when a document is stored under `id`. */
  has(id: string): boolean {
    expectDocId(id);
    return this.#native.exists(id);
  }

  /** Deletes the document under `id`; returns false when there was none. */
  delete(id: string): boolean {
    expectDocId(id);
    return this.#native.delete(id);
  }

  /**
   * How many documents match `filter` (all of them without one). The filter
   * runs natively; no JS objects are made.
   */
  count(filter?: Filter): number {
    if (matchesAll(filter)) return this.#native.count();
    const cursor = new binding.NativeCursor(this.#native, planQuery(filter, undefined).spec);
    try {
      return cursor.count();
    } finally {
      cursor.close();
    }
  }

  /** {@link Collection.count} with the scan on the libuv threadpool. */
  async countAsync(filter?: Filter): Promise<number> {
    if (matchesAll(filter)) return this.#native.count();
    const cursor = new binding.NativeCursor(this.#native, planQuery(filter, undefined).spec, true);
    try {
      return await cursor.countAsync();
    } finally {
      cursor.close();
    }
  }

  /**
   * The documents matching `filter` (README "Queries"), as a {@link Query}:
   * iterate it (`for await` reads off the main thread), or call `toArray()`.
   * With `raw: true` each result is a Buffer of JSON.
   */
  find(filter?: Filter, options?: FindOptions & { raw?: false }): Query<WithId<T>>;
  find(filter: Filter | undefined, options: FindOptions & { raw: true }): Query<Buffer>;
  find(filter?: Filter, options?: FindOptions): Query<WithId<T>> | Query<Buffer>;
  find(filter?: Filter, options?: FindOptions): Query<WithId<T>> | Query<Buffer> {
    const plan = planQuery(filter, options);
    return plan.raw ? new Query<Buffer>(this.#native, plan) : new Query<WithId<T>>(this.#native, plan);
  }

  /** The first document `find(filter, options)` would return, or `undefined`. */
  findOne(filter?: Filter, options?: FindOptions): WithId<T> | undefined {
    planQuery(filter, options);  // the caller's options must be valid too
    const plan = planQuery(filter, { ...(options as object), limit: 1 });
    return new Query<WithId<T>>(this.#native, plan).toArray()[0];
  }

  /**
   * The distinct values of `field` among the documents matching `filter`, in
   * first-seen order; array values contribute their elements.
   */
  distinct(field: string, filter?: Filter): unknown[] {
    if (typeof field !== 'string') throw invalidArg('a field path string', 'field', field);
    const cursor = new binding.NativeCursor(this.#native, planQuery(filter, undefined, field).spec);
    try {
      return JSON.parse(cursor.distinct()) as unknown[];
    } finally {
      cursor.close();
    }
  }

  /** {@link Collection.distinct} with the scan on the libuv threadpool. */
  async distinctAsync(field: string, filter?: Filter): Promise<unknown[]> {
    if (typeof field !== 'string') throw invalidArg('a field path string', 'field', field);
    const cursor = new binding.NativeCursor(this.#native, planQuery(filter, undefined, field).spec, true);
    try {
      return JSON.parse(await cursor.distinctAsync()) as unknown[];
    } finally {
      cursor.close();
    }
  }

  /**
   * A map-style view: the documents matching `filter` (all without one) in
   * a fixed order — `sort`'s, or scan order — with `at(i)` and `slice(a, b)`.
   * It holds a snapshot until {@link DatasetView.close}.
   */
  view(filter?: Filter, options?: Omit<FindOptions, 'raw' | 'signal'>): DatasetView<WithId<T>> {
    const cursor = new binding.NativeCursor(this.#native, planQuery(filter, options).spec);
    let length: number;
    try {
      length = cursor.select();
    } catch (err) {
      cursor.close();
      throw err;
    }
    return new DatasetView<WithId<T>>({
      length,
      read: (start, count) => JSON.parse(cursor.readAt(start, count, 2) as string) as WithId<T>[],
      close: () => cursor.close(),
    });
  }

  /** A Node `Readable` (object mode, backpressure) of the documents matching `filter`. */
  stream(filter?: Filter, options?: FindOptions & { highWaterMark?: number }): Readable {
    const { highWaterMark, ...rest } = options ?? {};
    return new Query<unknown>(this.#native, planQuery(filter, rest)).stream({ highWaterMark });
  }

  /** A byte stream of the matching documents as JSONL (one line each). */
  exportJsonl(filter?: Filter, options?: { signal?: AbortSignal }): Readable {
    const plan = planQuery(filter, options);
    return jsonlStream(() => new binding.NativeCursor(this.#native, plan.spec, true), { signal: plan.signal });
  }

  /**
   * Imports JSONL (each line a document with its string `"_id"`) from a
   * stream, an async iterable of chunks, or a file path, without holding it
   * all in memory. The returned job is awaitable and emits `'progress'`.
   */
  importJsonl(source: Readable | AsyncIterable<Buffer | string> | string, options?: ImportOptions): ImportJob {
    return importJsonl(this.#native, source, options);
  }

  /** Every id, in iteration order. */
  ids(): string[] {
    return this.#native.listIds();
  }

  /** Every document (with `_id`), in iteration order, as one array. */
  toArray(): WithId<T>[] {
    return this.find().toArray();
  }

  /** Every stored line as its own Buffer (JSON bytes, no newline). */
  rawLines(): Buffer[] {
    return readLines(this.#native);
  }

  /** Every live document as JSONL bytes in one Buffer. */
  toJsonl(): Buffer {
    return readJsonl(this.#native);
  }

  /**
   * Appends pre-serialised JSONL (the fast import path); returns how many lines.
   * Every line is validated before any is written. With `ids`, line i is
   * stored under ids[i] (a line without `_id` gets it); without, each line
   * must carry its own string `_id`.
   */
  writeJsonl(data: Buffer | Uint8Array | string, ids?: readonly string[]): number {
    const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.isBuffer(data) ? data : data instanceof Uint8Array ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : undefined;
    if (buf === undefined) throw invalidArg('a Buffer or string of JSONL', 'data', data);
    if (ids === undefined) return this.#native.writeJsonl(buf);
    if (!Array.isArray(ids)) throw invalidArg('an array of ids', 'ids', ids);
    ids.forEach(expectDocId);
    return this.#native.writeJsonl(buf, ids as string[]);
  }

  /** Iterates documents synchronously, reading in batches (as `find()`). */
  [Symbol.iterator](): Iterator<WithId<T>> {
    return this.find()[Symbol.iterator]();
  }

  /** Iterates documents with the reads done off the main thread (as `find()`). */
  [Symbol.asyncIterator](): AsyncIterator<WithId<T>> {
    return this.find()[Symbol.asyncIterator]();
  }

  /** Makes every accepted write durable: data.jsonl fsynced, index.bin replaced atomically. */
  flush(): void {
    this.#native.flush();
  }

  /** {@link Collection.flush} on the libuv threadpool. */
  flushAsync(): Promise<void> {
    return this.#native.flushAsync();
  }

  /** Rewrites data.jsonl with live documents only (atomically), dropping old versions and deletes. */
  compact(): void {
    this.#native.compact();
  }

  /** {@link Collection.compact} on the libuv threadpool. */
  compactAsync(): Promise<void> {
    return this.#native.compactAsync();
  }

  /** Read-only handles: pick up what a writer has flushed since open. Writable handles are always current. */
  refresh(): void {
    this.#native.refresh();
  }

  /** Sizes: bytes of the in-memory index and of data.jsonl (buffered writes included). */
  get stats(): { indexBytes: number; dataBytes: number } {
    return this.#native.stats();
  }

  /** What opening the collection had to repair. */
  get recovery(): RecoveryReport {
    return this.#native.recovery();
  }

  /** True after {@link Collection.close}. */
  get closed(): boolean {
    return this.#native.closed;
  }

  /** Flushes and releases this handle. Further calls throw `ECLOSED`; closing twice is fine. */
  close(): void {
    if (this.#native.closed) return;
    try {
      this.#native.close();
    } finally {
      this.#unregister?.();
      this.#onClose?.(this);
    }
  }

  /** @internal Throws ENOTFOUND for the upstream API. */
  static notFound(name: string, id: string): ZdsError {
    return new ZdsError('ENOTFOUND', `No document '${id}' in collection '${name}'`);
  }
}
