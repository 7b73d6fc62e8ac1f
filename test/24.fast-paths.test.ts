// The paths issue #3 made fast must stay exact: writeJsonl taking ids from
// the lines, gets read through a mapping of data.jsonl (which grows and is
// replaced by compaction), scans that build their JSON array in place, and
// ASCII/non-ASCII text crossing into JavaScript.
import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { open } from '../dist/index.js';
import { collectionFiles, errorOf, tempDir } from './helpers';

describe('writeJsonl without ids (the import path)', () => {
  it('stores each line under its own _id, in order, replacing earlier versions', () => {
    const store = open(tempDir());
    const c = store.collection('imp');
    c.put('b', { old: true });
    const n = c.writeJsonl(Buffer.from('{"_id":"a","v":1}\n\n{"v":2,"_id":"b"}\r\n{"_id":"c"}\n'));
    expect(n).toBe(3);
    expect(c.get('a')).toEqual({ _id: 'a', v: 1 });
    expect(c.get('b')).toEqual({ v: 2, _id: 'b' });
    expect(c.get('c')).toEqual({ _id: 'c' });
    expect(c.ids()).toEqual(['a', 'b', 'c']);
    store.close();
  });

  it('accepts a string and a Uint8Array', () => {
    const store = open(tempDir());
    const c = store.collection('imp');
    expect(c.writeJsonl('{"_id":"s"}\n')).toBe(1);
    expect(c.writeJsonl(new TextEncoder().encode('{"_id":"u","é":"ü"}'))).toBe(1);
    expect(c.get('u')).toEqual({ _id: 'u', é: 'ü' });
    store.close();
  });

  it.each([
    ['a line without _id', '{"_id":"ok"}\n{"v":1}\n', /Line 2 .*"_id"/],
    ['a non-string _id', '{"_id":7}\n', /Line 1 /],
    ['an invalid _id', '{"_id":"a/b"}\n', /Line 1 /],
    ['a delete marker', '{"_id":"x","$zds":"delete"}\n', /Line 1 .*\$zds/],
    ['broken JSON', '{"_id":"x",\n', /Line 1 .*JSON/],
  ])('refuses %s with EINVALIDDOC and writes nothing', (_what, text, message) => {
    const root = tempDir();
    const store = open(root);
    const c = store.collection('imp');
    c.put('keep', { k: 1 });
    const err = errorOf(() => c.writeJsonl(text));
    expect(err.code).toBe('EINVALIDDOC');
    expect(err.message).toMatch(message);
    expect(c.ids()).toEqual(['keep']);
    store.close();
    const again = open(root).collection('imp');
    expect(again.toArray()).toEqual([{ _id: 'keep', k: 1 }]);
  });

  it('still validates an explicit ids argument', () => {
    const store = open(tempDir());
    const c = store.collection('imp');
    expect(errorOf(() => c.writeJsonl('{}\n', 'a' as unknown as string[])).code).toBe('EINVALIDARG');
    expect(errorOf(() => c.writeJsonl('{}\n{}\n', ['a'])).code).toBe('EINVALIDARG');
    store.close();
  });
});

