// Opening a .zds archive in place: read-only, and every read (get, find,
// count, iteration, streams, views) answers as the unpacked folder does; for
// stored and deflated archives, archives without an index, archives made by
// Info-ZIP or with data descriptors and Windows attributes.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { open, pack, ZdsRoot, ZdsStore, type Store } from '../dist/index.js';
import { tempDir } from './helpers';
import { craftZip, type CraftEntry } from './helpers/zip-craft';

type Doc = { i: number; name: string; tags: string[]; meta: { src: string } };

function makeStore(dir: string): void {
  const store = open(dir);
  const users = store.collection<Doc>('users');
  for (let i = 0; i < 2000; i++) {
    users.put(`u${i}`, { i, name: `user ${i}`, tags: [`t${i % 4}`], meta: { src: i % 3 ? 'web' : 'app' } });
  }
  users.delete('u3');
  users.put('u5', { i: 5, name: 'five again', tags: [], meta: { src: 'app' } });
  store.collection('empty');
  store.close();
}

/** Reads every way there is, so folder and archive can be compared. */
async function readAll(store: Store) {
  const users = store.collection<Doc>('users');
  const streamed: unknown[] = [];
  for await (const d of users.stream({ tags: 't1' }, { fields: ['name'] })) streamed.push(d);
  const view = users.view({ 'meta.src': 'app' }, { sort: { i: -1 } });
  const out = {
    collections: store.collections(),
    count: users.count(),
    get: [users.get('u0'), users.get('u3'), users.get('u5'), users.get('u1999')],
    all: users.toArray(),
    find: users.find({ i: { $gte: 100, $lt: 120 } }, { sort: { i: -1 } }).toArray(),
    countFilter: users.count({ 'meta.src': 'web' }),
    distinct: users.distinct('tags'),
    asyncIds: [] as string[],
    streamed,
    view: [view.length, view.at(0), view.slice(5, 7)],
    ids: users.ids(),
  };
  view.close();
  for await (const d of users) out.asyncIds.push(d._id);
  return out;
}

