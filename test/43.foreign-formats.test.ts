// Stores written by other tools: loose JSONL, legacy text index, upstream ZDSI v1 without trailer.
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { open, ZdsStore } from '../dist/index.js';
import { collectionFiles, tempDir } from './helpers';

/** Writes meta/data.jsonl (and optionally index.bin) of collection `name`; returns the paths. */
function foreignCollection(root: string, name: string, data: string | Buffer, index?: string | Buffer) {
  const f = collectionFiles(root, name);
  mkdirSync(f.meta, { recursive: true });
  writeFileSync(f.data, data);
  if (index !== undefined) writeFileSync(f.index, index);
  return f;
}

/** An upstream-style ZDSI v1 index: header + entries, no zds trailer (FORMAT.md "index.bin: ZDSI v1"). */
function zdsiV1(entries: { id: string; offset: number; length: number }[]): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(0x5a445349, 0); // bytes 49 53 44 5A, "ISDZ"
  header.writeUInt32LE(1, 4);
  header.writeBigUInt64LE(BigInt(entries.length), 8);
  const parts = [header];
  for (const e of entries) {
    const id = Buffer.from(e.id, 'ascii');
    const b = Buffer.alloc(2 + id.length + 12);
    b.writeUInt16LE(id.length, 0);
    id.copy(b, 2);
    b.writeBigUInt64LE(BigInt(e.offset), 2 + id.length);
    b.writeUInt32LE(e.length, 10 + id.length);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** Offsets and lengths (with LF) of the lines of a JSONL text. */
function lineRefs(lines: string[]): { offset: number; length: number }[] {
  let offset = 0;
  return lines.map((l) => {
    const ref = { offset, length: Buffer.byteLength(l) + 1 };
    offset += ref.length;
    return ref;
  });
}

describe('data.jsonl written by another tool, no index.bin', () => {
  const LOOSE =
    '{ "name" : "Alice", "_id" : "a" }\r\n' + // spaces, _id not first, CRLF
    '{"_id":"b","n":[1, 2, 3]}\r\n' +
    '\n' + // blank line
    '  {"z":1,"y":{"x":2},"_id":"c"}  \n' + // key order, surrounding whitespace
    '{"_id":"a","name":"Alice v2","ünï":"çødé"}\n' + // a later version of a
    '{"_id":"d","last":true}'; // final line without newline

  it('opens writable: documents, order, get without _id; the missing newline is added', () => {
    const root = tempDir();
    const f = foreignCollection(root, 'loose', LOOSE);
    const s = ZdsStore.open(root, 'loose');
    try {
      expect(s.count).toBe(4);
      expect(s.listDocIds()).toEqual(['b', 'c', 'a', 'd']);
      expect(s.get('a')).toEqual({ name: 'Alice v2', 'ünï': 'çødé' });
      expect(s.get('b')).toEqual({ n: [1, 2, 3] });
      expect(s.get('c')).toEqual({ z: 1, y: { x: 2 } });
      expect(Object.prototype.hasOwnProperty.call(s.get('c'), '_id')).toBe(false);
      expect(s.get('d')).toEqual({ last: true });
      expect(s.scan()).toEqual([
        { _id: 'b', n: [1, 2, 3] },
        { z: 1, y: { x: 2 }, _id: 'c' },
        { _id: 'a', name: 'Alice v2', 'ünï': 'çødé' },
        { _id: 'd', last: true },
      ]);
      // raw lines are the stored bytes, without CR or LF
      for (const b of s.scanRaw()) {
        expect(b.includes(0x0a)).toBe(false);
        expect(b[b.length - 1]).not.toBe(0x0d);
      }
      expect(s.recovery).toMatchObject({
        indexRebuilt: true,
        indexReason: 'index.bin is missing',
        newlineAdded: true,
        truncatedBytes: 0,
        foreignDeletes: 0,
        skippedLines: [],
      });
      // only a LF was appended; the other bytes are as the tool wrote them
      expect(readFileSync(f.data, 'utf8')).toBe(LOOSE + '\n');
      s.put('e', { v: 5 });
      expect(s.listDocIds()).toEqual(['b', 'c', 'a', 'd', 'e']);
    } finally {
      s.close();
    }
    expect(readFileSync(f.data, 'utf8')).toBe(LOOSE + '\n{"_id":"e","v":5}\n');
    expect(readFileSync(f.index).subarray(0, 4).toString('latin1')).toBe('ISDZ');
    const again = ZdsStore.open(root, 'loose');
    expect(again.recovery.indexRebuilt).toBe(false);
    expect(again.listDocIds()).toEqual(['b', 'c', 'a', 'd', 'e']);
    expect(again.get('a')).toEqual({ name: 'Alice v2', 'ünï': 'çødé' });
    again.close();
  });

  it('opens read-only: same documents, nothing written (no newline, no index)', () => {
    const root = tempDir();
    const f = foreignCollection(root, 'loose', LOOSE);
    const mtime = statSync(f.data).mtimeMs;
    const s = ZdsStore.open(root, { collection: 'loose', readOnly: true });
    expect(s.listDocIds()).toEqual(['b', 'c', 'a', 'd']);
    expect(s.get('d')).toEqual({ last: true });
    expect(s.recovery.newlineAdded).toBe(false);
    expect(s.recovery.indexRebuilt).toBe(true);
    s.close();
    expect(readFileSync(f.data, 'utf8')).toBe(LOOSE);
    expect(statSync(f.data).mtimeMs).toBe(mtime);
    expect(existsSync(f.index)).toBe(false);
    expect(existsSync(f.manifest)).toBe(false);
  });

  it('the typed layer reads it with _id', () => {
    const root = tempDir();
    foreignCollection(root, 'loose', LOOSE);
    const st = open(root, { readOnly: true });
    const c = st.collection('loose');
    expect(c.get('c')).toEqual({ _id: 'c', z: 1, y: { x: 2 } });
    expect(c.ids()).toEqual(['b', 'c', 'a', 'd']);
    st.close();
  });
});

describe('legacy text index.bin ("id\\toffset\\tlength")', () => {
  const LINES = ['{"_id":"a","v":1}', '{"_id":"b","v":2}', '{"_id":"c","v":3}'];
  const DATA = LINES.map((l) => l + '\n').join('');

  it('is adopted; the next writable flush replaces it with ZDSI', () => {
    const root = tempDir();
    const refs = lineRefs(LINES);
    const text = ['a', 'b', 'c'].map((id, i) => `${id}\t${refs[i].offset}\t${refs[i].length}`).join('\n') + '\n';
    const f = foreignCollection(root, 'legacy', DATA, text);
    const s = ZdsStore.open(root, 'legacy');
    expect(s.count).toBe(3);
    expect(s.scan()).toEqual([
      { _id: 'a', v: 1 },
      { _id: 'b', v: 2 },
      { _id: 'c', v: 3 },
    ]);
    expect(s.recovery).toMatchObject({
      indexRebuilt: true, // "rebuilt or adopted"
      indexReason: 'index.bin was written by another tool; zds adopted it',
      foreignDeletes: 0,
    });
    s.flush();
    const idx = readFileSync(f.index);
    expect(idx.subarray(0, 4).toString('latin1')).toBe('ISDZ');
    expect(idx.readBigUInt64LE(8)).toBe(3n);
    s.close();
    expect(readFileSync(f.data, 'utf8')).toBe(DATA);
  });

  it('an id the text index omits, inside its coverage, is a foreign delete', () => {
    const root = tempDir();
    const refs = lineRefs(LINES);
    // lists a and c: b (before c's end) was deleted by that tool
    const text = `a\t${refs[0].offset}\t${refs[0].length}\r\nc\t${refs[2].offset}\t${refs[2].length}`;
    foreignCollection(root, 'legacy', DATA, text);
    const s = ZdsStore.open(root, 'legacy');
    expect(s.listDocIds()).toEqual(['a', 'c']);
    expect(s.exists('b')).toBe(false);
    expect(s.recovery.foreignDeletes).toBe(1);
    s.close();
  });
});

describe('upstream ZDSI v1 index without the zds trailer', () => {
  const LINES = ['{"_id":"a","v":1}', '{"_id":"b","v":2}', '{"_id":"c","v":3}', '{"_id":"d","v":4}'];
  const DATA = LINES.map((l) => l + '\n').join('');

  function build(listed: string[]): { root: string; f: ReturnType<typeof collectionFiles> } {
    const root = tempDir();
    const refs = lineRefs(LINES);
    const ids = ['a', 'b', 'c', 'd'];
    const entries = listed.map((id) => ({ id, ...refs[ids.indexOf(id)] }));
    const f = foreignCollection(root, 'up', DATA, zdsiV1(entries));
    return { root, f };
  }

  it('an omitted id whose line is in data.jsonl counts as deleted; recovery.foreignDeletes === 1', () => {
    const { root, f } = build(['a', 'c', 'd']);
    expect(readFileSync(f.index).length).toBe(16 + 3 * 15);
    const s = ZdsStore.open(root, 'up');
    try {
      expect(s.count).toBe(3);
      expect(s.listDocIds()).toEqual(['a', 'c', 'd']);
      expect(s.exists('b')).toBe(false);
      expect(s.scan().map((d) => d._id)).toEqual(['a', 'c', 'd']);
      expect(s.get('c')).toEqual({ v: 3 });
      expect(s.recovery.foreignDeletes).toBe(1);
      expect(s.recovery.indexRebuilt).toBe(true); // "rebuilt or adopted"
      expect(s.recovery.indexReason).toBe('index.bin was written by another tool; zds adopted it');
    } finally {
      s.close();
    }
    // the delete was written down as a tombstone
    expect(readFileSync(f.data, 'utf8')).toBe(DATA + '{"_id":"b","$zds":"delete"}\n');
  });

  it('stays deleted after index.bin is removed and the store reopened', () => {
    const { root, f } = build(['a', 'c', 'd']);
    ZdsStore.open(root, 'up').close();
    unlinkSync(f.index);
    const s = ZdsStore.open(root, 'up');
    expect(s.recovery.indexRebuilt).toBe(true);
    expect(s.recovery.foreignDeletes).toBe(0);
    expect(s.exists('b')).toBe(false);
    expect(s.count).toBe(3);
    expect(s.listDocIds()).toEqual(['a', 'c', 'd']);
    s.close();
  });

  it('stays deleted after the writable open alone (no close) when index.bin is later removed', () => {
    const { root, f } = build(['a', 'b', 'd']);
    const s = ZdsStore.open(root, 'up');
    expect(s.exists('c')).toBe(false);
    expect(s.recovery.foreignDeletes).toBe(1);
    // the tombstone is durable as soon as the open returns
    expect(readFileSync(f.data, 'utf8')).toBe(DATA + '{"_id":"c","$zds":"delete"}\n');
    s.close();
    unlinkSync(f.index);
    const again = ZdsStore.open(root, { collection: 'up', readOnly: true });
    expect(again.listDocIds()).toEqual(['a', 'b', 'd']);
    again.close();
  });

  it('a read-only open applies the foreign delete in memory only', () => {
    const { root, f } = build(['a', 'c', 'd']);
    const before = readFileSync(f.index);
    const s = ZdsStore.open(root, { collection: 'up', readOnly: true });
    expect(s.exists('b')).toBe(false);
    expect(s.count).toBe(3);
    expect(s.recovery.foreignDeletes).toBe(1);
    s.close();
    expect(readFileSync(f.data, 'utf8')).toBe(DATA);
    expect(readFileSync(f.index).equals(before)).toBe(true);
  });

  it('lines written after the index coverage stay live', () => {
    // the index covers a and b only; c and d came later
    const { root } = build(['a', 'b']);
    const s = ZdsStore.open(root, 'up');
    expect(s.listDocIds()).toEqual(['a', 'b', 'c', 'd']);
    expect(s.recovery.foreignDeletes).toBe(0);
    expect(s.recovery.indexReason).toBe('index.bin was written by another tool; zds adopted it');
    s.close();
  });

  it('an index that lists every id deletes nothing; the first flush rewrites it with the trailer', () => {
    const { root, f } = build(['a', 'b', 'c', 'd']);
    const s = ZdsStore.open(root, 'up');
    expect(s.count).toBe(4);
    expect(s.recovery.foreignDeletes).toBe(0);
    s.flush();
    const idx = readFileSync(f.index);
    expect(idx.length).toBe(16 + 4 * 15 + 32);
    expect(idx.subarray(idx.length - 32, idx.length - 28).toString('latin1')).toBe('XSDZ');
    s.close();
    expect(readFileSync(f.data, 'utf8')).toBe(DATA);
  });

  it('an index listing an id that data.jsonl does not hold is ignored: rebuilt, nothing deleted', () => {
    const root = tempDir();
    const refs = lineRefs(LINES);
    const f = foreignCollection(
      root,
      'up',
      DATA,
      zdsiV1([
        { id: 'a', ...refs[0] },
        { id: 'ghost', ...refs[1] },
      ]),
    );
    const s = ZdsStore.open(root, 'up');
    expect(s.listDocIds()).toEqual(['a', 'b', 'c', 'd']);
    expect(s.recovery.indexRebuilt).toBe(true);
    expect(s.recovery.foreignDeletes).toBe(0);
    expect(s.recovery.indexReason).toContain('ghost');
    s.close();
    expect(readFileSync(f.data, 'utf8')).toBe(DATA);
  });

  it('an entry pointing at an older version of its id is valid; the latest line wins', () => {
    const lines = ['{"_id":"a","v":1}', '{"_id":"b","v":2}', '{"_id":"a","v":3}'];
    const refs = lineRefs(lines);
    const root = tempDir();
    foreignCollection(
      root,
      'up',
      lines.map((l) => l + '\n').join(''),
      zdsiV1([
        { id: 'a', ...refs[0] },
        { id: 'b', ...refs[1] },
      ]),
    );
    const s = ZdsStore.open(root, 'up');
    // adopted, not ignored: the reason says so (an ignored index names the mismatch)
    expect(s.recovery.indexReason).toBe('index.bin was written by another tool; zds adopted it');
    expect(s.recovery.foreignDeletes).toBe(0);
    expect(s.get('a')).toEqual({ v: 3 });
    expect(s.listDocIds()).toEqual(['b', 'a']);
    s.close();
  });
});
