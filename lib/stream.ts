// Node streams over collections: reading a scan as a Readable, and importing
// JSONL from any byte source. Both move data in batches through the libuv
// threadpool and keep memory bounded: a reader fetches the next batch only
// when the consumer asks for more, and an import writes one chunk at a time,
// pulling no more input while a chunk is being written.
import { EventEmitter } from 'node:events';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { NativeCollection, NativeCursor } from '../types/binding';
import { ZdsError } from './errors';
import { BATCH, BATCH_BYTES, FIRST_BATCH } from './scan';
import { expectOptions, expectPath, expectPositiveInt, invalidArg } from './validate';

const DEFAULT_CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** Batch forms of NativeCursor.nextAsync (types/binding.d.ts). */
const LINES = 0;
const JSONL = 1;
const JSON_ARRAY = 2;
type Form = typeof LINES | typeof JSONL | typeof JSON_ARRAY;

/** Options of document streams ({@link Collection.stream}). */
export interface StreamOptions {
  /** `true`: each document is a Buffer of its JSON bytes (no newline) instead of a parsed object. */
  raw?: boolean;
  /** Aborting destroys the stream with an `AbortError` and frees its scan. */
  signal?: AbortSignal;
  /** Documents to buffer before the next batch waits for the consumer (Node's object-mode default: 16). */
  highWaterMark?: number;
}

function expectSignal(value: unknown, what: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw invalidArg('an AbortSignal', what, value);
  return value;
}

function expectOpen(open: unknown): () => NativeCursor {
  if (typeof open !== 'function') throw invalidArg('a function that opens a cursor', 'open', open);
  return open as () => NativeCursor;
}

/**
 * A Readable over one cursor. `_read` fetches a single batch; Node calls it
 * again only once the consumer has drained the buffer below highWaterMark,
 * so the buffer never holds more than highWaterMark plus one batch.
 */
class CursorStream extends Readable {
  #open: () => NativeCursor;
  #form: Form;
  #cursor: NativeCursor | undefined;
  // A nextAsync is in flight: the native cursor allows only one at a time.
  #fetching = false;
  #size = FIRST_BATCH;

  constructor(open: () => NativeCursor, form: Form, objectMode: boolean, highWaterMark?: number, signal?: AbortSignal) {
    // Readable's own `signal` destroys the stream with an AbortError (the
    // signal's reason as its cause), which runs _destroy and frees the cursor.
    super({ objectMode, highWaterMark, signal });
    this.#open = open;
    this.#form = form;
  }

  override _read(): void {
    if (this.#fetching) return;
    this.#fetching = true;
    this.#fetch().catch((err) => {
      // A read rejected because _destroy closed the cursor is no error.
      if (!this.destroyed) this.destroy(err as Error);
    });
  }

  async #fetch(): Promise<void> {
    // Opened on the first read, so a stream that is never read holds no snapshot.
    const cursor = (this.#cursor ??= this.#open());
    for (;;) {
      const batch = await cursor.nextAsync(this.#size, BATCH_BYTES, this.#form);
      if (this.destroyed) return;
      if (batch === null) {
        this.#release();
        this.push(null);
        return;
      }
      this.#size = BATCH;
      const items = this.#decode(batch);
      // A batch can be empty before the scan ends (e.g. a filter that matched
      // nothing in it); Node will not call _read again until something is
      // pushed, so read on here.
      if (items.length === 0) continue;
      // Cleared before pushing: a push can call _read synchronously, and that
      // call must start the next fetch rather than be lost.
      this.#fetching = false;
      for (const item of items) this.push(item);
      return;
    }
  }

  #decode(batch: string | Buffer | Buffer[]): unknown[] {
    if (this.#form === JSON_ARRAY) return JSON.parse(batch as string) as unknown[];
    if (this.#form === LINES) return batch as Buffer[];
    return (batch as Buffer).length === 0 ? [] : [batch];
  }

  #release(): void {
    const cursor = this.#cursor;
    this.#cursor = undefined;
    // Closing also stops a batch being read; that read's rejection (or late
    // result) is ignored because the stream is destroyed by then.
    cursor?.close();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    try {
      this.#release();
    } finally {
      callback(err);
    }
  }
}

/**
 * A Readable in object mode over a cursor: parsed documents, or Buffers of
 * their JSON when `raw`. Batches (64 documents, then 1,000) are read on the
 * libuv threadpool, and only when the consumer has room for them. The cursor
 * opens on the first read and is closed at the end of the scan, on
 * `destroy()` (e.g. `break` in `for await`) and on abort.
 *
 * @param open - opens the cursor to read (called at most once)
 * @internal
 */
