// The comparative benchmark still runs end to end (zds only, so the peers in
// bench/node_modules are not needed), and its worker refuses a wrong answer
// instead of timing it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers';

const BENCH = join(__dirname, '..', 'bench');

// Below the tests' own 60 s, so a hung child fails with its output rather than a bare timeout.
function node(args: string[]) {
  return spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 50_000 });
}

describe('bench/run.mjs', () => {
  it('writes every zds sample, the V8 ceilings and the targets', () => {
    const out = join(tempDir(), 'result.json');
    const r = node([join(BENCH, 'run.mjs'), '--n=1000', '--runs=1', '--engines=zds', `--out=${out}`]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);

    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.n).toBe(1000);
    for (const w of ['write', 'import', 'readCold', 'readWarm', 'getCold', 'getWarm', 'filter', 'rss', 'disk']) {
      const samples = result.samples.zds[w];
      expect(samples, w).toHaveLength(1);
      expect(Number.isFinite(samples[0]) && samples[0] > 0, `zds ${w} = ${samples[0]}`).toBe(true);
    }
    for (const w of ['write', 'readAll']) {
      expect(result.samples.v8[w][0], `v8 ${w}`).toBeGreaterThan(0);
    }

    expect(Array.isArray(result.targets)).toBe(true);
    expect(result.targets.length).toBeGreaterThan(0);
    for (const t of result.targets) {
      expect(typeof t.target).toBe('string');
      expect(typeof t.measured).toBe('string');
      expect(typeof t.pass).toBe('boolean');
    }
    // The markdown report went to stdout.
    expect(r.stdout).toContain('| zds |');
  }, 60_000);
});

describe('bench/lib/worker.mjs', () => {
  it('fails loudly when a store does not hold the documents it should', () => {
    // An empty store: a fast read of nothing must not become a measurement.
    const task = { engine: 'zds', workload: 'readCold', n: 1000, dir: tempDir() };
    const r = node(['--expose-gc', join(BENCH, 'lib', 'worker.mjs'), JSON.stringify(task)]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('zds/readCold: read 0 documents, expected 1000');
    expect(r.stdout).toBe('');
  }, 60_000);
});
