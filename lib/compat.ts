/**
 * The synchronous API of the upstream `@zippydata/core` 0.1.x package, so
 * existing code switches to zds by changing its import.
 *
 * @packageDocumentation
 */
import type { PackOptions } from './archive';
import type { Collection } from './collection';
import { Collection as CollectionClass } from './collection';
import { ZdsError } from './errors';
import { binding } from './native';
import { DEFAULT_BATCH_SIZE, Store } from './store';
import { expectBoolean, expectCollectionName, expectDocId, expectOptions, expectPath, expectPositiveInt, invalidArg } from './validate';

/** The zds version, e.g. `"0.1.0"`. */
export function version(): string {
  return binding.version();
}

/** {@link ZdsStore.info}. */
export interface StoreInfo {
  /** The root exactly as given to open(). */
  root: string;
  /** The collection name. */
  collection: string;
  /** Documents in the collection. */
  count: number;
}

/** Options form of {@link ZdsStore.open}. */
export interface ZdsStoreOptions {
  /** Collection name (default `"default"`). */
  collection?: string;
  /** Documents buffered in memory before they are handed to the OS (default 5000). */
  batchSize?: number;
  /** Open without the writer lock; writes throw `EREADONLY`. */
  readOnly?: boolean;
  /** Open despite malformed lines in data.jsonl, skipping and reporting them. */
  skipCorrupt?: boolean;
}

/** One collection of a ZDS store, as in `@zippydata/core`. */
export class ZdsStore {
  readonly #coll: Collection;
  readonly #root: string;
  // The store this handle opened for itself, closed with it.
  readonly #ownStore: Store | undefined;

  /** @internal Use {@link ZdsStore.open} or {@link ZdsRoot.collection}. */
  constructor(coll: Collection, root: string, ownStore?: Store) {
    this.#coll = coll;
    this.#root = root;
    this.#ownStore = ownStore;
  }

