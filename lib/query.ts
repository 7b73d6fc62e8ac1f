// Query arguments to the spec JSON the native planner compiles
// (native/engine/query_plan.h). Everything README "Queries" does not admit is
// refused here with EINVALIDQUERY, before a cursor exists; the native side
// re-checks so a direct call cannot crash it.
import { ZdsError } from './errors';
import { binding } from './native';
import { describe } from './validate';

/** A MongoDB-style filter; README "Queries" lists the operators. */
export type Filter = Record<string, unknown>;

/** Projection: paths to keep, or an object of `path: 1 | 0` (or booleans). */
export type Fields = readonly string[] | Readonly<Record<string, 0 | 1 | boolean>>;

/** Sort order: `{ path: 1 | -1 }` (first key first) or `[[path, 1 | -1], ...]`. */
export type Sort = Readonly<Record<string, 1 | -1>> | readonly (readonly [string, 1 | -1])[];

/** Options of {@link Collection.find} and friends. */
export interface FindOptions {
  /** Projection (README "Queries"); `_id` is kept unless excluded. */
  fields?: Fields;
  /** Sort order; with `limit`, memory is bounded by a heap of `skip + limit` entries. */
  sort?: Sort;
  /** Matches to pass over first. */
  skip?: number;
  /** Most matches to return. */
  limit?: number;
  /** `true`: return each match as a Buffer of its (projected) JSON instead of parsing it. */
  raw?: boolean;
  /** Aborting stops the scan and frees it; iteration then rejects with the signal's reason. */
  signal?: AbortSignal;
}

const OPERATORS = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$type', '$size', '$all', '$elemMatch',
  '$regex', '$options', '$not',
]);
const TYPE_NAMES = new Set(['null', 'boolean', 'number', 'string', 'array', 'object']);
const MAX_DEPTH = 64;

