// Docs mode: collections kept as docs/<id>.json files (upstream Engine layout), read-only.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { open, ZdsError, ZdsRoot, ZdsStore } from '../dist/index.js';
import { collectionFiles, tempDir, errorOf } from './helpers';

const PRETTY = '{\n  "name": "Bob",\n  "tags": [\n    "x",\n    "y"\n  ],\n  "nested": {\n    "deep": true\n  }\n}\n';

/** A store with collection 'people' in docs mode; returns the root. */
function docsStore(): string {
  const root = tempDir();
  const docs = collectionFiles(root, 'people').docs;
  mkdirSync(docs, { recursive: true });
  writeFileSync(join(docs, 'bob.json'), PRETTY);
  writeFileSync(join(docs, 'alice.json'), '{"_id":"alice","name":"Alice","age":30}');
  writeFileSync(join(docs, 'carol.json'), '{"name":"Carol","age":41}');
  writeFileSync(join(docs, 'Zed.json'), '{"name":"Zed"}');
  // ignored: not .json, invalid ids
  writeFileSync(join(docs, 'notes.txt'), 'not a document');
  writeFileSync(join(docs, 'bad name.json'), '{"x":1}');
  writeFileSync(join(docs, '.hidden.json'), '{"x":1}');
  return root;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) {
        out[p] = 'dir';
        walk(p);
      } else out[p] = `${readFileSync(p, 'base64')}@${statSync(p).mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

describe('docs mode (docs/<id>.json, no meta/data.jsonl)', () => {
  it('ZdsStore.open reads it: get without _id, exists, count, sorted ids, scan with _id', () => {
    const root = docsStore();
    const s = ZdsStore.open(root, 'people');
    try {
      expect(s.count).toBe(4);
      expect(s.info).toEqual({ root, collection: 'people', count: 4 });
      // byte order of the ids: uppercase before lowercase
      expect(s.listDocIds()).toEqual(['Zed', 'alice', 'bob', 'carol']);
      expect(s.get('bob')).toEqual({ name: 'Bob', tags: ['x', 'y'], nested: { deep: true } });
      expect(s.get('alice')).toEqual({ name: 'Alice', age: 30 });
      expect(Object.prototype.hasOwnProperty.call(s.get('alice'), '_id')).toBe(false);
      expect(s.get('carol')).toEqual({ name: 'Carol', age: 41 });
      expect(s.exists('bob')).toBe(true);
      expect(s.exists('notes')).toBe(false);
      expect(s.exists('dave')).toBe(false);
      expect(errorOf(() => s.get('dave')).code).toBe('ENOTFOUND');
      expect(s.scan()).toEqual([
        { _id: 'Zed', name: 'Zed' },
        { _id: 'alice', name: 'Alice', age: 30 },
        { _id: 'bob', name: 'Bob', tags: ['x', 'y'], nested: { deep: true } },
        { _id: 'carol', name: 'Carol', age: 41 },
      ]);
      for (const d of s.scan()) expect(Object.keys(d)[0]).toBe('_id');
    } finally {
      s.close();
    }
  });

  it('scanRaw and readJsonlBlob give compact one-line JSON with _id first', () => {
    const root = docsStore();
    const s = ZdsStore.open(root, 'people');
    const raw = s.scanRaw().map((b) => b.toString('utf8'));
    expect(raw).toEqual([
      '{"_id":"Zed","name":"Zed"}',
      '{"_id":"alice","name":"Alice","age":30}',
      '{"_id":"bob","name":"Bob","tags":["x","y"],"nested":{"deep":true}}',
      '{"_id":"carol","name":"Carol","age":41}',
    ]);
    expect(s.readJsonlBlob().toString('utf8')).toBe(raw.map((l) => l + '\n').join(''));
    s.close();
  });

  it('writes → EREADONLY, in a writable store too; nothing changes on disk', () => {
    const root = docsStore();
    const before = snapshot(root);
    const s = ZdsStore.open(root, 'people');
    for (const write of [
      () => s.put('dave', { name: 'Dave' }),
      () => s.put('bob', { name: 'Bobby' }),
      () => s.delete('alice'),
      () => s.writeJsonl(Buffer.from('{"name":"E"}\n'), ['eve']),
      () => s.compact(),
    ]) {
      const err = errorOf(write);
      expect(err.code).toBe('EREADONLY');
      expect(err.message).toContain('people');
    }
    expect(s.count).toBe(4);
    expect(s.get('bob')).toEqual({ name: 'Bob', tags: ['x', 'y'], nested: { deep: true } });
    expect(s.exists('dave')).toBe(false);
    s.flush();
    s.close();
    expect(existsSync(collectionFiles(root, 'people').data)).toBe(false);
    expect(existsSync(collectionFiles(root, 'people').manifest)).toBe(false);
    const after = snapshot(root);
    // a writable store open may add the lock directory at the root; the collection is untouched
    for (const [p, v] of Object.entries(before)) expect(after[p], p).toBe(v);
    for (const p of Object.keys(after)) {
      if (!(p in before)) expect(p.startsWith(join(root, '.zds')), p).toBe(true);
    }
  });

  it('read-only open, ZdsRoot and the typed layer read it too', () => {
    const root = docsStore();
    const ro = ZdsStore.open(root, { collection: 'people', readOnly: true });
    expect(ro.count).toBe(4);
    expect(ro.get('carol')).toEqual({ name: 'Carol', age: 41 });
    ro.close();

    const r = ZdsRoot.open(root);
    expect(r.listCollections()).toEqual(['people']);
    expect(r.collectionExists('people')).toBe(true);
    const c = r.collection('people');
    expect(c.listDocIds()).toEqual(['Zed', 'alice', 'bob', 'carol']);
    expect(errorOf(() => c.put('x', {})).code).toBe('EREADONLY');
    r.close();

    const st = open(root);
    const tc = st.collection<{ name: string }>('people');
    expect(tc.readOnly).toBe(false);
    expect(tc.get('bob')).toEqual({ _id: 'bob', name: 'Bob', tags: ['x', 'y'], nested: { deep: true } });
    expect(tc.get('nobody')).toBeUndefined();
    expect(tc.has('alice')).toBe(true);
    expect(tc.ids()).toEqual(['Zed', 'alice', 'bob', 'carol']);
    expect([...tc].map((d) => d._id)).toEqual(['Zed', 'alice', 'bob', 'carol']);
    expect(tc.getMany(['carol', 'x'])).toEqual([{ _id: 'carol', name: 'Carol', age: 41 }, undefined]);
    expect(errorOf(() => tc.put('x', { name: 'x' })).code).toBe('EREADONLY');
    expect(errorOf(() => tc.delete('bob')).code).toBe('EREADONLY');
    st.close();
  });

  it('async iteration works in docs mode', async () => {
    const root = docsStore();
    const st = open(root, { readOnly: true });
    const ids: string[] = [];
    for await (const d of st.collection('people')) ids.push(d._id as string);
    expect(ids).toEqual(['Zed', 'alice', 'bob', 'carol']);
    st.close();
  });

  it('a file whose own _id differs from its name is returned as stored', () => {
    const root = tempDir();
    const docs = collectionFiles(root, 'c').docs;
    mkdirSync(docs, { recursive: true });
    writeFileSync(join(docs, 'file1.json'), '{"_id":"other","v":1}');
    const s = ZdsStore.open(root, 'c');
    expect(s.listDocIds()).toEqual(['file1']);
    expect(s.scan()).toEqual([{ _id: 'other', v: 1 }]);
    s.close();
  });

  it('a docs file that is not a JSON object fails its read with ECORRUPT; the others still read', () => {
    const root = tempDir();
    const docs = collectionFiles(root, 'c').docs;
    mkdirSync(docs, { recursive: true });
    writeFileSync(join(docs, 'good.json'), '{"v":1}');
    writeFileSync(join(docs, 'arr.json'), '[1,2]');
    writeFileSync(join(docs, 'broken.json'), '{"v":');
    const s = ZdsStore.open(root, 'c');
    expect(s.count).toBe(3);
    expect(errorOf(() => s.get('arr')).code).toBe('ECORRUPT');
    expect(errorOf(() => s.get('broken')).code).toBe('ECORRUPT');
    expect(s.get('good')).toEqual({ v: 1 });
    s.close();
  });

  it('when meta/data.jsonl also exists the collection is in JSONL mode and docs/ is ignored', () => {
    const root = docsStore();
    const w = ZdsStore.open(root, 'other');
    w.close();
    const f = collectionFiles(root, 'people');
    mkdirSync(f.meta, { recursive: true });
    writeFileSync(f.data, '{"_id":"jsonl-doc","v":1}\n');
    const s = ZdsStore.open(root, 'people');
    expect(s.listDocIds()).toEqual(['jsonl-doc']);
    expect(s.exists('bob')).toBe(false);
    s.put('new', { v: 2 });
    expect(s.count).toBe(2);
    s.close();
    expect(readFileSync(join(f.docs, 'bob.json'), 'utf8')).toBe(PRETTY);
  });
});
