// Hand-written types of the native addon (build/Release/zds.node). The addon
// is private to the package: lib/ wraps every object in a public class.

/** Batch shapes a cursor can return: 0 = Buffer per line, 1 = one JSONL Buffer, 2 = JSON array text. */
export type BatchForm = 0 | 1 | 2;

export interface NativeRecovery {
  indexRebuilt: boolean;
  indexReason: string | null;
  replayedLines: number;
  truncatedBytes: number;
  tornOffset: number | null;
  newlineAdded: boolean;
  foreignDeletes: number;
  skippedLines: { line: number; offset: number; reason: string }[];
}

export declare class NativeRoot {
  constructor(path: string, readOnly: boolean);
  readonly path: string;
  readonly readOnly: boolean;
  listCollections(): string[];
  collectionExists(name: string): boolean;
  close(): void;
}

export declare class NativeCollection {
  constructor(root: NativeRoot, name: string, readOnly: boolean, skipCorrupt: boolean, batchSize: number);
  /** The constructor's work (loading or rebuilding the index) on the threadpool. */
  static openAsync(
    root: NativeRoot,
    name: string,
    readOnly: boolean,
    skipCorrupt: boolean,
    batchSize: number,
  ): Promise<NativeCollection>;
  readonly closed: boolean;
  /** Stores a line that starts {"_id":"<id>", (the id names the document). */
  put(line: string): void;
  writeJsonl(data: Buffer, ids?: string[]): number;
  /** writeJsonl without ids on the threadpool; `data` must not change until it settles. */
  writeJsonlAsync(data: Buffer): Promise<number>;
  /** The stored line, optionally without its leading "_id" member; undefined when missing. */
  get(id: string, stripId: boolean): string | undefined;
  /** JSON array text of the lines, null for missing ids. */
  getMany(ids: string[]): string;
  delete(id: string): boolean;
  exists(id: string): boolean;
  count(): number;
  listIds(): string[];
  flush(): void;
  flushAsync(): Promise<void>;
  compact(): void;
  compactAsync(): Promise<void>;
  refresh(): void;
  recovery(): NativeRecovery;
  stats(): { indexBytes: number; dataBytes: number };
  close(): void;
}

export declare class NativeCursor {
  /**
   * A snapshot scan; with `query` (spec JSON of native/engine/query_plan.h) a
   * query over it. A lazy cursor takes its snapshot at its first read.
   */
  constructor(collection: NativeCollection, query?: string, lazy?: boolean);
  /** Compiles a query spec; throws EINVALIDQUERY with what is wrong. */
  static checkQuery(query: string): void;
  readonly total: number;
  next(maxDocs: number, maxBytes: number, form: 0): Buffer[] | null;
  next(maxDocs: number, maxBytes: number, form: 1): Buffer | null;
  next(maxDocs: number, maxBytes: number, form: 2): string | null;
  next(maxDocs: number, maxBytes: number, form: BatchForm): Buffer[] | Buffer | string | null;
  /** A batch may be empty before the scan ends; null means it has ended. */
  nextAsync(maxDocs: number, maxBytes: number, form: 0): Promise<Buffer[] | null>;
  nextAsync(maxDocs: number, maxBytes: number, form: 1): Promise<Buffer | null>;
  nextAsync(maxDocs: number, maxBytes: number, form: 2): Promise<string | null>;
  nextAsync(maxDocs: number, maxBytes: number, form: BatchForm): Promise<Buffer[] | Buffer | string | null>;
  /** Documents the query selects from here on (skip/limit ignored). */
  count(): number;
  countAsync(): Promise<number>;
  /** JSON array text of the distinct values of the query's distinct path. */
  distinct(): string;
  distinctAsync(): Promise<string>;
  /** Selects the query's documents for random access; returns how many. */
  select(): number;
  readAt(start: number, count: number, form: 0): Buffer[];
  readAt(start: number, count: number, form: 2): string;
  /** Releases the snapshot; a scan running on the threadpool stops. */
  close(): void;
}

/** A running archive job: its result and a way to stop it (ECANCELLED). */
export interface NativeJob<T> {
  promise: Promise<T>;
  cancel(): void;
}

export interface NativeArchiveProgress {
  bytes: number;
  totalBytes: number;
  entries: number;
  totalEntries: number;
}

export interface Binding {
  /** Flushes the root's open collections and packs its folder (the root must be writable). */
  packAsync(
    root: NativeRoot,
    out: string,
    deflate: boolean,
    level: number,
    onProgress?: (p: NativeArchiveProgress) => void,
  ): NativeJob<void>;
  unpackAsync(
    archive: string,
    target: string,
    overwrite: boolean,
    maxTotalBytes: number,
    maxEntries: number,
    maxRatio: number,
    onProgress?: (p: NativeArchiveProgress) => void,
  ): NativeJob<void>;
  inspect(archive: string): {
    name: string;
    documents: number | null;
    dataBytes: number;
    compressedBytes: number;
    dataStored: boolean;
    hasIndex: boolean;
  }[];
  verifyAsync(path: string): Promise<{ where: string; problem: string }[]>;
  looksLikeArchive(path: string): boolean;
  version(): string;
  setErrorFactory(factory: (code: string, message: string) => Error): void;
  /** Engine cursors (scans) alive in the process. */
  openScans(): number;
  NativeRoot: typeof NativeRoot;
  NativeCollection: typeof NativeCollection;
  NativeCursor: typeof NativeCursor;
}
