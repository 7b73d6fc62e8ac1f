// pack, unpack, info and verify of .zds archives (FORMAT.md "Archives"):
// round trips, interop with Info-ZIP, every refusal of unpack with a crafted
// archive, limits, progress and abort.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { info, open, pack, unpack, verify, ZdsError } from '../dist/index.js';
import { collectionFiles, PACKAGE_CJS, tempDir } from './helpers';
import { craftZip, type CraftEntry } from './helpers/zip-craft';

const hasUnzip = existsSync('/usr/bin/unzip');

function makeStore(dir: string, n = 500): void {
  const store = open(dir);
  const users = store.collection('users');
  for (let i = 0; i < n; i++) users.put(`u${i}`, { i, name: `user ${i}`, tags: [`t${i % 3}`] });
  users.delete('u7');
  const events = store.collection('events');
  events.put('e1', { kind: 'click' });
  store.close();
}

/** Every file under `dir`, relative path → bytes. */
function files(dir: string, base = dir, out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, base, out);
    else out.set(p.slice(base.length + 1), readFileSync(p));
  }
  return out;
}

async function rejection(p: Promise<unknown>): Promise<ZdsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(ZdsError);
  return err as ZdsError;
}

describe('pack and unpack', () => {
  it('round-trips a store folder byte for byte (stored and deflated)', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'));
    for (const compression of ['store', 'deflate'] as const) {
      const archive = join(dir, `${compression}.zds`);
      await pack(join(dir, 'store'), archive, { compression });
      const out = join(dir, `out-${compression}`);
      await unpack(archive, out);
      const want = files(join(dir, 'store'));
      for (const k of [...want.keys()]) if (k.startsWith('.zds')) want.delete(k); // the lock is not packed
      expect(files(out)).toEqual(want);
      const s = open(out);
      expect(s.collection('users').count()).toBe(499);
      s.close();
    }
    const stored = info(join(dir, 'store.zds')).collections;
    const deflated = info(join(dir, 'deflate.zds')).collections;
    expect(stored.map((c) => [c.name, c.documents, c.dataStored, c.hasIndex])).toEqual([
      ['events', 1, true, true],
      ['users', 499, true, true],
    ]);
    expect(deflated[1].dataStored).toBe(false);
    expect(deflated[1].compressedBytes).toBeLessThan(deflated[1].dataBytes / 2);
    expect(stored[1].compressedBytes).toBe(stored[1].dataBytes);
  });

  it.skipIf(!hasUnzip)('writes archives that unzip -t and unzip -l accept', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'));
    for (const compression of ['store', 'deflate'] as const) {
      const archive = join(dir, `${compression}.zds`);
      await pack(join(dir, 'store'), archive, { compression });
      const t = spawnSync('unzip', ['-t', archive], { encoding: 'utf8' });
      expect(t.status, t.stdout + t.stderr).toBe(0);
      const l = spawnSync('unzip', ['-l', archive], { encoding: 'utf8' });
      expect(l.stdout).toContain('collections/users/meta/data.jsonl');
      expect(l.stdout).not.toContain('.zds_write.lock');
    }
  });

  it('store.pack() flushes pending writes and holds the lock; pack(dir) of a locked store is refused', async () => {
    const dir = tempDir();
    const store = open(join(dir, 'store'));
    const c = store.collection('c');
    for (let i = 0; i < 1234; i++) c.put(`k${i}`, { i }); // still buffered
    await store.pack(join(dir, 'a.zds'));
    await unpack(join(dir, 'a.zds'), join(dir, 'out'));
    const copy = open(join(dir, 'out'), { readOnly: true });
    expect(copy.collection('c').count()).toBe(1234);
    expect(copy.collection('c').recovery.indexRebuilt).toBe(false);
    copy.close();
    store.close();
    const ro = open(join(dir, 'store'), { readOnly: true });
    await expect(ro.pack(join(dir, 'b.zds'))).rejects.toMatchObject({ code: 'EREADONLY' });
    ro.close();
  });

  it('packs a consistent snapshot while another process writes', async () => {
    const dir = tempDir();
    const root = join(dir, 'store');
    const script = `
      const z = require(${JSON.stringify(PACKAGE_CJS)});
      const store = z.open(process.argv[1]);
      const c = store.collection('c');
      let i = 0;
      const timer = setInterval(() => { for (let k = 0; k < 200; k++, i++) c.put('k' + i, { i }); }, 1);
      process.stdin.once('data', async () => {
        const acked = i;                       // every put before this is acknowledged
        await store.pack(process.argv[2]);
        clearInterval(timer);
        store.close();
        console.log(acked);
      });
      console.log('ready');
    `;
    const child = spawn(process.execPath, ['-e', script, root, join(dir, 'live.zds')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 150));
    // Another process holds the writer lock: pack(dir) here is refused.
    expect((await rejection(pack(root, join(dir, 'other.zds')))).code).toBe('ELOCKED');
    child.stdin.end('go\n');
    await new Promise((resolve) => child.on('exit', resolve));
    const acked = Number(out.trim().split('\n').pop());
    expect(acked).toBeGreaterThan(0);
    await unpack(join(dir, 'live.zds'), join(dir, 'out'));
    expect((await verify(join(dir, 'out'))).problems).toEqual([]);
    const s = open(join(dir, 'out'), { readOnly: true });
    expect(s.collection('c').count()).toBeGreaterThanOrEqual(acked);
    expect(s.collection('c').get(`k${acked - 1}`)).toEqual({ _id: `k${acked - 1}`, i: acked - 1 });
    s.close();
  });

  it('reports progress and stops on abort, leaving no file behind', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'), 3000);
    const seen: number[] = [];
    await pack(join(dir, 'store'), join(dir, 'p.zds'), { onProgress: (p) => seen.push(p.bytes) });
    expect(seen.length).toBeGreaterThan(0);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(pack(join(dir, 'store'), join(dir, 'q.zds'), { signal: ac.signal })).rejects.toThrow('stop');
    expect(readdirSync(dir).filter((n) => n.startsWith('q.zds'))).toEqual([]);
    const unpacked: number[] = [];
    await unpack(join(dir, 'p.zds'), join(dir, 'u'), { onProgress: (p) => unpacked.push(p.entries) });
    expect(unpacked.length).toBeGreaterThan(0);
  });

  it('refuses to unpack over a non-empty folder unless told to', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'), 10);
    await pack(join(dir, 'store'), join(dir, 'a.zds'));
    mkdirSync(join(dir, 'busy'));
    writeFileSync(join(dir, 'busy', 'keep.txt'), 'x');
    expect((await rejection(unpack(join(dir, 'a.zds'), join(dir, 'busy')))).code).toBe('EEXIST');
    expect(readFileSync(join(dir, 'busy', 'keep.txt'), 'utf8')).toBe('x');
    await unpack(join(dir, 'a.zds'), join(dir, 'busy'), { overwrite: true });
    expect(existsSync(join(dir, 'busy', 'keep.txt'))).toBe(false);
    expect(existsSync(collectionFiles(join(dir, 'busy'), 'users').data)).toBe(true);
    mkdirSync(join(dir, 'empty'));
    await unpack(join(dir, 'a.zds'), join(dir, 'empty'));
  });
});

