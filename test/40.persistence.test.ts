// Durability across close/reopen, index.bin layout, compaction, manifest.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { open, ZdsRoot, ZdsStore } from '../dist/index.js';
import { collectionFiles, tempDir } from './helpers';

function dataLines(root: string, name = 'default'): Record<string, unknown>[] {
  const text = readFileSync(collectionFiles(root, name).data, 'utf8');
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l));
}

/** Parses index.bin: header and ZDSI v1 entries (ignores the trailer). */
function readIndex(file: string) {
  const b = readFileSync(file);
  const magic = b.subarray(0, 4).toString('latin1');
  const version = b.readUInt32LE(4);
  const count = b.readBigUInt64LE(8);
  const entries: { id: string; offset: number; length: number }[] = [];
  let pos = 16;
  for (let i = 0n; i < count; i++) {
    const len = b.readUInt16LE(pos);
    const id = b.subarray(pos + 2, pos + 2 + len).toString('latin1');
    const offset = Number(b.readBigUInt64LE(pos + 2 + len));
    const length = b.readUInt32LE(pos + 10 + len);
    entries.push({ id, offset, length });
    pos += 14 + len;
  }
  return { bytes: b, magic, version, count, entries, rest: b.length - pos };
}

describe('close / reopen', () => {
  it('every write survives close and reopen (ZdsStore)', () => {
    const root = tempDir();
    const s = ZdsStore.open(root, 'c', 7);
    for (let i = 0; i < 100; i++) s.put(`d${i}`, { i, s: `v${i}` });
    for (let i = 0; i < 100; i += 3) s.delete(`d${i}`);
    for (let i = 1; i < 100; i += 10) s.put(`d${i}`, { i, updated: true });
    const before = s.scan();
    const count = s.count;
    s.close();
    const again = ZdsStore.open(root, 'c');
    expect(again.count).toBe(count);
    expect(again.scan()).toEqual(before);
    expect(again.get('d1')).toEqual({ i: 1, updated: true });
    expect(again.exists('d0')).toBe(false);
    expect(again.exists('d3')).toBe(false);
    again.close();
  });

  it('survives close/reopen through ZdsRoot', () => {
    const dir = tempDir();
    const r = ZdsRoot.open(dir);
    const a = r.collection('a');
    const b = r.collection('b', 2);
    a.put('x', { v: 1 });
    b.put('y', { v: 2 });
    b.put('z', { v: 3 });
    b.delete('y');
    r.close();
    const r2 = ZdsRoot.open(dir, 100, 'r');
    expect(r2.listCollections()).toEqual(['a', 'b']);
    expect(r2.collection('a').scan()).toEqual([{ _id: 'x', v: 1 }]);
    expect(r2.collection('b').scan()).toEqual([{ _id: 'z', v: 3 }]);
    r2.close();
  });

  it('survives close/reopen through the typed layer', () => {
    const dir = tempDir();
    const st = open(dir);
    const c = st.collection<{ n: number }>('nums');
    c.putMany(Array.from({ length: 50 }, (_, i) => [`n${i}`, { n: i }] as const));
    st.close();
    const again = open(dir, { readOnly: true });
    const c2 = again.collection<{ n: number }>('nums');
    expect(c2.count()).toBe(50);
    expect(c2.get('n49')).toEqual({ _id: 'n49', n: 49 });
    again.close();
  });
});

