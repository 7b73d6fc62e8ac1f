// Runs the native engine tests and the vitest suite against builds made with
// AddressSanitizer and UndefinedBehaviorSanitizer (npm run test:asan).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, [join(root, 'scripts', 'native-tests.mjs')], { ZDS_SANITIZE: '1' });

const addon = join(root, 'build-asan', 'Release', 'zds.node');
if (!existsSync(addon)) {
  console.error(`missing ${addon}: run "npm run build:native:asan" first`);
  process.exit(1);
}
// node itself is not instrumented, so the sanitizer runtimes load first.
const lib = (name) => execFileSync('gcc', [`-print-file-name=${name}`]).toString().trim();
run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], {
  ZDS_ADDON_PATH: addon,
  LD_PRELOAD: `${lib('libasan.so')} ${lib('libubsan.so')}`,
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
});
