// Reading a collection through a native cursor in batches. A scan is a
// snapshot: it sees the documents live when it started (FORMAT.md
// "Durability" explains why writes during it are not seen).
import type { NativeCollection } from '../types/binding';
import { binding } from './native';

/** The first batch is small so the first document arrives quickly. */
export const FIRST_BATCH = 64;
/** Later batches amortise the crossing into native code. */
export const BATCH = 1000;
const ALL_BYTES = 64 << 20;

/** Every live document, parsed, in scan order. */
export function readAll(coll: NativeCollection): Record<string, unknown>[] {
  const cursor = new binding.NativeCursor(coll);
  try {
    let out: Record<string, unknown>[] = [];
    for (let text = cursor.next(0xffffffff, ALL_BYTES, 2); text !== null; text = cursor.next(0xffffffff, ALL_BYTES, 2)) {
      const docs = JSON.parse(text) as Record<string, unknown>[];
      out = out.length === 0 ? docs : out.concat(docs);
    }
    return out;
  } finally {
    cursor.close();
  }
}

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