function invalid(message: string): ZdsError {
  return new ZdsError('EINVALIDQUERY', message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isOperator(key: string): boolean {
  return key.startsWith('$');
}

function checkPath(path: string, what: string): string {
  if (path.length === 0 || path.split('.').some((s) => s.length === 0)) {
    throw invalid(`Expected a dotted field path without empty segments for ${what} but received "${path}"`);
  }
  return path;
}

// A value the filter compares with: JSON, faithfully (no NaN, functions, ...).
function literal(value: unknown, where: string, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw invalid(`The value at ${where} nests deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(`Expected a JSON value at ${where} but received ${describe(value)}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => literal(v, `${where}[${i}]`, depth + 1));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = literal(value[key], `${where}.${key}`, depth + 1);
    return out;
  }
  throw invalid(`Expected a JSON value at ${where} but received ${describe(value)}`);
}

function regexFlags(flags: string, where: string): string {
  for (const f of flags) {
    if (!'imsu'.includes(f)) throw invalid(`Expected regex flags from "imsu" for ${where} but received "${flags}"`);
  }
  return flags;
}

function regexOps(re: RegExp, where: string): Record<string, unknown> {
  return { $regex: re.source, $options: regexFlags(re.flags, where) };
}

function convertOps(ops: Record<string, unknown>, path: string, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw invalid(`The filter nests deeper than ${MAX_DEPTH} levels`);
  const out: Record<string, unknown> = {};
  const where = (op: string) => `${op} on '${path}'`;
  for (const op of Object.keys(ops)) {
    const arg = ops[op];
    if (!OPERATORS.has(op)) throw invalid(`Unknown query operator '${op}' on '${path}'`);
    switch (op) {
      case '$eq':
      case '$ne':
        out[op] = literal(arg, where(op));
        break;
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        if (typeof arg !== 'string' && !(typeof arg === 'number' && Number.isFinite(arg))) {
          throw invalid(`Expected a number or a string for ${where(op)} but received ${describe(arg)}`);
        }
        out[op] = arg;
        break;
      case '$in':
      case '$nin':
      case '$all':
        if (!Array.isArray(arg)) throw invalid(`Expected an array for ${where(op)} but received ${describe(arg)}`);
        out[op] = arg.map((v, i) => {
          if (v instanceof RegExp) throw invalid(`Expected JSON values, not RegExps, in ${where(op)}`);
          return literal(v, `${where(op)}[${i}]`);
        });
        break;
      case '$exists':
        if (typeof arg !== 'boolean') throw invalid(`Expected true or false for ${where(op)} but received ${describe(arg)}`);
        out[op] = arg;
        break;
      case '$type': {
        const names = Array.isArray(arg) ? arg : [arg];
        if (names.length === 0 || names.some((n) => typeof n !== 'string' || !TYPE_NAMES.has(n))) {
          throw invalid(
            `Expected "null", "boolean", "number", "string", "array" or "object" for ${where(op)} but received ${describe(arg)}`,
          );
        }
        out[op] = arg;
        break;
      }
      case '$size':
        if (typeof arg !== 'number' || !Number.isSafeInteger(arg) || arg < 0) {
          throw invalid(`Expected a non-negative integer for ${where(op)} but received ${describe(arg)}`);
        }
        out[op] = arg;
        break;
      case '$elemMatch':
        if (!isPlainObject(arg)) throw invalid(`Expected an object for ${where(op)} but received ${describe(arg)}`);
        out[op] = Object.keys(arg).every(isOperator) ? convertOps(arg, path, depth + 1) : convertFilter(arg, depth + 1);
        break;
      case '$regex':
        if (arg instanceof RegExp) {
          const { $regex, $options } = regexOps(arg, where(op));
          out.$regex = $regex;
          const extra = typeof ops.$options === 'string' ? ops.$options : '';
          out.$options = regexFlags([...new Set(`${$options as string}${extra}`)].join(''), where('$options'));
        } else if (typeof arg === 'string') {
          out.$regex = arg;
        } else {
          throw invalid(`Expected a pattern string or a RegExp for ${where(op)} but received ${describe(arg)}`);
        }
        break;
      case '$options':
        if (!('$regex' in ops)) throw invalid(`Expected $options next to $regex on '${path}'`);
        if (typeof arg !== 'string') throw invalid(`Expected a string of flags for ${where(op)} but received ${describe(arg)}`);
        if (!(ops.$regex instanceof RegExp)) out.$options = regexFlags(arg, where(op));
        break;
      case '$not':
        if (arg instanceof RegExp) {
          out[op] = regexOps(arg, where(op));
        } else if (isPlainObject(arg) && Object.keys(arg).length > 0 && Object.keys(arg).every(isOperator)) {
          out[op] = convertOps(arg, path, depth + 1);
        } else {
          throw invalid(`Expected an object of operators or a RegExp for ${where(op)} but received ${describe(arg)}`);
        }
        break;
    }
  }
  return out;
}

function convertCondition(cond: unknown, path: string, depth: number): unknown {
  if (cond instanceof RegExp) return regexOps(cond, `the RegExp on '${path}'`);
  if (isPlainObject(cond)) {
    const keys = Object.keys(cond);
    if (keys.some(isOperator)) {
      if (!keys.every(isOperator)) {
        throw invalid(`Expected only operators ($...) or only fields in the condition on '${path}'`);
      }
      return convertOps(cond, path, depth + 1);
    }
  }
  return literal(cond, `'${path}'`);
}

function convertFilter(filter: unknown, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw invalid(`The filter nests deeper than ${MAX_DEPTH} levels`);
  if (!isPlainObject(filter)) throw invalid(`Expected a filter object but received ${describe(filter)}`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(filter)) {
    const value = filter[key];
    if (isOperator(key)) {
      if (key !== '$and' && key !== '$or' && key !== '$nor') {
        throw invalid(`Expected a field path or $and, $or, $nor at the top of a filter but received '${key}'`);
      }
      if (!Array.isArray(value) || value.length === 0) {
        throw invalid(`Expected a non-empty array of filters for ${key} but received ${describe(value)}`);
      }
      out[key] = value.map((sub) => convertFilter(sub, depth + 1));
    } else {
      out[checkPath(key, 'a filter key')] = convertCondition(value, key, depth);
    }
  }
  return out;
}

function convertFields(fields: unknown): Record<string, boolean> | null {
  if (fields === undefined) return null;
  const out: Record<string, boolean> = {};
  if (Array.isArray(fields)) {
    for (const path of fields) {
      if (typeof path !== 'string') throw invalid(`Expected an array of field paths for fields but received ${describe(path)} in it`);
      out[checkPath(path, 'fields')] = true;
    }
    return out;
  }
  if (!isPlainObject(fields)) throw invalid(`Expected an array of paths or an object for fields but received ${describe(fields)}`);
  let keep = 0;
  let drop = 0;
  for (const path of Object.keys(fields)) {
    const v = fields[path];
    if (v !== 0 && v !== 1 && v !== true && v !== false) {
      throw invalid(`Expected 1, 0, true or false for fields['${path}'] but received ${describe(v)}`);
    }
    const on = v === 1 || v === true;
    if (path !== '_id') on ? keep++ : drop++;
    out[checkPath(path, 'fields')] = on;
  }
  if (keep > 0 && drop > 0) {
    throw invalid('Expected fields to keep or fields to drop, not both (only _id may be dropped from kept fields)');
  }
  return out;
}

function convertSort(sort: unknown): [string, 1 | -1][] | null {
  if (sort === undefined) return null;
  const pairs: [unknown, unknown][] = Array.isArray(sort)
    ? sort.map((p) => {
        if (!Array.isArray(p) || p.length !== 2) throw invalid(`Expected a [path, 1 | -1] pair in sort but received ${describe(p)}`);
        return [p[0], p[1]];
      })
    : isPlainObject(sort)
      ? Object.entries(sort)
      : (() => {
          throw invalid(`Expected an object or an array of [path, 1 | -1] pairs for sort but received ${describe(sort)}`);
        })();
  return pairs.map(([path, dir]) => {
    if (typeof path !== 'string') throw invalid(`Expected a field path in sort but received ${describe(path)}`);
    if (dir !== 1 && dir !== -1) throw invalid(`Expected 1 or -1 for sort['${path}'] but received ${describe(dir)}`);
    return [checkPath(path, 'sort'), dir];
  });
}

function count(value: unknown, what: string): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`Expected a non-negative integer for ${what} but received ${describe(value)}`);
  }
  return value;
}

