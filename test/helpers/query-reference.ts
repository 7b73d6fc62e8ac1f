// A plain-JS reference of zds query semantics: filters, projection, the total
// order used by sort, sort itself and distinct. The native engine must agree
// with it on every valid query; tests compare the two.
//
// It is written to be read next to the spec, not to be fast, and it validates
// nothing beyond what it needs: the engine refuses malformed queries, and
// separate tests check that. It imports nothing from lib/ or dist/ so that it
// can be checked on its own (query-reference.selftest.test.ts).

/** A value JSON can hold: what documents are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A query filter: field paths (or $and/$or/$nor) mapped to conditions. */
export type Filter = Record<string, unknown>;

/** A projection: paths to include, or paths mapped to 1/true (include) or 0/false (exclude). */
export type Fields = readonly string[] | Record<string, 0 | 1 | boolean>;

/** A sort: `{path: 1|-1}` in priority order, or `[path, 1|-1]` pairs. */
export type Sort = Record<string, 1 | -1> | readonly (readonly [string, 1 | -1])[];

/** The six JSON types; the names `$type` accepts. */
export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

// ---------------------------------------------------------------------------
// Values

/** True for `{...}` objects (what JSON objects parse to), false for arrays, RegExps, null etc. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The JSON type of a value. */
export function typeOf(value: unknown): JsonType {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

/**
 * Equality of JSON values: numbers by value (so -0 equals 0), arrays element by
 * element in order, objects by key set (in any order) and values.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  // Scalars: === already treats -0 and 0 as equal.
  return a === b;
}

/**
 * Compares strings by Unicode code point, which is the order of their UTF-8
 * bytes. JS `<` compares UTF-16 units instead and puts '𝟘' (U+1D7D8, stored
 * as the surrogates D835 DFD8) before 'ｚ' (U+FF5A); code point order puts it after.
 */
export function compareStrings(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < x.length && i < y.length; i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

// Sort rank of each type; a missing value (undefined here) sorts as null.
const TYPE_RANK: Record<JsonType, number> = { null: 0, number: 1, string: 2, object: 3, array: 4, boolean: 5 };

/**
 * The total order of JSON values that sort uses: first by type
 * (null < number < string < object < array < boolean), then within the type.
 * Returns a negative number, 0 or a positive number, like a sort comparator.
 */
export function compareValues(a: unknown, b: unknown): number {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta !== tb) return TYPE_RANK[ta] < TYPE_RANK[tb] ? -1 : 1;
  switch (ta) {
    case 'null':
      return 0;
    case 'number':
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 'string':
      return compareStrings(a as string, b as string);
    case 'boolean':
      return a === b ? 0 : a === false ? -1 : 1;
    case 'array': {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < x.length && i < y.length; i++) {
        const d = compareValues(x[i], y[i]);
        if (d !== 0) return d;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    case 'object': {
      // Entry by entry in each object's own key order: key first, then value.
      const x = Object.entries(a as Record<string, unknown>);
      const y = Object.entries(b as Record<string, unknown>);
      for (let i = 0; i < x.length && i < y.length; i++) {
        const dk = compareStrings(x[i][0], y[i][0]);
        if (dk !== 0) return dk;
        const dv = compareValues(x[i][1], y[i][1]);
        if (dv !== 0) return dv;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
  }
}

// ---------------------------------------------------------------------------
// Paths

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * The values a dotted path reaches in `doc`, in order. Each segment steps from
 * every current value: into a plain object's own key; into an array, both into
 * the key of each element that is a plain object (one level only: elements that
 * are arrays are not entered) and, when the segment is an index, to that element.
 */
export function candidates(doc: unknown, path: string): unknown[] {
  let current: unknown[] = [doc];
  for (const seg of path.split('.')) {
    const next: unknown[] = [];
    for (const v of current) {
      if (isPlainObject(v)) {
        if (Object.hasOwn(v, seg)) next.push(v[seg]);
      } else if (Array.isArray(v)) {
        for (const e of v) if (isPlainObject(e) && Object.hasOwn(e, seg)) next.push(e[seg]);
        if (ARRAY_INDEX.test(seg) && Number(seg) < v.length) next.push(v[Number(seg)]);
      }
    }
    current = next;
  }
  return current;
}

/** The candidates plus, for each candidate that is an array, its elements (one level). */
export function expand(cands: readonly unknown[]): unknown[] {
  const out = [...cands];
  for (const c of cands) if (Array.isArray(c)) out.push(...c);
  return out;
}

// ---------------------------------------------------------------------------
// Filters

/** True when `doc` satisfies `filter`; `undefined` and `{}` match every document. */
export function matches(doc: unknown, filter: Filter | undefined): boolean {
  if (filter === undefined) return true;
  for (const [key, cond] of Object.entries(filter)) {
    const ok =
      key === '$and'
        ? (cond as Filter[]).every((f) => matches(doc, f))
        : key === '$or'
          ? (cond as Filter[]).some((f) => matches(doc, f))
          : key === '$nor'
            ? !(cond as Filter[]).some((f) => matches(doc, f))
            : conditionHolds(candidates(doc, key), cond);
    if (!ok) return false;
  }
  return true;
}

/**
 * An operator object: a non-empty plain object whose keys all start with '$'.
 * `{}` is not one: as a condition it is equality with the empty object.
 */
export function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

/** Whether the condition given for a path holds on the path's candidates. */
function conditionHolds(cands: unknown[], cond: unknown): boolean {
  if (cond instanceof RegExp) return regexHolds(cands, cond.source, cond.flags);
  if (isOperatorObject(cond)) return operatorsHold(cands, cond);
  return eqHolds(cands, cond);
}

/** Every operator of an operator object holds, each judged on its own (they need not agree on one element). */
function operatorsHold(cands: unknown[], ops: Record<string, unknown>): boolean {
  for (const [op, arg] of Object.entries(ops)) {
    if (!operatorHolds(cands, op, arg, ops)) return false;
  }
  return true;
}

function operatorHolds(cands: unknown[], op: string, arg: unknown, ops: Record<string, unknown>): boolean {
  switch (op) {
    case '$eq':
      return eqHolds(cands, arg);
    case '$ne':
      return !eqHolds(cands, arg);
    case '$gt':
      return rangeHolds(cands, arg, (d) => d > 0);
    case '$gte':
      return rangeHolds(cands, arg, (d) => d >= 0);
    case '$lt':
      return rangeHolds(cands, arg, (d) => d < 0);
    case '$lte':
      return rangeHolds(cands, arg, (d) => d <= 0);
    case '$in':
      return (arg as unknown[]).some((v) => eqHolds(cands, v));
    case '$nin':
      return !(arg as unknown[]).some((v) => eqHolds(cands, v));
    case '$exists':
      // Candidates, not expanded ones: a null value exists, an empty array exists.
      return (cands.length > 0) === Boolean(arg);
    case '$type': {
      const types = (Array.isArray(arg) ? arg : [arg]) as JsonType[];
      return types.some((t) =>
        t === 'array' ? cands.some((c) => Array.isArray(c)) : expand(cands).some((c) => typeOf(c) === t),
      );
    }
    case '$size':
      return cands.some((c) => Array.isArray(c) && c.length === arg);
    case '$all': {
      const values = arg as unknown[];
      return values.length > 0 && values.every((v) => eqHolds(cands, v));
    }
    case '$elemMatch':
      return elemMatchHolds(cands, arg as Record<string, unknown>);
    case '$regex': {
      // A RegExp as the pattern brings its own flags; $options adds to them.
      const options = typeof ops.$options === 'string' ? ops.$options : '';
      if (arg instanceof RegExp) return regexHolds(cands, arg.source, arg.flags + options);
      return regexHolds(cands, arg as string, options);
    }
    case '$options':
      // Read by $regex, its sibling.
      return true;
    case '$not':
      return !conditionHolds(cands, arg);
    default:
      throw new Error(`query-reference: unknown operator ${op}`);
  }
}

/** `$eq v`: some expanded candidate deep-equals v; null also matches a path with no candidates. */
function eqHolds(cands: unknown[], v: unknown): boolean {
  if (v === null && cands.length === 0) return true;
  return expand(cands).some((c) => deepEqual(c, v));
}

/** $gt/$gte/$lt/$lte: some expanded candidate of v's type (number or string) compares as `test` wants. */
function rangeHolds(cands: unknown[], v: unknown, test: (d: number) => boolean): boolean {
  if (typeof v !== 'number' && typeof v !== 'string') return false;
  return expand(cands).some((c) => typeof c === typeof v && test(compareValues(c, v)));
}

/**
 * `$elemMatch q`: some candidate is an array with an element e that satisfies q.
 * When every key of q starts with '$', q is operators on e as a value (e is the
 * only candidate, and it expands to its own elements when it is an array);
 * otherwise e must be a plain object that matches q as a filter. Note that
 * `{}` counts as the operator form with no operators: any element satisfies it.
 */
function elemMatchHolds(cands: unknown[], q: Record<string, unknown>): boolean {
  const operatorForm = Object.keys(q).every((k) => k.startsWith('$'));
  return cands.some(
    (c) =>
      Array.isArray(c) && c.some((e) => (operatorForm ? operatorsHold([e], q) : isPlainObject(e) && matches(e, q))),
  );
}

/**
 * `$regex`: some expanded candidate is a string the pattern matches. Patterns run
 * as JS RegExps in Unicode mode (zds always matches by code point, as RE2 does);
 * of the flags only i, m and s mean anything, g and y are dropped.
 */
function regexHolds(cands: unknown[], source: string, flags: string): boolean {
  const kept = [...new Set(flags)].filter((f) => f === 'i' || f === 'm' || f === 's').join('');
  const re = new RegExp(source, kept + 'u');
  return expand(cands).some((c) => typeof c === 'string' && re.test(c));
}

// ---------------------------------------------------------------------------
// Projection

// A projection as a tree of path segments; `true` marks the end of a path.
type PathTree = Map<string, PathTree | true>;

function pathTree(paths: readonly string[]): PathTree {
  const root: PathTree = new Map();
  for (const path of paths) {
    const segs = path.split('.');
    let node = root;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i];
      if (i === segs.length - 1) {
        // A whole field wins over any of its sub-paths, whichever came first.
        node.set(seg, true);
        break;
      }
      const child = node.get(seg);
      if (child === true) break;
      if (child === undefined) {
        const sub: PathTree = new Map();
        node.set(seg, sub);
        node = sub;
      } else {
        node = child;
      }
    }
  }
  return root;
}

/** How a projection reads: included or excluded paths, and whether `_id` is kept. */
export interface ProjectionPlan {
  mode: 'include' | 'exclude' | 'all';
  paths: string[];
}

/** Turns `fields` into a plan; an object without any path but `_id` decides by `_id` alone. */
export function projectionPlan(fields: Fields | undefined): ProjectionPlan {
  if (fields === undefined) return { mode: 'all', paths: [] };
  if (Array.isArray(fields)) return { mode: 'include', paths: ['_id', ...(fields as string[])] };
  const entries = Object.entries(fields as Record<string, 0 | 1 | boolean>);
  const id = entries.find(([k]) => k === '_id')?.[1];
  const others = entries.filter(([k]) => k !== '_id');
  const idKept = id === undefined || Boolean(id);
  if (others.length === 0) {
    if (id === undefined) return { mode: 'all', paths: [] };
    return idKept ? { mode: 'include', paths: ['_id'] } : { mode: 'exclude', paths: ['_id'] };
  }
  const paths = others.map(([k]) => k);
  if (Boolean(others[0][1])) return { mode: 'include', paths: idKept ? ['_id', ...paths] : paths };
  return { mode: 'exclude', paths: idKept ? paths : ['_id', ...paths] };
}

/**
 * The document as `fields` projects it. Inclusion rebuilds each included path
 * as nested objects in the document's own key order; where the path goes
 * through an array, the rest of the path is projected inside each element that
 * is a plain object and other elements are dropped. An object on the way is
 * kept even when it lacks the rest of the path (it becomes `{}`, as in
 * MongoDB); a path whose first missing step is at the top is simply absent.
 * Exclusion removes the listed paths (from each object element of arrays on the way).
 */
export function project(doc: Record<string, unknown>, fields: Fields | undefined): Record<string, unknown> {
  const plan = projectionPlan(fields);
  if (plan.mode === 'all') return doc;
  const tree = pathTree(plan.paths);
  return plan.mode === 'include' ? includeObject(doc, tree) : excludeObject(doc, tree);
}

function includeObject(obj: Record<string, unknown>, tree: PathTree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const sub = tree.get(key);
    if (sub === undefined) continue;
    if (sub === true) {
      out[key] = obj[key];
      continue;
    }
    const v = obj[key];
    if (isPlainObject(v)) out[key] = includeObject(v, sub);
    else if (Array.isArray(v)) out[key] = v.filter(isPlainObject).map((e) => includeObject(e, sub));
    // A scalar where the path goes on holds nothing of the path: the key is left out.
  }
  return out;
}

function excludeObject(obj: Record<string, unknown>, tree: PathTree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const sub = tree.get(key);
    const v = obj[key];
    if (sub === true) continue;
    if (sub === undefined) out[key] = v;
    else if (isPlainObject(v)) out[key] = excludeObject(v, sub);
    else if (Array.isArray(v)) out[key] = v.map((e) => (isPlainObject(e) ? excludeObject(e, sub) : e));
    else out[key] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Sort and distinct

/** The sort as `[path, direction]` pairs in priority order. */
export function sortKeys(sort: Sort): [string, 1 | -1][] {
  return Array.isArray(sort)
    ? (sort as [string, 1 | -1][]).map(([p, d]) => [p, d])
    : (Object.entries(sort) as [string, 1 | -1][]);
}

/**
 * The value a document sorts by on one path: the path's first candidate (null
 * when there is none); an array sorts by its smallest element ascending and its
 * largest descending, and an empty array by itself.
 */
export function sortValue(doc: unknown, path: string, direction: 1 | -1): unknown {
  const cands = candidates(doc, path);
  if (cands.length === 0) return null;
  const first = cands[0];
  if (!Array.isArray(first) || first.length === 0) return first;
  return first.reduce((best, e) => {
    const d = compareValues(e, best);
    return (direction === 1 ? d < 0 : d > 0) ? e : best;
  });
}

/** The documents sorted by `sort`; a stable sort, so ties keep their order in `docs` (scan order). */
export function sortDocs<T>(docs: readonly T[], sort: Sort | undefined): T[] {
  if (sort === undefined) return [...docs];
  const keys = sortKeys(sort);
  const keyed = docs.map((doc, index) => ({ doc, index, values: keys.map(([p, d]) => sortValue(doc, p, d)) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < keys.length; i++) {
      const d = compareValues(x.values[i], y.values[i]);
      if (d !== 0) return keys[i][1] === 1 ? d : -d;
    }
    return x.index - y.index;
  });
  return keyed.map((k) => k.doc);
}

/**
 * distinct(): over the documents (that match `filter`) in scan order, the
 * values the path reaches, each array candidate contributing its elements
 * instead of itself; every deep-equal value once, where it was first seen.
 */
export function distinctValues(docs: readonly unknown[], path: string, filter?: Filter): unknown[] {
  const out: unknown[] = [];
  for (const doc of docs) {
    if (!matches(doc, filter)) continue;
    for (const c of candidates(doc, path)) {
      for (const v of Array.isArray(c) ? c : [c]) {
        if (!out.some((seen) => deepEqual(seen, v))) out.push(v);
      }
    }
  }
  return out;
}

/** What `find(filter, options).toArray()` returns: matches, sorted, sliced, projected. */
export function runQuery(
  docs: readonly Record<string, unknown>[],
  filter: Filter | undefined,
  options: { fields?: Fields; sort?: Sort; skip?: number; limit?: number } = {},
): Record<string, unknown>[] {
  const matched = docs.filter((d) => matches(d, filter));
  const sorted = sortDocs(matched, options.sort);
  const skip = options.skip ?? 0;
  const sliced = options.limit === undefined ? sorted.slice(skip) : sorted.slice(skip, skip + options.limit);
  return sliced.map((d) => project(d, options.fields));
}

/** A filter as readable text for assertion messages: JSON, with RegExps shown as /source/flags. */
export function showQuery(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_key, v) => (v instanceof RegExp ? `RegExp(${String(v)})` : v));
}