describe('unpack refuses unsafe and broken archives, leaving nothing behind', () => {
  const ok: CraftEntry = { name: 'collections/c/meta/data.jsonl', data: '{"_id":"a"}\n' };
  const cases: [string, CraftEntry[], RegExp?][] = [
    ['a ../ traversal', [ok, { name: '../evil.txt', data: 'x' }]],
    ['a nested traversal', [ok, { name: 'collections/../../evil.txt', data: 'x' }]],
    ['a backslash traversal', [ok, { name: '..\\evil.txt', data: 'x' }]],
    ['an absolute path', [ok, { name: '/tmp/evil.txt', data: 'x' }]],
    ['a drive letter', [ok, { name: 'C:\\evil.txt', data: 'x' }]],
    ['a NUL in a name', [ok, { name: Buffer.from('evil\0.txt'), data: 'x' }]],
    ['a symlink', [ok, { name: 'link', data: '/etc/passwd', unixMode: 0o120777 }]],
    ['a repeated name', [ok, { name: 'collections/c/meta/data.jsonl', data: 'x' }]],
    ['a repeated name once normalised', [ok, { name: 'collections\\c\\meta\\data.jsonl', data: 'x' }]],
    ['a wrong CRC', [{ ...ok, crc: 0x12345678 }]],
  ];
  for (const [what, entries] of cases) {
    it(what, async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'bad.zds'), craftZip(entries));
      const err = await rejection(unpack(join(dir, 'bad.zds'), join(dir, 'out')));
      expect(err.code).toBe('EBADARCHIVE');
      expect(readdirSync(dir)).toEqual(['bad.zds']);
      expect(existsSync(join(dirname(dir), 'evil.txt'))).toBe(false);
    });
  }

  it('a truncated archive', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'), 50);
    await pack(join(dir, 'store'), join(dir, 'a.zds'));
    const bytes = readFileSync(join(dir, 'a.zds'));
    writeFileSync(join(dir, 'cut.zds'), bytes.subarray(0, bytes.length - 40));
    expect((await rejection(unpack(join(dir, 'cut.zds'), join(dir, 'out')))).code).toBe('EBADARCHIVE');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    writeFileSync(join(dir, 'junk.zds'), 'not a zip at all');
    expect((await rejection(unpack(join(dir, 'junk.zds'), join(dir, 'out')))).code).toBe('EBADARCHIVE');
  });

  it('a zip bomb, counted on the bytes actually inflated', async () => {
    const dir = tempDir();
    const zeros = Buffer.alloc(40 << 20);
    writeFileSync(join(dir, 'bomb.zds'), craftZip([{ name: 'big.bin', data: zeros, method: 8 }]));
    // Over the ratio limit (40 MiB from ~40 KiB).
    expect((await rejection(unpack(join(dir, 'bomb.zds'), join(dir, 'out')))).code).toBe('EBADARCHIVE');
    // Over a total limit the caller set, with the ratio allowed.
    const err = await rejection(unpack(join(dir, 'bomb.zds'), join(dir, 'out'), { maxRatio: 1e6, maxTotalBytes: 1 << 20 }));
    expect(err.message).toMatch(/limit/);
    expect(readdirSync(dir)).toEqual(['bomb.zds']);
    // A lying declared size does not help: the archive says 1 KiB, inflates to 40 MiB.
    const liar = craftZip([{ name: 'big.bin', data: zeros, method: 8, declaredSize: 1024 }]);
    expect(deflateRawSync(zeros).length).toBeLessThan(1 << 20);
    writeFileSync(join(dir, 'liar.zds'), liar);
    await expect(unpack(join(dir, 'liar.zds'), join(dir, 'out2'), { maxRatio: 1e6, maxTotalBytes: 1 << 20 })).rejects.toMatchObject({
      code: 'EBADARCHIVE',
    });
    // Raised limits let it through.
    await unpack(join(dir, 'bomb.zds'), join(dir, 'out3'), { maxRatio: 1e6 });
    expect(statSync(join(dir, 'out3', 'big.bin')).size).toBe(40 << 20);
  });

  it('too many entries', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'many.zds'), craftZip(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: 'x' }))));
    expect((await rejection(unpack(join(dir, 'many.zds'), join(dir, 'out'), { maxEntries: 10 }))).code).toBe('EBADARCHIVE');
  });

  it('accepts names that only look like traversal', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fine.zds'), craftZip([{ name: '..foo/a..b', data: 'ok' }, { name: 'x/./y', data: 'ok' }]));
    await unpack(join(dir, 'fine.zds'), join(dir, 'out'));
    expect(readFileSync(join(dir, 'out', '..foo', 'a..b'), 'utf8')).toBe('ok');
  });
});