describe('index.bin after flush', () => {
  it('exists, starts with "ISDZ", version 1 (u32 LE), count (u64 LE) = live docs', () => {
    const root = tempDir();
    const s = ZdsStore.open(root);
    s.put('a', { v: 1 });
    s.put('b', { v: 2 });
    s.put('c', { v: 3 });
    s.put('a', { v: 4 });
    s.delete('b');
    s.flush();
    const f = collectionFiles(root, 'default');
    expect(existsSync(f.index)).toBe(true);
    const idx = readIndex(f.index);
    expect([...idx.bytes.subarray(0, 4)]).toEqual([0x49, 0x53, 0x44, 0x5a]);
    expect(idx.magic).toBe('ISDZ');
    expect(idx.version).toBe(1);
    expect(idx.bytes.readUInt32LE(0)).toBe(0x5a445349);
    expect(idx.count).toBe(2n);
    expect(Number(idx.count)).toBe(s.count);
    // entries: live docs in scan order, pointing at their latest lines
    expect(idx.entries.map((e) => e.id)).toEqual(['c', 'a']);
    const data = readFileSync(f.data);
    for (const e of idx.entries) {
      const line = data.subarray(e.offset, e.offset + e.length).toString('utf8');
      expect(line.endsWith('\n')).toBe(true);
      expect(JSON.parse(line)._id).toBe(e.id);
    }
    expect(JSON.parse(data.subarray(idx.entries[1].offset, idx.entries[1].offset + idx.entries[1].length).toString())).toEqual({ _id: 'a', v: 4 });
    // what follows the entries is the 32-byte zds trailer ("XSDZ", version 1, data_length)
    expect(idx.rest).toBe(32);
    const t = idx.bytes.length - 32;
    expect(idx.bytes.subarray(t, t + 4).toString('latin1')).toBe('XSDZ');
    expect(idx.bytes.readUInt32LE(t + 4)).toBe(1);
    expect(Number(idx.bytes.readBigUInt64LE(t + 8))).toBe(data.length);
    s.close();
  });

  it('an empty collection has a 48-byte index with count 0', () => {
    const root = tempDir();
    const s = ZdsStore.open(root);
    s.flush();
    const idx = readIndex(collectionFiles(root, 'default').index);
    expect(idx.bytes.length).toBe(48);
    expect(idx.count).toBe(0n);
    s.close();
  });

  it('count in index.bin follows later flushes', () => {
    const root = tempDir();
    const s = ZdsStore.open(root);
    for (let i = 0; i < 10; i++) s.put(`k${i}`, {});
    s.flush();
    expect(readIndex(collectionFiles(root, 'default').index).count).toBe(10n);
    s.delete('k0');
    s.delete('k1');
    s.flush();
    expect(readIndex(collectionFiles(root, 'default').index).count).toBe(8n);
    s.close();
  });
});

describe('flush without close', () => {
  it('a read-only handle opened in the same process after flush() sees the flushed docs', () => {
    const root = tempDir();
    const w = ZdsStore.open(root, 'c');
    for (let i = 0; i < 30; i++) w.put(`d${i}`, { i });
    w.delete('d5');
    w.flush();
    const r = ZdsStore.open(root, { collection: 'c', readOnly: true });
    expect(r.count).toBe(29);
    expect(r.get('d29')).toEqual({ i: 29 });
    expect(r.exists('d5')).toBe(false);
    expect(r.listDocIds()).toEqual(w.listDocIds());
    r.close();
    // the writer is still usable after the reader closed
    w.put('more', { v: 1 });
    expect(w.count).toBe(30);
    w.close();
  });

  it('data.jsonl holds every flushed line, fsynced, before close', () => {
    const root = tempDir();
    const w = ZdsStore.open(root, 'c', 1000);
    w.put('a', { v: 1 });
    w.put('b', { v: 2 });
    w.flush();
    expect(dataLines(root, 'c')).toEqual([
      { _id: 'a', v: 1 },
      { _id: 'b', v: 2 },
    ]);
    w.close();
  });
});