export function documentStream(open: () => NativeCursor, options?: StreamOptions): Readable {
  expectOpen(open);
  const opts = expectOptions(options, 'the stream options');
  if (opts.raw !== undefined && typeof opts.raw !== 'boolean') throw invalidArg('a boolean', 'options.raw', opts.raw);
  const hwm = opts.highWaterMark;
  if (hwm !== undefined && (typeof hwm !== 'number' || !Number.isSafeInteger(hwm) || hwm < 0)) {
    throw invalidArg('a non-negative integer', 'options.highWaterMark', hwm);
  }
  const signal = expectSignal(opts.signal, 'options.signal');
  return new CursorStream(open, opts.raw === true ? LINES : JSON_ARRAY, true, hwm as number | undefined, signal);
}

/**
 * A byte Readable of a cursor's documents as JSONL: one Buffer chunk per
 * batch, every line ending in '\n', so piping it to a file writes exactly
 * the documents' lines. Reading, closing and abort work as in
 * {@link documentStream}.
 *
 * @param open - opens the cursor to read (called at most once)
 * @internal
 */
export function jsonlStream(open: () => NativeCursor, options?: { signal?: AbortSignal }): Readable {
  expectOpen(open);
  const opts = expectOptions(options, 'the stream options');
  const signal = expectSignal(opts.signal, 'options.signal');
  return new CursorStream(open, JSONL, false, undefined, signal);
}

/** Progress of an import, reported after each chunk is written. */
export interface ImportProgress {
  /** Lines written so far (blank lines are skipped and not counted). */
  lines: number;
  /** Bytes of input consumed so far (UTF-8 bytes for string chunks), blank lines and line ends included. */
  bytes: number;
}

/** Options of {@link Collection.importJsonl}. */
export interface ImportOptions {
  /** About how many bytes of whole lines to write at once (default 1 MiB); a longer line is written whole. */
  chunkBytes?: number;
  /** Aborting stops the import: reading stops and the job rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each chunk is written, like the job's `'progress'` event. */
  onProgress?: (progress: ImportProgress) => void;
}

/** What an import wrote. */
export interface ImportResult {
  /** Lines written (blank lines are skipped and not counted). */
  lines: number;
  /** Bytes of input read (UTF-8 bytes for string chunks), blank lines and line ends included. */
  bytes: number;
}

/**
 * A running {@link Collection.importJsonl}: await it for the
 * {@link ImportResult}, and listen for `'progress'` events
 * ({@link ImportProgress}), emitted after each chunk is written.
 *
 * A failed job that nobody awaits does not cause an unhandled rejection.
 */
export class ImportJob extends EventEmitter implements PromiseLike<ImportResult> {
  #promise: Promise<ImportResult>;

  /** @internal Use {@link Collection.importJsonl}. */
  constructor(run: (job: ImportJob) => Promise<ImportResult>) {
    super();
    this.#promise = run(this);
    // A job is often started for its side effect and checked later (or only
    // through its events); its rejection surfaces through then/catch.
    this.#promise.catch(() => undefined);
  }

  /**
   * Listens for events: `'progress'` gets an {@link ImportProgress} after each chunk.
   * @param event - the event name
   * @param listener - called with the event's arguments
   */
  override on(event: 'progress', listener: (progress: ImportProgress) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  /**
   * Like {@link ImportJob.on}, for the next event only.
   * @param event - the event name
   * @param listener - called with the event's arguments
   */
  override once(event: 'progress', listener: (progress: ImportProgress) => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener);
  }

