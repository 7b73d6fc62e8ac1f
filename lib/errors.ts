/**
 * Every failure zds reports is a {@link ZdsError}; its {@link ZdsError.code}
 * says what went wrong in a way programs can test.
 *
 * @packageDocumentation
 */

/** The codes a {@link ZdsError} can carry. */
export type ZdsErrorCode =
  /** A document, collection or store does not exist. */
  | 'ENOTFOUND'
  /** A document id or collection name breaks the naming rules. */
  | 'EINVALIDID'
  /** An argument has the wrong type or value. */
  | 'EINVALIDARG'
  /** A document JSON cannot hold faithfully, or one using the reserved key "$zds". */
  | 'EINVALIDDOC'
  /** Another process holds the store's writer lock. */
  | 'ELOCKED'
  /** A write on a read-only handle. */
  | 'EREADONLY'
  /** Use of a handle after close(). */
  | 'ECLOSED'
  /** data.jsonl holds malformed lines. */
  | 'ECORRUPT'
  /** The operating system reported an I/O failure. */
  | 'EIO'
  /** The store root exists but is not a directory. */
  | 'ENOTDIR'
  /** An earlier fsync failed; the collection refuses writes until reopened. */
  | 'EPOISONED'
  /** A filter, projection, sort or other query option outside README "Queries". */
  | 'EINVALIDQUERY'
  /** A `.zds` archive is malformed, truncated, unsafe (zip-slip, symlinks) or over an unpack limit. */
  | 'EBADARCHIVE'
  /** The target folder of an unpack exists and is not empty. */
  | 'EEXIST'
  /** The work was stopped through its AbortSignal. */
  | 'ECANCELLED';

/** The error class of zds: a message for people and a {@link ZdsErrorCode} for programs. */
export class ZdsError extends Error {
  /** What went wrong, e.g. `'ENOTFOUND'`. */
  readonly code: ZdsErrorCode;

  /**
   * @param code - the {@link ZdsErrorCode}
   * @param message - a sentence that names the thing at fault
   */
  constructor(code: ZdsErrorCode, message: string) {
    super(message);
    this.name = 'ZdsError';
    this.code = code;
    this.stack = withoutInternalFrames(this.stack);
  }
}

// Frames inside zds itself say nothing to the caller; the stack should start
// at the line of their code that called zds.
const INTERNAL_DIR = __dirname + require('node:path').sep;

function withoutInternalFrames(stack: string | undefined): string | undefined {
  if (!stack) return stack;
  const lines = stack.split('\n');
  const kept = lines.filter((line, i) => i === 0 || !line.includes(INTERNAL_DIR));
  return kept.length > 1 ? kept.join('\n') : stack;
}
