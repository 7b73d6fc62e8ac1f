// The machine a run happened on, and the peers' installation.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';

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