  /**
   * Attaches callbacks for the result and for failure, as `Promise.prototype.then`.
   * @param onfulfilled - called with the {@link ImportResult}
   * @param onrejected - called with the error
   */
  then<R1 = ImportResult, R2 = never>(
    onfulfilled?: ((value: ImportResult) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#promise.then(onfulfilled, onrejected);
  }

  /**
   * Attaches a callback for failure, as `Promise.prototype.catch`.
   * @param onrejected - called with the error
   */
  catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<ImportResult | R> {
    return this.#promise.catch(onrejected);
  }

  /**
   * Attaches a callback for when the job settles, as `Promise.prototype.finally`.
   * @param onfinally - called either way
   */
  finally(onfinally?: (() => void) | null): Promise<ImportResult> {
    return this.#promise.finally(onfinally);
  }
}

type Source = Readable | AsyncIterable<Buffer | string> | string;

/**
 * Imports JSONL from a file path, a Readable or an async iterable of
 * Buffers or strings into `native`: each non-blank line is a document with
 * its own string `"_id"` (later lines of an id replace earlier ones). The
 * input is split into whole lines (a final line without '\n' counts; '\r\n'
 * is fine) and written in chunks of about `chunkBytes` on the libuv
 * threadpool, one at a time, with the source paused meanwhile, so memory
 * stays bounded whatever the input's size.
 *
 * Each chunk is validated before any of its lines is written. A bad line
 * rejects the job with the native error's code, its message naming the
 * line's number in the whole input; the chunks before it stay written
 * (write to a fresh collection, or delete by id, to undo). On failure or
 * abort the source is destroyed (a Readable) or returned (an iterator). A
 * chunk being written when the signal fires is finished first.
 *
 * @internal
 */
export function importJsonl(native: NativeCollection, source: Source, options?: ImportOptions): ImportJob {
  const opts = expectOptions(options, 'the import options');
  const chunkBytes = expectPositiveInt(opts.chunkBytes, 'options.chunkBytes', DEFAULT_CHUNK_BYTES);
  const signal = expectSignal(opts.signal, 'options.signal');
  const onProgress = opts.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw invalidArg('a function', 'options.onProgress', onProgress);
  }
  let path: string | undefined;
  if (typeof source === 'string') {
    path = expectPath(source, 'the import source');
  } else if (typeof (source as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator] !== 'function') {
    throw invalidArg('a file path, a Readable or an async iterable of Buffers or strings', 'the import source', source);
  }
  return new ImportJob((job) =>
    runImport(job, native, source, path, {
      chunkBytes,
      signal,
      onProgress: onProgress as ((p: ImportProgress) => void) | undefined,
    }),
  );
}

interface ImportPlan {
  chunkBytes: number;
  signal: AbortSignal | undefined;
  onProgress: ((p: ImportProgress) => void) | undefined;
}

