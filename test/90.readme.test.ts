// The README's examples run as written (imports of 'zds' resolve to this
// package through its "exports" self-reference).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers';

const repo = join(__dirname, '..');
const runDir = join(__dirname, '.readme-run');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

afterAll(() => rmSync(runDir, { recursive: true, force: true }));

describe('README examples', () => {
  it('has examples to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it('runs every example in order in one folder, without errors', () => {
    mkdirSync(runDir, { recursive: true });
    const cwd = tempDir();
    const outputs: string[] = [];
    blocks.forEach((code, i) => {
      const file = join(runDir, `example-${i}.${code.includes('require(') ? 'cjs' : 'mjs'}`);
      writeFileSync(file, code);
      const r = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8' });
      expect(r.stderr, `example ${i} stderr`).toBe('');
      expect(r.status, `example ${i} exit code`).toBe(0);
      outputs.push(r.stdout);
    });
    // Spot-check that the printed values are the ones the comments promise.
    expect(outputs[0]).toContain("_id: 'alice'");
    expect(outputs[0]).toContain('alice Alice');
    expect(outputs[1]).toContain("{ type: 'click', x: 10 }");
    expect(outputs[1]).toContain("{ root: './my-data', collection: 'events', count: 2 }");
    expect(outputs[1]).toContain("[ 'events', 'users' ]");
    expect(outputs[2]).toBe("{ _id: 'cat', name: 'Cat' }\n{ _id: 'ann', name: 'Ann' }\nCat\n1\n[ 'admin', 'ops' ]\n");
    expect(outputs[3]).toBe(
      [
        'progress 2',
        '{ lines: 2, bytes: 168 }',
        "{ _id: 'ann', age: 41 }",
        "{ _id: 'cat', age: 52 }",
        "[ 'ben', 'ann' ]",
        "[ 'cat' ]",
        '3 ben cat',
        '2',
        '1',
        '',
      ].join('\n'),
    );
    expect(outputs[4]).toBe("2\n[ [ 'admins', 2 ], [ 'events', 2 ], [ 'people', 4 ], [ 'users', 1 ] ]\ntrue\n");
  });

  it('runs the quickstart (README command 1) and it prints what it promises', () => {
    const dir = tempDir();
    const r = spawnSync(process.execPath, [join(repo, 'examples', 'quickstart.mjs'), join(dir, 'store')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('wrote 5000 products');
    expect(r.stdout).toMatch(/3 cheapest games on sale: \[\{"_id":"sku-\d+","name":"Product \d+","price":[\d.]+\}/);
    expect(r.stdout).toMatch(/^\d+ products with 150\+ in stock \(counted natively\)$/m);
    expect(r.stdout).toContain('reopened: 4975 products');
    expect(r.stdout).toMatch(/store\.zds: \d+ bytes, 975 books, read in place/);
  });
});
