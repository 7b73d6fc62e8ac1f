// version(), ZdsStore.open in its three call shapes, info, and the CJS/ESM entry points.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as cjsNamespace from '../dist/index.js';
import { ZdsError, ZdsRoot, ZdsStore, version } from '../dist/index.js';
import { collectionFiles, PACKAGE_CJS, PACKAGE_ESM, tempDir } from './helpers';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZdsError);
    return (err as ZdsError).code;
  }
  return undefined;
}

describe('version()', () => {
  it('returns the version in package.json', () => {
    expect(version()).toBe(pkg.version);
    expect(typeof version()).toBe('string');
  });
});

describe('ZdsStore.open(root)', () => {
  it('creates root/collections/default/meta with data.jsonl and manifest.json', () => {
    const root = join(tempDir(), 'store');
    expect(existsSync(root)).toBe(false);
    const store = ZdsStore.open(root);
    try {
      const f = collectionFiles(root, 'default');
      expect(statSync(f.meta).isDirectory()).toBe(true);
      expect(statSync(f.data).isFile()).toBe(true);
      expect(statSync(f.manifest).isFile()).toBe(true);
      expect(statSync(f.data).size).toBe(0);
      const manifest = JSON.parse(readFileSync(f.manifest, 'utf8'));
      expect(manifest.collection).toBe('default');
      expect(manifest.doc_count).toBe(0);
      expect(store.info).toEqual({ root, collection: 'default', count: 0 });
      expect(store.count).toBe(0);
    } finally {
      store.close();
    }
  });

  it('opens the named collection with a batch size: ZdsStore.open(root, "users", 100)', () => {
    const root = tempDir();
    const store = ZdsStore.open(root, 'users', 100);
    try {
      expect(existsSync(collectionFiles(root, 'users').data)).toBe(true);
      expect(existsSync(collectionFiles(root, 'default').dir)).toBe(false);
      expect(store.info).toEqual({ root, collection: 'users', count: 0 });
      for (let i = 0; i < 250; i++) store.put(`u${i}`, { i });
      expect(store.count).toBe(250);
      expect(store.get('u249')).toEqual({ i: 249 });
    } finally {
      store.close();
    }
    const again = ZdsStore.open(root, 'users');
    expect(again.count).toBe(250);
    expect(again.get('u0')).toEqual({ i: 0 });
    again.close();
  });

  it('accepts the options form { collection, batchSize, readOnly }', () => {
    const root = tempDir();
    const w = ZdsStore.open(root, { collection: 'things', batchSize: 2 });
    expect(w.info).toEqual({ root, collection: 'things', count: 0 });
    w.put('a', { v: 1 });
    w.put('b', { v: 2 });
    w.put('c', { v: 3 });
    w.close();

    const r = ZdsStore.open(root, { collection: 'things', readOnly: true });
    try {
      expect(r.info).toEqual({ root, collection: 'things', count: 3 });
      expect(r.get('b')).toEqual({ v: 2 });
      expect(codeOf(() => r.put('d', { v: 4 }))).toBe('EREADONLY');
      expect(r.count).toBe(3);
      expect(r.exists('d')).toBe(false);
    } finally {
      r.close();
    }
  });

  it('options form without a collection uses "default"', () => {
    const root = tempDir();
    const s = ZdsStore.open(root, { batchSize: 10 });
    expect(s.info.collection).toBe('default');
    s.close();
    expect(existsSync(collectionFiles(root, 'default').data)).toBe(true);
  });

  it('info.count follows writes', () => {
    const root = tempDir();
    const s = ZdsStore.open(root, 'c');
    s.put('x', {});
    s.put('y', {});
    expect(s.info).toEqual({ root, collection: 'c', count: 2 });
    s.delete('x');
    expect(s.info).toEqual({ root, collection: 'c', count: 1 });
    s.close();
  });

  it('info.root is exactly the string given: relative path', () => {
    const abs = join(tempDir(), 'rel-store');
    const rel = relative(process.cwd(), abs);
    expect(rel.startsWith('/')).toBe(false);
    const s = ZdsStore.open(rel, 'c');
    try {
      expect(s.info.root).toBe(rel);
      expect(s.info).toEqual({ root: rel, collection: 'c', count: 0 });
      expect(existsSync(collectionFiles(abs, 'c').data)).toBe(true);
    } finally {
      s.close();
    }
  });

  it('info.root is exactly the string given: trailing slash', () => {
    const base = tempDir();
    const given = base + '/';
    const s = ZdsStore.open(given);
    try {
      expect(s.info.root).toBe(given);
      expect(s.info).toEqual({ root: given, collection: 'default', count: 0 });
    } finally {
      s.close();
    }
  });

  it('read-only open of a missing store throws ENOTFOUND and creates nothing', () => {
    const root = join(tempDir(), 'missing');
    let caught: unknown;
    try {
      ZdsStore.open(root, { readOnly: true });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ZdsError);
    expect((caught as ZdsError).code).toBe('ENOTFOUND');
    expect((caught as ZdsError).message).toContain(root);
    expect(existsSync(root)).toBe(false);
  });

  it('read-only open of a missing collection in an existing store throws ENOTFOUND', () => {
    const root = tempDir();
    ZdsStore.open(root, 'present').close();
    expect(codeOf(() => ZdsStore.open(root, { collection: 'absent', readOnly: true }))).toBe('ENOTFOUND');
    expect(existsSync(collectionFiles(root, 'absent').dir)).toBe(false);
  });

  it('a root that is a file throws ENOTDIR and leaves the file alone', () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'hello');
    let caught: unknown;
    try {
      ZdsStore.open(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ZdsError);
    expect((caught as ZdsError).code).toBe('ENOTDIR');
    expect((caught as ZdsError).message).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe('hello');
    expect(codeOf(() => ZdsStore.open(file, { readOnly: true }))).toBe('ENOTDIR');
    expect(codeOf(() => ZdsRoot.open(file))).toBe('ENOTDIR');
    expect(readFileSync(file, 'utf8')).toBe('hello');
  });
});