async function runImport(
  job: ImportJob,
  native: NativeCollection,
  source: Source,
  path: string | undefined,
  { chunkBytes, signal, onProgress }: ImportPlan,
): Promise<ImportResult> {
  // Starts a turn later, so none of the source's code (a generator's body)
  // runs inside importJsonl() itself.
  await Promise.resolve();
  const input = path === undefined ? (source as AsyncIterable<unknown>) : createReadStream(path);
  const label = path === undefined ? 'the input' : `'${path}'`;
  const it = input[Symbol.asyncIterator]();

  const pending = new PendingLines(chunkBytes);
  let lines = 0;
  let bytes = 0;
  let lineBase = 0; // line ends in the chunks written so far, for absolute line numbers

  const write = async (chunk: Buffer): Promise<void> => {
    let n: number;
    try {
      n = await native.writeJsonlAsync(chunk);
    } catch (err) {
      throw locate(err, chunk, lineBase, label);
    }
    lines += n;
    bytes += chunk.length;
    lineBase += countNewlines(chunk);
    job.emit('progress', { lines, bytes });
    onProgress?.({ lines, bytes });
    signal?.throwIfAborted();
  };

  // Abort must also end a wait for input that may never come.
  let onAbort: (() => void) | undefined;
  const aborted =
    signal &&
    new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  aborted?.catch(() => undefined);

  try {
    signal?.throwIfAborted();
    for (let index = 0; ; index++) {
      const next = await read(it, aborted, path);
      if (next.done) break;
      const chunk = toBuffer(next.value, index);
      if (chunk.length === 0) continue;
      pending.push(chunk);
      for (let out = pending.take(); out; out = pending.take()) await write(out);
    }
    const last = pending.takeRest();
    if (last) await write(last);
    return { lines, bytes };
  } catch (err) {
    stopSource(input, it);
    throw err;
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Input not written yet, cut into whole lines of about chunkBytes. The
 * read-ahead is bounded by what is pending here: under chunkBytes, plus one
 * input chunk, plus a line longer than that.
 *
 * Input chunks are copied into one buffer that lives for the whole import,
 * and lines are written straight out of it (each write settles before more
 * input is read). Holding on to the chunks themselves, or to a fresh buffer
 * per write, keeps them alive across young-generation GCs; they then sit in
 * the old generation, tens of MB of them, until a full GC.
 */
class PendingLines {
  #chunkBytes: number;
  #buf = Buffer.alloc(0);
  // Pending bytes are #buf[#head, #tail); #lastNewline indexes #buf (< #head: none pending).
  #head = 0;
  #tail = 0;
  #lastNewline = -1;

  constructor(chunkBytes: number) {
    this.#chunkBytes = chunkBytes;
  }

  push(chunk: Buffer): void {
    if (this.#tail + chunk.length > this.#buf.length) this.#makeRoom(chunk.length);
    chunk.copy(this.#buf, this.#tail);
    const nl = chunk.lastIndexOf(NEWLINE);
    if (nl >= 0) this.#lastNewline = this.#tail + nl;
    this.#tail += chunk.length;
  }

  /** The next whole lines to write once chunkBytes are pending, else undefined; valid until the next push. */
  take(): Buffer | undefined {
    if (this.#tail - this.#head < this.#chunkBytes || this.#lastNewline < this.#head) return undefined;
    const view = this.#buf.subarray(this.#head, this.#tail);
    // The lines up to chunkBytes, or the one line that is longer.
    let end = view.lastIndexOf(NEWLINE, this.#chunkBytes - 1);
    if (end < 0) end = view.indexOf(NEWLINE, this.#chunkBytes);
    this.#head += end + 1;
    return view.subarray(0, end + 1);
  }

  /** All that is left, the last line perhaps without its '\n'; undefined when nothing is. */
  takeRest(): Buffer | undefined {
    if (this.#tail === this.#head) return undefined;
    const view = this.#buf.subarray(this.#head, this.#tail);
    this.#head = this.#tail;
    return view;
  }

  /** Moves the pending bytes to the front of #buf, in a bigger one when they and `n` more do not fit. */
  #makeRoom(n: number): void {
    const size = this.#tail - this.#head;
    const old = this.#buf;
    if (size + n > old.length) {
      // Doubling up to what steady state needs; past chunkBytes only a long
      // line is pending, and it keeps doubling so growing it stays linear.
      const cap = size >= this.#chunkBytes ? 2 * old.length : Math.min(2 * old.length, this.#chunkBytes + n);
      this.#buf = Buffer.allocUnsafe(Math.max(size + n, cap));
    }
    old.copy(this.#buf, 0, this.#head, this.#tail);
    this.#lastNewline -= this.#head;
    this.#head = 0;
    this.#tail = size;
  }
}

/** The next chunk of the source, unless the signal fires first; the import file's read errors as ZdsErrors. */
function read(
  it: AsyncIterator<unknown>,
  aborted: Promise<never> | undefined,
  path: string | undefined,
): Promise<IteratorResult<unknown>> {
  const next = path === undefined ? it.next() : it.next().catch((err: unknown) => Promise.reject(fileError(err, path)));
  return aborted ? Promise.race([next, aborted]) : next;
}

function toBuffer(value: unknown, index: number): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw invalidArg('a Buffer or string', `chunk ${index} of the import source`, value);
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(NEWLINE); i >= 0; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/**
 * The native error of a chunk, with its line number (which counts the
 * chunk's non-blank lines from 1) turned into the line's number in the
 * whole input.
 */
function locate(err: unknown, chunk: Buffer, lineBase: number, label: string): unknown {
  if (!(err instanceof ZdsError)) return err;
  const m = /^Line (\d+) of the JSONL /.exec(err.message);
  if (!m) return err;
  const line = lineBase + physicalLine(chunk, Number(m[1]));
  return new ZdsError(err.code, `Line ${line} of ${label}: ${err.message.slice(m[0].length)}`);
}

/**
 * The 1-based line of `chunk` holding its nth non-blank line, by the native
 * rule of blank: only spaces and tabs, before an optional '\r'.
 */
function physicalLine(chunk: Buffer, nth: number): number {
  let physical = 0;
  let seen = 0;
  for (let start = 0; start < chunk.length; ) {
    let end = chunk.indexOf(NEWLINE, start);
    if (end < 0) end = chunk.length;
    physical++;
    let len = end - start;
    if (len > 0 && chunk[start + len - 1] === 0x0d) len--;
    let blank = true;
    for (let i = start; i < start + len && blank; i++) blank = chunk[i] === 0x20 || chunk[i] === 0x09;
    if (!blank && ++seen === nth) return physical;
    start = end + 1;
  }
  return physical; // not reached for a number the native side reported
}

function stopSource(input: AsyncIterable<unknown>, it: AsyncIterator<unknown>): void {
  const stream = input as Partial<Readable>;
  if (typeof stream.destroy === 'function') {
    // Directly: the iterator's return() would wait for a pending read.
    stream.destroy();
  } else {
    it.return?.()?.catch?.(() => undefined);
  }
}

/** Failures to read the import file, as ZdsErrors; other errors pass through. */
function fileError(err: unknown, path: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (err instanceof ZdsError || typeof code !== 'string' || !(err instanceof Error)) return err;
  if (code === 'ENOENT') return new ZdsError('ENOTFOUND', `No file '${path}' to import`);
  if (code === 'EISDIR') {
    return new ZdsError('EINVALIDARG', `Expected a file for the import source but '${path}' is a directory`);
  }
  return new ZdsError('EIO', `Cannot read '${path}' to import: ${err.message}`);
}
