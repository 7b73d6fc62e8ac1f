// Loads the addon once per JavaScript environment and teaches it to throw
// ZdsError.
import * as path from 'node:path';
import type { Binding } from '../types/binding';
import { ZdsError, type ZdsErrorCode } from './errors';

function load(): Binding {
  const root = path.join(__dirname, '..');
  const candidates = [
    path.join(root, 'build', 'Release', 'zds.node'),
    path.join(root, 'build', 'Debug', 'zds.node'),
  ];
  if (process.env.ZDS_ADDON_PATH) candidates.unshift(path.resolve(process.env.ZDS_ADDON_PATH));
  let lastError: unknown;
  for (const file of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      return require(file) as Binding;
    } catch (err) {
      lastError = err;
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') break;
    }
  }
  throw new ZdsError(
    'EIO',
    `The zds native addon could not be loaded (${(lastError as Error)?.message}). Run "npm install" (or "npm run build:native") in the zds package.`,
  );
}

export const binding: Binding = load();

function makeError(code: string, message: string): Error {
  const err = new ZdsError(code as ZdsErrorCode, message);
  // Start the stack at the caller of zds, not at this factory.
  Error.captureStackTrace(err, makeError);
  return err;
}

binding.setErrorFactory(makeError);