describe('CommonJS and ESM entry points', () => {
  // Vitest runs files under dist/ through its own module loader, whose
  // CommonJS interop is not Node's; both entry points are therefore checked
  // in plain Node child processes, as users load them.
  it('package.json maps require to dist/index.js and import to dist/index.mjs', () => {
    const exp = (pkg as unknown as { exports: Record<string, Record<string, string>> }).exports['.'];
    expect(exp.require).toBe('./dist/index.js');
    expect(exp.import).toBe('./dist/index.mjs');
  });

  it('the CJS build exports the documented names', () => {
    const cjs = cjsNamespace as unknown as Record<string, unknown>;
    for (const name of ['ZdsError', 'open', 'Store', 'DEFAULT_BATCH_SIZE', 'Collection', 'version', 'ZdsStore', 'ZDSStore', 'ZdsRoot', 'BulkWriter']) {
      expect(cjs[name], name).toBeDefined();
    }
    expect(cjs.ZDSStore).toBe(cjs.ZdsStore);
    expect(cjs.DEFAULT_BATCH_SIZE).toBe(5000);
  });

  it('an ES module importing dist/index.mjs gets every named export of require(dist/index.js), as the same values', () => {
    const root = tempDir();
    const script = `
      import { createRequire } from 'node:module';
      import * as esm from ${JSON.stringify(pathToFileURL(PACKAGE_ESM).href)};
      const cjs = createRequire(import.meta.url)(${JSON.stringify(PACKAGE_CJS)});
      const names = Object.keys(cjs).sort();
      const missing = names.filter((n) => !Object.prototype.hasOwnProperty.call(esm, n));
      const different = names.filter((n) => esm[n] !== cjs[n]);
      // Classes from both work together: write through one, read through the other.
      const w = esm.ZdsStore.open(${JSON.stringify(root)}, 'mixed');
      w.put('a', { from: 'esm' });
      const r = cjs.ZdsStore.open(${JSON.stringify(root)}, 'mixed');
      const doc = r.get('a');
      let code = null, isEsmError = false, isCjsError = false;
      try { w.get('missing'); } catch (err) { code = err.code; isEsmError = err instanceof esm.ZdsError; isCjsError = err instanceof cjs.ZdsError; }
      r.close();
      w.close();
      process.stdout.write(JSON.stringify({ names, missing, different, doc, code, isEsmError, isCjsError,
        version: esm.version(), cjsVersion: cjs.version(), defaultIsCjs: esm.default === cjs }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
    );
    expect(out.names).toEqual(
      ['AsyncDataset', 'BulkWriter', 'Collection', 'DEFAULT_BATCH_SIZE', 'DatasetView', 'ImportJob', 'Query', 'Store', 'ZDSStore', 'ZdsError', 'ZdsRoot', 'ZdsStore', 'info', 'open', 'openScans', 'pack', 'unpack', 'verify', 'version'],
    );
    expect(out.missing).toEqual([]);
    expect(out.different).toEqual([]);
    expect(out.defaultIsCjs).toBe(true);
    expect(out.doc).toEqual({ from: 'esm' });
    expect(out.code).toBe('ENOTFOUND');
    expect(out.isEsmError).toBe(true);
    expect(out.isCjsError).toBe(true);
    expect(out.version).toBe(pkg.version);
    expect(out.cjsVersion).toBe(pkg.version);
    // The child closed its handles: the data is on disk for this process too.
    const s = ZdsStore.open(root, { collection: 'mixed', readOnly: true });
    expect(s.get('a')).toEqual({ from: 'esm' });
    s.close();
  });

  it('a CommonJS program can require the package entry and use it', () => {
    const root = tempDir();
    const script = `
      const z = require(${JSON.stringify(PACKAGE_CJS)});
      const s = z.ZdsStore.open(${JSON.stringify(root)});
      s.put('k', { n: 1 });
      process.stdout.write(JSON.stringify({ v: z.version(), doc: s.get('k'), count: s.count }));
      s.close();`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    expect(out).toEqual({ v: pkg.version, doc: { n: 1 }, count: 1 });
  });
});
