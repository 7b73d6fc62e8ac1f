// Reading a collection through a native cursor in batches. A scan is a
// snapshot: it sees the documents live when it started (FORMAT.md
// "Durability" explains why writes during it are not seen).
import type { NativeCollection } from '../types/binding';
import { binding } from './native';

/** The first batch is small so the first document arrives quickly. */
export const FIRST_BATCH = 64;
/** Later batches amortise the crossing into native code. */
export const BATCH = 1000;
/** A batch of a scan read in steps stops after this many bytes. */
export const BATCH_BYTES = 16 << 20;
/** Reads that take everything at once still cut it into batches of this many bytes. */
export const ALL_BYTES = 64 << 20;

/** Every live line as its own Buffer (no trailing newline). */
export function readLines(coll: NativeCollection): Buffer[] {
  const cursor = new binding.NativeCursor(coll);
  try {
    const out: Buffer[] = [];
    for (let lines = cursor.next(0xffffffff, ALL_BYTES, 0); lines !== null; lines = cursor.next(0xffffffff, ALL_BYTES, 0)) {
      for (const line of lines) out.push(line);
    }
    return out;
  } finally {
    cursor.close();
  }
}

/** Every live line as JSONL in one Buffer. */
export function readJsonl(coll: NativeCollection): Buffer {
  const cursor = new binding.NativeCursor(coll);
  try {
    const parts: Buffer[] = [];
    for (let buf = cursor.next(0xffffffff, ALL_BYTES, 1); buf !== null; buf = cursor.next(0xffffffff, ALL_BYTES, 1)) {
      parts.push(buf);
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  } finally {
    cursor.close();
  }
}