describe('compact()', () => {
  it('shrinks data.jsonl after overwrites/deletes, keeps every live doc and its order', () => {
    const root = tempDir();
    const s = ZdsStore.open(root, 'c', 50);
    for (let i = 0; i < 200; i++) s.put(`d${i}`, { i, pad: 'x'.repeat(50) });
    for (let i = 0; i < 200; i += 2) s.put(`d${i}`, { i, pad: 'y'.repeat(50), v: 2 });
    for (let i = 0; i < 200; i += 5) s.delete(`d${i}`);
    s.flush();
    const f = collectionFiles(root, 'c');
    const sizeBefore = statSync(f.data).size;
    const scanBefore = s.scan();
    const idsBefore = s.listDocIds();
    const countBefore = s.count;
    expect(countBefore).toBe(160);
    s.compact();
    const sizeAfter = statSync(f.data).size;
    expect(sizeAfter).toBeLessThan(sizeBefore);
    expect(s.count).toBe(countBefore);
    expect(s.listDocIds()).toEqual(idsBefore);
    expect(s.scan()).toEqual(scanBefore);
    // data.jsonl now holds exactly the live docs, one line each, in scan order
    const lines = dataLines(root, 'c');
    expect(lines).toEqual(scanBefore);
    expect(lines.length).toBe(160);
    expect(lines.some((l) => '$zds' in l)).toBe(false);
    expect(new Set(lines.map((l) => l._id)).size).toBe(160);
    expect(sizeAfter).toBe(s.readJsonlBlob().length);
    // index.bin matches the compacted file
    const idx = readIndex(f.index);
    expect(Number(idx.count)).toBe(160);
    expect(idx.entries.map((e) => e.id)).toEqual(idsBefore);
    s.close();
    const again = ZdsStore.open(root, 'c');
    expect(again.scan()).toEqual(scanBefore);
    expect(again.recovery.indexRebuilt).toBe(false);
    again.close();
  });

  it('keeps working after compaction: writes append to the new file', () => {
    const root = tempDir();
    const s = ZdsStore.open(root);
    s.put('a', { v: 1 });
    s.put('a', { v: 2 });
    s.put('b', { v: 1 });
    s.delete('b');
    s.compact();
    expect(readFileSync(collectionFiles(root, 'default').data, 'utf8')).toBe('{"_id":"a","v":2}\n');
    s.put('c', { v: 3 });
    s.delete('a');
    expect(s.scan()).toEqual([{ _id: 'c', v: 3 }]);
    s.close();
    expect(dataLines(root)).toEqual([{ _id: 'a', v: 2 }, { _id: 'c', v: 3 }, { _id: 'a', $zds: 'delete' }]);
    const again = ZdsStore.open(root);
    expect(again.scan()).toEqual([{ _id: 'c', v: 3 }]);
    again.close();
  });

  it('on an empty collection (everything deleted) leaves an empty data.jsonl', () => {
    const root = tempDir();
    const s = ZdsStore.open(root);
    s.put('a', {});
    s.delete('a');
    s.compact();
    expect(statSync(collectionFiles(root, 'default').data).size).toBe(0);
    expect(s.count).toBe(0);
    s.close();
  });

  it('leaves no temporary files behind', () => {
    const root = tempDir();
    const s = ZdsStore.open(root);
    s.put('a', {});
    s.put('a', { v: 1 });
    s.compact();
    const f = collectionFiles(root, 'default');
    expect(existsSync(f.data + '.compact.tmp')).toBe(false);
    expect(existsSync(f.index + '.tmp')).toBe(false);
    expect(existsSync(f.manifest + '.tmp')).toBe(false);
    s.close();
  });
});

describe('manifest.json', () => {
  it('has collection and doc_count after close', () => {
    const root = tempDir();
    const s = ZdsStore.open(root, 'people');
    for (let i = 0; i < 12; i++) s.put(`p${i}`, { i });
    s.delete('p0');
    s.close();
    const text = readFileSync(collectionFiles(root, 'people').manifest, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const m = JSON.parse(text);
    expect(m.collection).toBe('people');
    expect(m.doc_count).toBe(11);
    expect(m.version).toBe('1.0');
    expect(m.format).toBe('jsonl');
    expect(m.strict).toBe(false);
    expect(m.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(m.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Object.keys(m)).toEqual(['version', 'collection', 'strict', 'created_at', 'updated_at', 'doc_count', 'format']);
  });

  it('doc_count is updated on the next close, created_at is kept', () => {
    const root = tempDir();
    const s = ZdsStore.open(root);
    s.put('a', {});
    s.close();
    const first = JSON.parse(readFileSync(collectionFiles(root, 'default').manifest, 'utf8'));
    expect(first.doc_count).toBe(1);
    const s2 = ZdsStore.open(root);
    s2.put('b', {});
    s2.put('c', {});
    s2.close();
    const second = JSON.parse(readFileSync(collectionFiles(root, 'default').manifest, 'utf8'));
    expect(second.doc_count).toBe(3);
    expect(second.created_at).toBe(first.created_at);
    expect(second.collection).toBe('default');
  });

  it('doc_count after compact', () => {
    const root = tempDir();
    const s = ZdsStore.open(root);
    s.put('a', {});
    s.put('b', {});
    s.delete('a');
    s.compact();
    expect(JSON.parse(readFileSync(collectionFiles(root, 'default').manifest, 'utf8')).doc_count).toBe(1);
    s.close();
  });
});