/** A checked query: the native spec and the options JS acts on. */
export interface QueryPlan {
  spec: string;
  raw: boolean;
  signal?: AbortSignal;
}

/**
 * Checks a filter and options and returns the spec the native planner takes.
 * @internal
 */
export function planQuery(filter: unknown, options: unknown, distinct?: string): QueryPlan {
  if (options !== undefined && !isPlainObject(options)) {
    throw invalid(`Expected an options object but received ${describe(options)}`);
  }
  const o = (options ?? {}) as Record<string, unknown>;
  if (o.raw !== undefined && typeof o.raw !== 'boolean') throw invalid(`Expected a boolean for raw but received ${describe(o.raw)}`);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw invalid(`Expected an AbortSignal for signal but received ${describe(o.signal)}`);
  }
  const spec = {
    filter: filter === undefined ? {} : convertFilter(filter, 0),
    fields: convertFields(o.fields),
    sort: convertSort(o.sort),
    skip: count(o.skip, 'skip'),
    limit: count(o.limit, 'limit'),
    distinct: distinct === undefined ? null : checkPath(distinct, 'the distinct field'),
  };
  const text = JSON.stringify(spec);
  // What only the native side can judge (RE2 syntax) is judged now too.
  binding.NativeCursor.checkQuery(text);
  return { spec: text, raw: o.raw === true, signal: o.signal as AbortSignal | undefined };
}

/** True for a filter that selects everything (`undefined` or `{}`). @internal */
export function matchesAll(filter: unknown): boolean {
  return filter === undefined || (isPlainObject(filter) && Object.keys(filter).length === 0);
}
