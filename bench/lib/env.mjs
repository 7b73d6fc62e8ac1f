// The machine a run happened on, and the peers' installation.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { dirname, join } from 'node:path';

const PEERS = ['better-sqlite3', 'classic-level', 'lmdb', '@seald-io/nedb'];

/** Installs bench/package.json's peers when any is missing (they are not zds dependencies). */
export function ensurePeers(benchDir) {
  if (PEERS.every((p) => existsSync(join(benchDir, 'node_modules', p, 'package.json')))) return;
  console.error('zds bench: installing the peers (bench/package.json) ...');
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: benchDir, stdio: ['ignore', 'inherit', 'inherit'] });
}

export function machine() {
  const cpu = cpus();
  let distro = '';
  try {
    distro = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux: the kernel release below still names the system
  }
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${distro} (kernel ${release()})`.trim(),
    node: process.version,
    v8: process.versions.v8,
  };
}

/** A peer's installed version (read from its package.json, which some packages do not export). */
export function peerVersion(name) {
  const file = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')).version;
}

/** `--key=value` flags as an object (a bare `--key` is 'true'). */
export function parseArgs(argv) {
  return Object.fromEntries(
    argv.filter((a) => a.startsWith('--')).map((a) => {
      const [k, v] = a.slice(2).split('=');
      return [k, v ?? 'true'];
    }),
  );
}

/** Bytes of a file, or of every file under a folder. */
export function duBytes(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + duBytes(join(path, name)), 0);
}

/** Writes the JSON result, prints the report to stdout and where the JSON went to stderr. */
export function publish(out, result, report) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(report);
  console.error(`JSON: ${out}`);
}
