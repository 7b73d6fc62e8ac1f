/**
 * `.zds` archives: a store folder as a standard ZIP (FORMAT.md "Archives").
 * `pack` and `unpack` run on the libuv threadpool; `info` reads only the
 * archive's directory; `verify` checks a folder or an archive and changes
 * nothing.
 *
 * @packageDocumentation
 */
import { existsSync, statSync } from 'node:fs';
import type { NativeRoot } from '../types/binding';
import { ZdsError } from './errors';
import { binding } from './native';
import { expectBoolean, expectOptions, expectPath, invalidArg } from './validate';

/** How far a pack or unpack has come: bytes of entry data (uncompressed) and entries. */
export interface ArchiveProgress {
  /** Bytes done. */
  bytes: number;
  /** Bytes in all. */
  totalBytes: number;
  /** Entries done. */
  entries: number;
  /** Entries in all. */
  totalEntries: number;
}

/** Options of {@link pack} and {@link Store.pack}. */
export interface PackOptions {
  /**
   * `'store'` (default) keeps every entry uncompressed, so the archive can be
   * read in place; `'deflate'` compresses, except entries that are already
   * compressed.
   */
  compression?: 'store' | 'deflate';
  /** Deflate level, 1 (fast) to 9 (small); default 6. */
  level?: number;
  /** Called as the archive is written. */
  onProgress?: (progress: ArchiveProgress) => void;
  /** Aborting stops the work (`ECANCELLED`) and leaves no partial file. */
  signal?: AbortSignal;
}

/** Options of {@link unpack}. */
export interface UnpackOptions {
  /** Replace a target folder that exists and is not empty (default false: `EEXIST`). */
  overwrite?: boolean;
  /** Most bytes to inflate in all, counted while extracting (default 64 GiB). */
  maxTotalBytes?: number;
  /** Most entries (default 1,000,000). */
  maxEntries?: number;
  /** Most inflated bytes per compressed byte of an entry over 1 MiB (default 1000). */
  maxRatio?: number;
  /** Called as entries are extracted. */
  onProgress?: (progress: ArchiveProgress) => void;
  /** Aborting stops the work (`ECANCELLED`) and leaves no partial folder. */
  signal?: AbortSignal;
}

/** One collection of an archive, as {@link info} lists it. */
export interface ArchiveCollection {
  /** The collection's name. */
  name: string;
  /** Live documents, from the archive's index.bin; `null` when it holds none. */
  documents: number | null;
  /** Bytes of data.jsonl. */
  dataBytes: number;
  /** Bytes data.jsonl takes in the archive. */
  compressedBytes: number;
  /** data.jsonl is stored uncompressed, so it is read in place without inflating. */
  dataStored: boolean;
  /** The archive holds the collection's index.bin. */
  hasIndex: boolean;
}

/** What {@link verify} found: nothing when `ok`. */
export interface VerifyReport {
  /** True when no problem was found. */
  ok: boolean;
  /** Each problem with its place (entry, file and line). */
  problems: { where: string; problem: string }[];
}

const DEFAULT_MAX_TOTAL_BYTES = 64 * 2 ** 30;
const DEFAULT_MAX_ENTRIES = 1_000_000;
const DEFAULT_MAX_RATIO = 1000;

function expectLimit(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidArg('a positive integer', what, value);
  }
  return value;
}

function expectProgress(value: unknown): ((p: ArchiveProgress) => void) | undefined {
  if (value !== undefined && typeof value !== 'function') throw invalidArg('a function', 'options.onProgress', value);
  return value as ((p: ArchiveProgress) => void) | undefined;
}

function expectSignal(value: unknown): AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) throw invalidArg('an AbortSignal', 'options.signal', value);
  return value as AbortSignal | undefined;
}

// Runs a native job ({ promise, cancel }) under an optional AbortSignal.
async function runJob<T>(job: { promise: Promise<T>; cancel(): void }, signal: AbortSignal | undefined): Promise<T> {
  const onAbort = () => job.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await job.promise;
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** @internal Packs through an open writable root (the caller holds the writer lock). */
export async function packRoot(root: NativeRoot, out: string, options?: PackOptions): Promise<void> {
  expectPath(out, 'the archive path');
  const opts = expectOptions(options, 'the options');
  const compression = opts.compression ?? 'store';
  if (compression !== 'store' && compression !== 'deflate') {
    throw invalidArg("'store' or 'deflate'", 'options.compression', compression);
  }
  const level = opts.level ?? 6;
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 1 || level > 9) {
    throw invalidArg('an integer from 1 to 9', 'options.level', level);
  }
  const signal = expectSignal(opts.signal);
  signal?.throwIfAborted();
  await runJob(binding.packAsync(root, out, compression === 'deflate', level, expectProgress(opts.onProgress)), signal);
}

/**
 * Writes the store folder `storeDir` as the archive `out`: a standard ZIP
 * with entries relative to the store root. Pending writes of this process
 * are flushed and the writer lock is held while the files are read (another
 * process holding it makes this fail with `ELOCKED`: call `store.pack()` in
 * that process instead); the archive is written to a temp file and renamed
 * into place when complete.
 */
export async function pack(storeDir: string, out: string, options?: PackOptions): Promise<void> {
  expectPath(storeDir, 'the store path');
  if (!existsSync(storeDir) || !statSync(storeDir).isDirectory()) {
    throw new ZdsError('ENOTFOUND', `No store folder at '${storeDir}'`);
  }
  const root = new binding.NativeRoot(storeDir, false);
  try {
    await packRoot(root, out, options);
  } finally {
    root.close();
  }
}

/**
 * Extracts the archive `archive` into the folder `target`, safely: every
 * entry name is checked first (absolute paths, `..` segments, NUL bytes,
 * symlinks and repeated names are refused), the bytes actually inflated are
 * counted against the limits, every CRC is checked, and the files land in a
 * temp folder renamed into place only when all went well. Anything wrong
 * gives `EBADARCHIVE` and leaves nothing behind.
 */
export async function unpack(archive: string, target: string, options?: UnpackOptions): Promise<void> {
  expectPath(archive, 'the archive path');
  expectPath(target, 'the target folder');
  const opts = expectOptions(options, 'the options');
  const overwrite = expectBoolean(opts.overwrite, 'options.overwrite', false);
  const maxTotal = expectLimit(opts.maxTotalBytes, 'options.maxTotalBytes', DEFAULT_MAX_TOTAL_BYTES);
  const maxEntries = expectLimit(opts.maxEntries, 'options.maxEntries', DEFAULT_MAX_ENTRIES);
  const maxRatio = expectLimit(opts.maxRatio, 'options.maxRatio', DEFAULT_MAX_RATIO);
  const signal = expectSignal(opts.signal);
  signal?.throwIfAborted();
  const onProgress = expectProgress(opts.onProgress);
  await runJob(binding.unpackAsync(archive, target, overwrite, maxTotal, maxEntries, maxRatio, onProgress), signal);
}

/** The collections of an archive with their document counts and sizes, read from its directory only. */
export function info(archive: string): { collections: ArchiveCollection[] } {
  expectPath(archive, 'the archive path');
  return { collections: binding.inspect(archive) };
}

/**
 * Checks a store folder or a `.zds` archive without changing it: entry CRCs,
 * that each index.bin matches its data.jsonl, and that every line is one
 * JSON object with a valid `_id`. Each problem is reported with its place.
 */
export async function verify(path: string): Promise<VerifyReport> {
  expectPath(path, 'the path');
  const problems = await binding.verifyAsync(path);
  return { ok: problems.length === 0, problems };
}
