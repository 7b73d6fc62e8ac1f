#!/usr/bin/env node
// Builds and runs the GoogleTest unit tests of the native storage engine
// (native/tests/*.cc) with plain CMake and ctest: no cmake-js and no Node
// headers are needed, since the engine library does not use Node-API.
//
//   node scripts/native-tests.mjs                 Debug build in build-native-tests/
//   ZDS_SANITIZE=1 node scripts/native-tests.mjs  ASan+UBSan build in build-native-tests-asan/
//
// Extra arguments are passed to ctest (e.g. `-R Recovery` or `-V`).
// ZDS_JOBS overrides the build parallelism (default 2).

import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sanitize = process.env.ZDS_SANITIZE === '1' || process.env.ZDS_SANITIZE === 'ON';
const buildDir = sanitize ? 'build-native-tests-asan' : 'build-native-tests';
const jobs = String(process.env.ZDS_JOBS || 2);

function run(cmd, args, env = process.env) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) {
    const hint = r.error.code === 'ENOENT' ? ` (is ${cmd} installed and on PATH?)` : '';
    console.error(`native-tests: could not run ${cmd}: ${r.error.message}${hint}`);
    process.exit(1);
  }
  if (r.status !== 0) {
    const why = r.signal ? `signal ${r.signal}` : `exit code ${r.status}`;
    console.error(`native-tests: ${cmd} failed with ${why}`);
    process.exit(r.status || 1);
  }
}

const configure = [
  '-S', '.',
  '-B', buildDir,
  '-DZDS_NATIVE_TESTS=ON',
  '-DCMAKE_BUILD_TYPE=Debug',
];
if (sanitize) configure.push('-DZDS_SANITIZE=ON');

run('cmake', configure);
run('cmake', ['--build', buildDir, '-j', jobs]);

const testEnv = { ...process.env };
if (sanitize) {
  // Leaks are reported; UBSan prints a stack and stops at the first error.
  // Values already set in the environment win.
  testEnv.ASAN_OPTIONS ??= 'detect_leaks=1:abort_on_error=0';
  testEnv.UBSAN_OPTIONS ??= 'print_stacktrace=1:halt_on_error=1';
}
// --timeout: a deadlocked test fails instead of hanging the run.
run('ctest', ['--test-dir', buildDir, '--output-on-failure', '--timeout', '300', '-j', jobs,
  ...process.argv.slice(2)], testEnv);
console.log(`\nnative-tests: all tests passed (${buildDir})`);
