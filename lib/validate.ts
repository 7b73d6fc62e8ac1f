// Argument checks with one message shape: "Expected X for Y but received Z".
import { ZdsError } from './errors';

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `the string "${value.slice(0, 40)}..."` : `the string "${value}"`;
    case 'number':
      return `the number ${value}`;
    case 'bigint':
      return `the bigint ${value}n`;
    case 'object': {
      const ctor = Object.getPrototypeOf(value)?.constructor?.name;
      return ctor && ctor !== 'Object' ? `an instance of ${ctor}` : 'an object';
    }
    default:
      return `a ${typeof value}`;
  }
}

export function invalidArg(expected: string, what: string, value: unknown): ZdsError {
  return new ZdsError('EINVALIDARG', `Expected ${expected} for ${what} but received ${describe(value)}`);
}

export function expectString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalidArg('a string', what, value);
  return value;
}

export function expectBoolean(value: unknown, what: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidArg('a boolean', what, value);
  return value;
}

export function expectPositiveInt(value: unknown, what: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 0xffffffff) {
    throw invalidArg('a positive integer', what, value);
  }
  return value;
}

export function expectOptions(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArg('an options object', what, value);
  return value as Record<string, unknown>;
}

const NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;

function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalidArg('a string', what, value);
  // The pattern admits ASCII only, so its 255 characters are 255 bytes.
  if (!NAME_RE.test(value) || value.includes('..')) {
    throw new ZdsError(
      'EINVALIDID',
      `Expected 1 to 255 characters of A-Z a-z 0-9 _ - . (not starting with '.', without '..') for ${what} but received ${describe(value)}`,
    );
  }
  return value;
}

/** Checks a document id against the ZDS rules (FORMAT.md). */
export function expectDocId(value: unknown): string {
  return checkName(value, 'the document id');
}

/** Checks a collection name against the ZDS rules (FORMAT.md). */
export function expectCollectionName(value: unknown): string {
  return checkName(value, 'the collection name');
}

export function expectPath(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidArg('a non-empty path string', what, value);
  if (value.includes('\0')) throw invalidArg('a path without NUL characters', what, value);
  return value;
}
