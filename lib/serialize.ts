// Documents to data.jsonl lines and back (FORMAT.md "data.jsonl").
import { ZdsError } from './errors';
import { describe } from './validate';

/** Top-level key zds reserves for its own control lines (FORMAT.md "Tombstones"). */
export const RESERVED_KEY = '$zds';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function badDoc(id: string, why: string): ZdsError {
  return new ZdsError('EINVALIDDOC', `Document '${id}' ${why}`);
}

// JSON.stringify silently turns NaN, Infinity and functions/symbols/undefined
// inside arrays into null, and Map, Set and similar into {}. Those are the
// only ways such values can hide in the output, so the walk below runs only
// when the text contains "null" or "{}".
function findUnfaithful(value: unknown, where: string): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `holds ${value} at ${where}, which JSON cannot represent`;
    case 'object': {
      if (value === null) return undefined;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const v = value[i];
          if (v === undefined || typeof v === 'function' || typeof v === 'symbol') {
            return `holds ${describe(v)} at ${where}[${i}], which JSON cannot represent`;
          }
          const bad = findUnfaithful(v, `${where}[${i}]`);
          if (bad) return bad;
        }
        return undefined;
      }
      if (!isPlainObject(value)) return `holds ${describe(value)} at ${where}, which JSON cannot represent`;
      for (const key of Object.keys(value)) {
        const bad = findUnfaithful(value[key], `${where}.${key}`);
        if (bad) return bad;
      }
      return undefined;
    }
    default:
      // undefined, functions and symbols as property values are omitted, as
      // JSON.stringify does; at the top level there is no property to omit.
      return undefined;
  }
}

/**
 * The data.jsonl line for a document: compact JSON with "_id" first.
 * Refuses anything JSON.stringify would store differently from what was given.
 */
export function toLine(id: string, doc: unknown): string {
  if (!isPlainObject(doc)) {
    throw new ZdsError('EINVALIDDOC', `Expected a plain object for document '${id}' but received ${describe(doc)}`);
  }
  if (Object.prototype.hasOwnProperty.call(doc, RESERVED_KEY)) {
    throw badDoc(id, `uses the top-level key "${RESERVED_KEY}", which zds reserves for deletes`);
  }
  let body: Record<string, unknown> = doc;
  if (Object.prototype.hasOwnProperty.call(doc, '_id') && doc._id !== undefined) {
    if (doc._id !== id) throw badDoc(id, `has an _id (${describe(doc._id)}) that differs from the id it is stored under`);
    const { _id, ...rest } = doc;
    body = rest;
  } else if (Object.prototype.hasOwnProperty.call(doc, '_id')) {
    const { _id, ...rest } = doc;
    body = rest;
  }
  let json: string;
  try {
    json = JSON.stringify(body);
  } catch (err) {
    throw badDoc(id, `cannot be stored as JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (json.includes('null') || json.includes('{}')) {
    const bad = findUnfaithful(body, 'doc');
    if (bad) throw badDoc(id, bad);
  }
  return json.length === 2 ? `{"_id":"${id}"}` : `{"_id":"${id}",${json.slice(1)}`;
}

/** Parses a stored line into a document without its "_id". */
export function parseWithoutId(text: string): Record<string, unknown> {
  const doc = JSON.parse(text) as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(doc, '_id')) {
    // Only lines another tool wrote with "_id" elsewhere get here.
    const { _id, ...rest } = doc;
    return rest;
  }
  return doc;
}
