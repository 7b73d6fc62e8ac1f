// Buffered writes reach disk when a process ends without close(): both at the
// natural end of the event loop and through process.exit().
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PACKAGE_CJS, tempDir } from './helpers';
import { open } from '../dist/index.js';

function child(dir: string, body: string): void {
  const code = `const { open } = require(${JSON.stringify(PACKAGE_CJS)});
const c = open(${JSON.stringify(dir)}, { batchSize: 100000 }).collection('a');
for (let i = 0; i < 50; i++) c.put('d' + i, { i });
${body}`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

describe('writes without close()', () => {
  it('are flushed when the event loop ends', () => {
    const dir = tempDir();
    child(dir, '');
    const c = open(dir, { readOnly: true }).collection('a');
    expect(c.count()).toBe(50);
    expect(c.get('d49')).toEqual({ _id: 'd49', i: 49 });
    // The index was written too: nothing had to be rebuilt.
    expect(c.recovery.indexRebuilt).toBe(false);
  });

  it('are flushed on process.exit()', () => {
    const dir = tempDir();
    child(dir, 'process.exit(0);');
    const c = open(dir, { readOnly: true }).collection('a');
    expect(c.count()).toBe(50);
    expect(c.get('d0')).toEqual({ _id: 'd0', i: 0 });
  });
});