  /**
   * Opens (creating when writable) a collection of the store at `root`.
   * @param root - the store folder, or a `.zds` archive (opened read-only, in place)
   * @param collection - the collection name (default `"default"`), or options
   * @param batchSize - documents buffered before a write to the OS (default 5000)
   */
  static open(root: string, collection?: string | ZdsStoreOptions | null, batchSize?: number | null): ZdsStore {
    expectPath(root, 'root');
    let opts: ZdsStoreOptions;
    if (collection === undefined || collection === null || typeof collection === 'string') {
      opts = { collection: collection ?? undefined, batchSize: batchSize ?? undefined };
    } else if (typeof collection === 'object' && !Array.isArray(collection)) {
      opts = collection;
      if (batchSize !== undefined && batchSize !== null) opts = { ...opts, batchSize };
    } else {
      throw invalidArg('a collection name or an options object', 'collection', collection);
    }
    expectOptions(opts, 'the options');
    const name = expectCollectionName(opts.collection ?? 'default');
    const store = new Store(root, {
      readOnly: expectBoolean(opts.readOnly, 'options.readOnly', false),
      batchSize: expectPositiveInt(opts.batchSize, 'batchSize', DEFAULT_BATCH_SIZE),
      skipCorrupt: expectBoolean(opts.skipCorrupt, 'options.skipCorrupt', false),
    });
    try {
      return new ZdsStore(store.collection(name), root, store);
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /** Stores `doc` under `docId`, replacing any earlier version. */
  put(docId: string, doc: Record<string, unknown>): void {
    this.#coll.put(docId, doc);
  }

  /** The document stored under `docId`, without `_id`. Throws `ENOTFOUND` when missing. */
  get(docId: string): any {
    const doc = this.#coll.getWithoutId(docId);
    if (doc === undefined) throw CollectionClass.notFound(this.#coll.name, docId);
    return doc;
  }

  /** Deletes the document under `docId`. Throws `ENOTFOUND` when missing. */
  delete(docId: string): void {
    if (!this.#coll.delete(docId)) throw CollectionClass.notFound(this.#coll.name, docId);
  }

  /** True when a document is stored under `docId`. */
  exists(docId: string): boolean {
    return this.#coll.has(docId);
  }

  /** How many documents the collection holds. */
  get count(): number {
    return this.#coll.count();
  }

  /** Every document id, in scan order. */
  listDocIds(): string[] {
    return this.#coll.ids();
  }

  /**
   * Every document, with `_id`, in scan order (data.jsonl order of latest
   * versions). `predicate` keeps only matching documents (`{ field: value }`
   * equality as upstream; any filter of README "Queries" works) and `fields`
   * keeps only those paths (plus `_id`); both run natively.
   */
  scan(options?: { predicate?: Record<string, unknown>; fields?: string[] }): any[] {
    if (options === undefined) return this.#coll.toArray();
    const { predicate, fields } = expectOptions(options, 'the scan options') as {
      predicate?: Record<string, unknown>;
      fields?: string[];
    };
    return this.#coll.find(predicate, fields === undefined ? undefined : { fields }).toArray();
  }

  /** Every document's JSON bytes, one Buffer per document, in scan order. */
  scanRaw(): Buffer[] {
    return this.#coll.rawLines();
  }

  /** The live documents as JSONL bytes. */
  readJsonlBlob(): Buffer {
    return this.#coll.toJsonl();
  }

  /**
   * Appends pre-serialised JSONL lines, paired in order with `docIds`;
   * returns how many were written.
   */
  writeJsonl(jsonlData: Buffer, docIds: string[]): number {
    return this.#coll.writeJsonl(jsonlData, docIds);
  }

  /** Makes every write durable (fsync of data.jsonl, atomic index.bin). */
  flush(): void {
    this.#coll.flush();
  }

  /** Read-only handles: pick up what a writer flushed since open. */
  refresh(): void {
    this.#coll.refresh();
  }

  /** Rewrites data.jsonl with live documents only. */
  compact(): void {
    this.#coll.compact();
  }

  /** What opening had to repair (torn tail, rebuilt index, skipped lines). */
  get recovery(): Collection['recovery'] {
    return this.#coll.recovery;
  }

  /** Flushes and closes the handle. */
  close(): void {
    try {
      this.#coll.close();
    } finally {
      this.#ownStore?.close();
    }
  }

  /** `{ root, collection, count }`, with root as given to open(). */
  get info(): StoreInfo {
    return { root: this.#root, collection: this.#coll.name, count: this.#coll.count() };
  }
}

/** Store-wide information, see {@link ZdsRoot.info}. */
export interface RootInfo {
  /** The root as given to open(). */
  root: string;
  /** Default batch size of its collections. */
  batchSize: number;
  /** `'rw'` or `'r'`. */
  mode: 'rw' | 'r';
  /** True for mode `'rw'`. */
  isWritable: boolean;
  /** Collection names, sorted. */
  collections: string[];
}

/** A store folder with many collections, as in `@zippydata/core`. */
export class ZdsRoot {
  readonly #store: Store;
  readonly #rootPath: string;
  readonly #mode: 'rw' | 'r';

  private constructor(root: string, batchSize: number, mode: 'rw' | 'r') {
    this.#rootPath = root;
    this.#store = new Store(root, { readOnly: mode === 'r', batchSize });
    // A .zds archive is read-only whatever the mode asked.
    this.#mode = this.#store.readOnly ? 'r' : mode;
  }

  /**
   * Opens the store folder (or `.zds` archive, read-only) at `root`.
   * @param batchSize - default batch size of its collections (default 5000)
   * @param mode - `'rw'` (default; takes the writer lock) or `'r'`
   */
  static open(root: string, batchSize?: number | null, mode?: 'rw' | 'r' | null): ZdsRoot {
    expectPath(root, 'root');
    const size = expectPositiveInt(batchSize ?? undefined, 'batchSize', DEFAULT_BATCH_SIZE);
    const m = mode ?? 'rw';
    if (m !== 'rw' && m !== 'r') throw invalidArg("'rw' or 'r'", 'mode', mode);
    return new ZdsRoot(root, size, m);
  }

  /** The root as given to open(). */
  get rootPath(): string {
    return this.#rootPath;
  }

  /** Default batch size of collections opened through this root. */
  get batchSize(): number {
    return this.#store.batchSize;
  }

  /** `'rw'` (writer) or `'r'` (read-only). */
  get mode(): 'rw' | 'r' {
    return this.#mode;
  }

  /** True for mode `'rw'`. */
  get isWritable(): boolean {
    return this.#mode === 'rw';
  }

  /** Opens (creating at once when writable) the collection `name`. */
  collection(name: string, batchSize?: number | null): ZdsStore {
    expectCollectionName(name);
    const coll = this.#store.collection(name, { batchSize: expectPositiveInt(batchSize ?? undefined, 'batchSize', this.#store.batchSize) });
    return new ZdsStore(coll, this.#rootPath);
  }

  /** Names of the store's collections, sorted. */
  listCollections(): string[] {
    return this.#store.collections();
  }

  /** True when the store has a collection called `name`. */
  collectionExists(name: string): boolean {
    return this.#store.hasCollection(name);
  }

  /**
   * Writes this store as the `.zds` archive `path` (see {@link pack}): the
   * collections of this process are flushed and the writer lock is held
   * while the files are read. Needs mode `'rw'`.
   */
  pack(path: string, options?: PackOptions): Promise<void> {
    return this.#store.pack(path, options);
  }

  /** Closes every collection opened through this root (flushing them), then the root. */
  close(): void {
    this.#store.close();
  }

  /** `{ root, batchSize, mode, isWritable, collections }`. */
  get info(): RootInfo {
    return {
      root: this.#rootPath,
      batchSize: this.batchSize,
      mode: this.#mode,
      isWritable: this.isWritable,
      collections: this.listCollections(),
    };
  }
}

/** High-throughput ingestion helper, as in `@zippydata/core`. */
export class BulkWriter {
  readonly #store: ZdsStore;

  private constructor(store: ZdsStore) {
    this.#store = store;
  }

  /** Opens a writer on `collection` (default `"default"`) of the store at `root`. */
  static create(root: string, collection?: string | null, batchSize?: number | null): BulkWriter {
    return new BulkWriter(ZdsStore.open(root, collection ?? 'default', batchSize ?? undefined));
  }

  /** Stores `doc` under `docId`. */
  put(docId: string, doc: Record<string, unknown>): void {
    expectDocId(docId);
    this.#store.put(docId, doc);
  }

  /** Makes every write durable. */
  flush(): void {
    this.#store.flush();
  }

  /** Documents in the collection. */
  get count(): number {
    return this.#store.count;
  }

  /** Flushes and closes the writer. */
  close(): void {
    this.#store.close();
  }
}

/** Upstream spelling of {@link ZdsStore}. */
export const ZDSStore = ZdsStore;
/** Upstream spelling of {@link ZdsStore}. */
export type ZDSStore = ZdsStore;
export { ZdsError };