/** Info-ZIP's `zip <flags> out . -x <excludes>` in `cwd`; false when zip is not installed. */
function zipBy(cwd: string, out: string, flags: string[], excludes: string[] = []): boolean {
  if (!existsSync('/usr/bin/zip')) return false;
  const r = spawnSync('zip', [...flags, out, '.', '-x', '.zds/*', ...excludes], { cwd, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return true;
}

describe('open() of a .zds archive', () => {
  it('reads a stored archive in place exactly as the folder, and refuses writes', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'));
    await pack(join(dir, 'store'), join(dir, 'a.zds'));
    const folder = open(join(dir, 'store'), { readOnly: true });
    const archive = open(join(dir, 'a.zds'));
    expect(archive.readOnly).toBe(true);
    expect(await readAll(archive)).toEqual(await readAll(folder));
    expect(() => archive.collection('users').put('x', { i: 0, name: '', tags: [], meta: { src: '' } })).toThrow(
      expect.objectContaining({ code: 'EREADONLY' }),
    );
    expect(() => archive.collection('nope')).toThrow(expect.objectContaining({ code: 'ENOTFOUND' }));
    expect(archive.collection('users').recovery.indexRebuilt).toBe(false);
    folder.close();
    archive.close();
  });

  it('reads deflated archives and archives without an index', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'));
    const want = await readAll(open(join(dir, 'store'), { readOnly: true }));
    await pack(join(dir, 'store'), join(dir, 'd.zds'), { compression: 'deflate', level: 9 });
    const d = open(join(dir, 'd.zds'));
    expect(await readAll(d)).toEqual(want);
    d.close();
    if (zipBy(join(dir, 'store'), join(dir, 'noindex.zds'), ['-r', '-q'], ['*/index.bin'])) {
      const n = open(join(dir, 'noindex.zds'));
      expect(await readAll(n)).toEqual(want);
      expect(n.collection('users').recovery.indexRebuilt).toBe(true);
      n.close();
    }
  });

  it('streams scans of a large deflated collection and still answers gets', async () => {
    const dir = tempDir();
    const store = open(join(dir, 'store'));
    const lines = Array.from({ length: 120_000 }, (_, i) =>
      JSON.stringify({ _id: `d${i}`, n: i, group: i % 10 ? 'other' : 'ten', pad: 'x'.repeat(100) }),
    );
    store.collection('big').writeJsonl(lines.join('\n') + '\n'); // ~20 MB: streamed, not held
    store.close();
    await pack(join(dir, 'store'), join(dir, 'big.zds'), { compression: 'deflate', level: 1 });
    const s = open(join(dir, 'big.zds'));
    const big = s.collection<{ n: number; group: string }>('big');
    expect(big.count({ group: 'ten' })).toBe(12_000);
    let seen = 0;
    for await (const d of big.find({ n: { $gte: 119_990 } })) seen += d.n >= 119_990 ? 1 : 0;
    expect(seen).toBe(10);
    expect(big.get('d5')?.n).toBe(5);
    expect(big.get('d119999')?.n).toBe(119_999);
    s.close();
  });

  it('opens a folder zipped by hand with Info-ZIP (directory entries, deflate, -fd data descriptors)', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'));
    const want = await readAll(open(join(dir, 'store'), { readOnly: true }));
    for (const [name, args] of [
      ['plain.zds', ['-r', '-q']],
      ['stored.zds', ['-r', '-q', '-0']],
      ['descriptors.zds', ['-r', '-q', '-fd']],
    ] as const) {
      if (!zipBy(join(dir, 'store'), join(dir, name), [...args])) return;
      const s = open(join(dir, name));
      expect(await readAll(s), name).toEqual(want);
      s.close();
    }
  });

  it('opens archives with data descriptors and MS-DOS attributes as Windows tools write them', () => {
    const dir = tempDir();
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ _id: `d${i}`, n: i })).join('\n') + '\n';
    const entries: CraftEntry[] = [
      { name: 'collections/', dosAttributes: 0x10 },
      { name: 'collections/c/', dosAttributes: 0x10 },
      { name: 'collections/c/meta/', dosAttributes: 0x10 },
      { name: 'collections/c/meta/data.jsonl', data: lines, method: 8, descriptor: true, dosAttributes: 0x20 },
    ];
    writeFileSync(join(dir, 'win.zds'), craftZip(entries));
    const s = open(join(dir, 'win.zds'));
    const c = s.collection('c');
    expect(c.count()).toBe(50);
    expect(c.get('d42')).toEqual({ _id: 'd42', n: 42 });
    expect(c.find({ n: { $lt: 3 } }).toArray().map((d) => d._id)).toEqual(['d0', 'd1', 'd2']);
    s.close();
  });

  it('works through the upstream API: ZdsStore.open and ZdsRoot.open', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'));
    await pack(join(dir, 'store'), join(dir, 'a.zds'));
    const store = ZdsStore.open(join(dir, 'a.zds'), 'users');
    expect(store.count).toBe(1999);
    expect(store.get('u10')).toEqual({ i: 10, name: 'user 10', tags: ['t2'], meta: { src: 'web' } });
    expect(store.scan({ predicate: { i: 10 }, fields: ['name'] })).toEqual([{ _id: 'u10', name: 'user 10' }]);
    store.close();
    const root = ZdsRoot.open(join(dir, 'a.zds'));
    expect(root.listCollections()).toEqual(['empty', 'users']);
    expect(root.isWritable).toBe(false);
    root.close();
    // root.pack(path), as upstream: a writable root packs its own store.
    const rw = ZdsRoot.open(join(dir, 'store'));
    rw.collection('users').put('late', { i: -1 });
    await rw.pack(join(dir, 'b.zds'));
    rw.close();
    const b = ZdsStore.open(join(dir, 'b.zds'), 'users');
    expect(b.get('late')).toEqual({ i: -1 });
    b.close();
  });

  it('keeps the archive readable for a view or scan that outlives the store handle', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'));
    await pack(join(dir, 'store'), join(dir, 'a.zds'));
    const s = open(join(dir, 'a.zds'));
    const users = s.collection<Doc>('users');
    const view = users.view({ tags: 't2' });
    const it = users.find({ tags: 't1' })[Symbol.asyncIterator]();
    await it.next();
    s.close(); // every handle of the store is gone; the view and the scan hold their snapshot
    expect(view.at(0)?._id).toBe('u2');
    expect(view.slice(-1)[0]?._id).toBe('u1998');
    let n = 1;
    while (!(await it.next()).done) n++;
    expect(n).toBe(499); // u5 lost its tag when put again
    view.close();
  });

  it('refuses a broken archive with EBADARCHIVE', () => {
    const dir = tempDir();
    const good = craftZip([{ name: 'collections/c/meta/data.jsonl', data: '{"_id":"a"}\n' }]);
    writeFileSync(join(dir, 'cut.zds'), good.subarray(0, good.length - 10));
    expect(() => open(join(dir, 'cut.zds'))).toThrow(expect.objectContaining({ code: 'EBADARCHIVE' }));
  });

  it('leaves the archive untouched', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'));
    await pack(join(dir, 'store'), join(dir, 'a.zds'));
    const before = readFileSync(join(dir, 'a.zds'));
    const s = open(join(dir, 'a.zds'));
    await readAll(s);
    s.close();
    expect(readFileSync(join(dir, 'a.zds')).equals(before)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['a.zds', 'store']);
    expect(relative(dir, join(dir, 'a.zds'))).toBe('a.zds');
    expect(statSync(join(dir, 'a.zds')).isFile()).toBe(true);
  });
});