describe('gets through the mapping of data.jsonl', () => {
  const doc = (i: number) => ({ i, pad: 'x'.repeat(200), s: `n${i}` });

  it('see documents written before and after the file outgrows the mapping', () => {
    const store = open(tempDir(), { batchSize: 100 });
    const c = store.collection('m');
    for (let i = 0; i < 1000; i++) c.put(`d${i}`, doc(i));
    c.flush();
    expect(c.get('d10')).toEqual({ _id: 'd10', ...doc(10) }); // maps the file
    // Well over a megabyte more, partly still buffered, partly written.
    for (let i = 1000; i < 8000; i++) c.put(`d${i}`, doc(i));
    for (const i of [0, 999, 1000, 4321, 7999]) expect(c.get(`d${i}`)).toEqual({ _id: `d${i}`, ...doc(i) });
    c.put('d10', { replaced: true });
    expect(c.get('d10')).toEqual({ _id: 'd10', replaced: true });
    store.close();
  });

  it('see the compacted file after compaction replaced the mapped one', () => {
    const store = open(tempDir());
    const c = store.collection('m');
    for (let i = 0; i < 500; i++) c.put(`d${i}`, doc(i));
    for (let i = 0; i < 500; i += 2) c.delete(`d${i}`);
    c.flush();
    expect(c.get('d1')).toEqual({ _id: 'd1', ...doc(1) });
    c.compact();
    expect(c.get('d0')).toBeUndefined();
    for (const i of [1, 3, 251, 499]) expect(c.get(`d${i}`)).toEqual({ _id: `d${i}`, ...doc(i) });
    store.close();
  });

  it('of a read-only handle follow a refresh after the writer compacted', () => {
    const root = tempDir();
    const writer = open(root);
    const w = writer.collection('m');
    for (let i = 0; i < 300; i++) w.put(`d${i}`, doc(i));
    writer.close();
    const reader = open(root, { readOnly: true }).collection('m');
    expect(reader.get('d7')).toEqual({ _id: 'd7', ...doc(7) });
    const writer2 = open(root);
    const w2 = writer2.collection('m');
    for (let i = 0; i < 300; i += 3) w2.delete(`d${i}`);
    w2.put('d7', { v: 2 });
    w2.compact();
    writer2.close();
    expect(reader.get('d7')).toEqual({ _id: 'd7', ...doc(7) }); // its snapshot until refresh
    reader.refresh();
    expect(reader.get('d7')).toEqual({ _id: 'd7', v: 2 });
    expect(reader.get('d3')).toBeUndefined();
    expect(reader.get('d4')).toEqual({ _id: 'd4', ...doc(4) });
  });
});

describe('text crossing into JavaScript', () => {
  const values = ['plain ascii', 'é', 'ü and ascii', '中文', '😀', '\u2028', 'x'.repeat(5000) + 'é'];

  it('round-trips ASCII and non-ASCII documents through get, getMany and scans', () => {
    const store = open(tempDir());
    const c = store.collection('t');
    values.forEach((v, i) => c.put(`k${i}`, { v }));
    c.flush();
    values.forEach((v, i) => expect(c.get(`k${i}`)).toEqual({ _id: `k${i}`, v }));
    expect(c.getMany(values.map((_, i) => `k${i}`)).map((d) => d?.v)).toEqual(values);
    expect(c.toArray().map((d) => d.v)).toEqual(values);
    expect([...c].map((d) => d.v)).toEqual(values);
    store.close();
  });
});

describe('scans build their JSON array in place', () => {
  it('turn CRLF lines, overwritten and deleted documents into the right array', () => {
    const root = tempDir();
    const files = collectionFiles(root, 'crlf');
    const store = open(root);
    store.collection('crlf').put('seed', { s: 1 });
    store.close();
    // Another tool's lines: CRLF endings and spaces, appended after ours.
    appendFileSync(files.data, '{"_id":"a","v":1}\r\n{ "_id" : "b", "v" : [1, 2] }\r\n{"_id":"c","v":"\\r\\n"}\r\n');
    const again = open(root);
    const c = again.collection('crlf');
    expect(c.toArray()).toEqual([
      { _id: 'seed', s: 1 },
      { _id: 'a', v: 1 },
      { _id: 'b', v: [1, 2] },
      { _id: 'c', v: '\r\n' },
    ]);
    c.put('a', { v: 'new' });
    c.delete('b');
    c.flush();
    expect(c.toArray()).toEqual([
      { _id: 'seed', s: 1 },
      { _id: 'c', v: '\r\n' },
      { _id: 'a', v: 'new' },
    ]);
    // Raw lines keep the stored bytes, without the CR.
    expect(c.rawLines().map((b) => b.toString())).toEqual([
      '{"_id":"seed","s":1}',
      '{"_id":"c","v":"\\r\\n"}',
      '{"_id":"a","v":"new"}',
    ]);
    again.close();
  });

  it('return an empty array for an empty collection', () => {
    const root = tempDir();
    const store = open(root);
    const c = store.collection('empty');
    expect(c.toArray()).toEqual([]);
    c.put('x', { x: 1 });
    c.delete('x');
    c.flush();
    expect(c.toArray()).toEqual([]);
    store.close();
  });
});
