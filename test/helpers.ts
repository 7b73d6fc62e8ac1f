// Shared test utilities: temporary stores, child processes and file paths.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { ZdsError } from '../dist/index.js';

const dirs: string[] = [];

/** A fresh empty directory under the OS temp dir, removed after the test. */
export function tempDir(prefix = 'zds-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Paths of a collection's files (FORMAT.md "Store layout"). */
export function collectionFiles(root: string, name: string) {
  const meta = join(root, 'collections', name, 'meta');
  return {
    dir: join(root, 'collections', name),
    meta,
    data: join(meta, 'data.jsonl'),
    index: join(meta, 'index.bin'),
    manifest: join(meta, 'manifest.json'),
    docs: join(root, 'collections', name, 'docs'),
  };
}

/** Absolute path of the built package entry points, for child processes. */
export const PACKAGE_CJS = join(__dirname, '..', 'dist', 'index.js');
export const PACKAGE_ESM = join(__dirname, '..', 'dist', 'index.mjs');

/** The ZdsError that fn throws; fails the test when it throws nothing or something else. */
export function errorOf(fn: () => unknown): ZdsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZdsError);
    return err as ZdsError;
  }
  throw new Error('expected a ZdsError, but nothing was thrown');
}