describe('verify and info', () => {
  it('finds nothing wrong with a good store or archive, and each problem with its place otherwise', async () => {
    const dir = tempDir();
    makeStore(join(dir, 'store'), 100);
    expect(await verify(join(dir, 'store'))).toEqual({ ok: true, problems: [] });
    await pack(join(dir, 'store'), join(dir, 'a.zds'));
    expect(await verify(join(dir, 'a.zds'))).toEqual({ ok: true, problems: [] });
    const data = collectionFiles(join(dir, 'store'), 'users').data;
    const lines = readFileSync(data, 'utf8').split('\n');
    lines[4] = '{"_id":"u4", broken';
    writeFileSync(data, lines.join('\n'));
    const report = await verify(join(dir, 'store'));
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => /data\.jsonl/.test(p.where) && /\b5\b/.test(p.where))).toBe(true);
    // A flipped byte inside a stored entry: its CRC no longer matches.
    const bytes = readFileSync(join(dir, 'a.zds'));
    const at = bytes.indexOf('"user 10"');
    bytes[at + 2] ^= 0x20;
    writeFileSync(join(dir, 'flip.zds'), bytes);
    const flipped = await verify(join(dir, 'flip.zds'));
    expect(flipped.ok).toBe(false);
    expect(flipped.problems.map((p) => p.where).join(' ')).toContain('data.jsonl');
  });

  it('info lists an archive packed by Info-ZIP without an index', async () => {
    if (!existsSync('/usr/bin/zip')) return;
    const dir = tempDir();
    makeStore(join(dir, 'store'), 20);
    const r = spawnSync('zip', ['-r', '-q', join(dir, 'byhand.zds'), 'collections', '-x', '*/index.bin'], { cwd: join(dir, 'store') });
    expect(r.status).toBe(0);
    expect(info(join(dir, 'byhand.zds')).collections.map((c) => [c.name, c.documents, c.hasIndex])).toEqual([
      ['events', null, false],
      ['users', null, false],
    ]);
  });
});
