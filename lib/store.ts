import type { NativeRoot } from '../types/binding';
import { Collection, type CollectionInit, type CollectionOptions } from './collection';
import { packRoot, type PackOptions } from './archive';
import { ZdsError } from './errors';
import { binding } from './native';
import { expectBoolean, expectCollectionName, expectOptions, expectPath, expectPositiveInt } from './validate';

/** Options of {@link open}. */
export interface OpenOptions {
  /** Open without the writer lock; writes throw `EREADONLY` (default false). */
  readOnly?: boolean;
  /** Documents buffered in memory before they are handed to the OS (default 5000). */
  batchSize?: number;
  /** Open collections despite malformed lines, skipping and reporting them (default false). */
  skipCorrupt?: boolean;
}

/** The default number of documents buffered before a write to the OS. */
export const DEFAULT_BATCH_SIZE = 5000;

/**
 * An open store folder: a set of named collections. A writable store holds
 * the store's writer lock (one writer process at a time); within a process,
 * every handle on the same folder shares one writer and one index.
 */
export class Store {
  /** The path as it was given to {@link open}. */
  readonly path: string;
  /** True when opened with `readOnly`, and for archives. */
  readonly readOnly: boolean;
  /** True when the store is a `.zds` archive read in place. */
  readonly isArchive: boolean;
  /** Default batch size of collections opened through this store. */
  readonly batchSize: number;
  readonly #skipCorrupt: boolean;
  #native: NativeRoot | undefined;
  readonly #open = new Set<Collection<any>>();

  /** @internal Use {@link open}. */
  constructor(path: string, options?: OpenOptions) {
    this.path = expectPath(path, 'the store path');
    const opts = expectOptions(options, 'the options');
    // A .zds archive is read in place, read-only (FORMAT.md "Archives").
    this.isArchive = binding.looksLikeArchive(path);
    this.readOnly = expectBoolean(opts.readOnly, 'options.readOnly', false) || this.isArchive;
    this.batchSize = expectPositiveInt(opts.batchSize, 'options.batchSize', DEFAULT_BATCH_SIZE);
    this.#skipCorrupt = expectBoolean(opts.skipCorrupt, 'options.skipCorrupt', false);
    this.#native = new binding.NativeRoot(path, this.readOnly);
  }

  #root(): NativeRoot {
    if (!this.#native) throw new ZdsError('ECLOSED', `The store '${this.path}' is closed`);
    return this.#native;
  }

  /**
   * Opens (and, when writable, creates) the collection `name`.
   * @typeParam T - the shape of its documents
   */
  collection<T extends object = Record<string, unknown>>(name: string, options?: CollectionOptions): Collection<T> {
    return this.#adopt<T>(this.#openArgs(name, options));
  }

  /**
   * {@link Store.collection} with the opening (loading, or rebuilding, the
   * index of a large collection) done on the libuv threadpool.
   * @typeParam T - the shape of its documents
   */
  async collectionAsync<T extends object = Record<string, unknown>>(
    name: string,
    options?: CollectionOptions,
  ): Promise<Collection<T>> {
    const args = this.#openArgs(name, options);
    const native = await binding.NativeCollection.openAsync(args.root, name, args.readOnly, args.skipCorrupt, args.batchSize);
    if (!this.#native) {
      native.close();  // the store closed while the collection was opening
      throw new ZdsError('ECLOSED', `The store '${this.path}' is closed`);
    }
    return this.#adopt<T>({ ...args, native });
  }

  #openArgs(name: string, options: CollectionOptions | undefined): CollectionInit {
    expectCollectionName(name);
    const opts = expectOptions(options, 'the options');
    return {
      root: this.#root(),
      name,
      readOnly: this.readOnly,
      skipCorrupt: expectBoolean(opts.skipCorrupt, 'options.skipCorrupt', this.#skipCorrupt),
      batchSize: expectPositiveInt(opts.batchSize, 'options.batchSize', this.batchSize),
      onClose: (c) => this.#open.delete(c),
    };
  }

  #adopt<T extends object>(init: CollectionInit): Collection<T> {
    const coll = new Collection<T>(init);
    this.#open.add(coll);
    return coll;
  }

  /** Names of the collections in the store, sorted. */
  collections(): string[] {
    return this.#root().listCollections();
  }

  /** True when the store has a collection called `name`. */
  hasCollection(name: string): boolean {
    expectCollectionName(name);
    return this.#root().collectionExists(name);
  }

  /** Flushes every collection opened through this store. */
  flush(): void {
    for (const c of this.#open) c.flush();
  }

  /** True after {@link Store.close}. */
  get closed(): boolean {
    return this.#native === undefined;
  }

  /**
   * Writes this store as the `.zds` archive `out` (see {@link pack}): every
   * collection open in this process is flushed first, and this store's
   * writer lock keeps other writers out while the files are read.
   */
  async pack(out: string, options?: PackOptions): Promise<void> {
    if (this.readOnly) {
      throw new ZdsError('EREADONLY', `Packing needs the writer lock: open '${this.path}' writable, or use pack()`);
    }
    await packRoot(this.#root(), out, options);
  }

  /**
   * Closes every collection opened through this store (flushing them), then
   * the store. The writer lock goes with the last handle of the process.
   */
  close(): void {
    let first: unknown;
    for (const c of [...this.#open]) {
      try {
        c.close();
      } catch (err) {
        first ??= err;
      }
    }
    this.#native?.close();
    this.#native = undefined;
    if (first) throw first;
  }
}

/**
 * Opens the store folder at `path`, creating it unless `readOnly`. A `.zds`
 * archive (a ZIP of a store folder) opens read-only, in place: nothing is
 * extracted.
 *
 * @example
 * ```ts
 * const store = open('./data');
 * const users = store.collection<{ name: string }>('users');
 * users.put('alice', { name: 'Alice' });
 * store.close();
 * ```
 */
export function open(path: string, options?: OpenOptions): Store {
  return new Store(path, options);
}
