// find(), count() and findOne() against the plain-JS query reference
// (test/helpers/query-reference.ts), filter by filter, over ~400 generated
// documents that mix every JSON type in every field: a table of filters
// covering each operator, and ~300 random filters from a fixed seed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open } from '../dist/index.js';
import type { Collection, Store } from '../dist/index.js';
import { candidates, expand, isPlainObject, matches, showQuery, type Filter } from './helpers/query-reference';
import { mulberry32 } from './helpers/random';

type Doc = Record<string, unknown>;


// Small value pools, so that equality and range filters hit often. The strings
// include non-ASCII and astral characters ('𝟘' is U+1D7D8, after 'ｚ' U+FF5A in
// code point order but before it in UTF-16 order), case pairs for the i flag,
// and newlines for the m and s flags. No \r or U+2028: JS treats them as line
// breaks and RE2 does not.
const NUMBERS = [-100, -7, -1.5, -0, 0, 0.1, 1, 2, 2.5, 3, 10, 42, 1e6];
const STRINGS = [
  '', 'a', 'A', 'ab', 'abc', 'Abc', 'b', 'ba', 'z', 'e', 'é', 'É', 'eé', '𝟘', '𝟘x', 'x𝟘', 'ｚ', '日本',
  'line1\nline2', 'ab\ncd', '10', '2', 'null', 'a.b', '$x', 'a1b22',
];
const KEYS = ['k', 'v', 'x', 'y'];
const TYPE_NAMES = ['null', 'boolean', 'number', 'string', 'array', 'object'];

interface Gen {
  rnd: () => number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

function gen(seed: number): Gen {
  const rnd = mulberry32(seed);
  return {
    rnd,
    int: (n) => Math.floor(rnd() * n),
    pick: (items) => items[Math.floor(rnd() * items.length)],
    chance: (p) => rnd() < p,
  };
}

function scalar(g: Gen): unknown {
  const r = g.rnd();
  if (r < 0.4) return g.pick(NUMBERS);
  if (r < 0.8) return g.pick(STRINGS);
  if (r < 0.9) return g.chance(0.5);
  return null;
}

/** Any JSON value, nested up to `depth` more levels. */
function anyValue(g: Gen, depth: number): unknown {
  const r = g.rnd();
  if (depth <= 0 || r < 0.55) return scalar(g);
  if (r < 0.75) return Array.from({ length: g.int(4) }, () => anyValue(g, depth - 1));
  if (r < 0.8) return g.pick([{ x: 1, y: 'a' }, { y: 'a', x: 1 }, {}, { '0': 'zero', x: 1 }]);
  const obj: Doc = {};
  for (const k of KEYS) if (g.chance(0.4)) obj[k] = anyValue(g, depth - 1);
  return obj;
}

function item(g: Gen): unknown {
  const r = g.rnd();
  if (r < 0.1) return scalar(g);
  if (r < 0.15) return [{ k: g.pick(['a', 'b']), v: g.pick(NUMBERS) }];
  const it: Doc = {};
  if (g.chance(0.85)) it.k = g.chance(0.9) ? g.pick(['a', 'b', 'c', 'é', '𝟘']) : g.pick(NUMBERS);
  if (g.chance(0.8)) it.v = g.chance(0.85) ? g.pick(NUMBERS) : scalar(g);
  if (g.chance(0.5)) it.sub = Array.from({ length: g.int(4) }, () => g.pick([1, 2, 3, 'a']));
  if (g.chance(0.2)) it.tags = Array.from({ length: g.int(3) }, () => g.pick(['x', 'y', 'z']));
  return it;
}

/** One document; every field is optional and changes type now and then. */
function makeDoc(g: Gen): Doc {
  const fields: [string, () => unknown][] = [
    ['n', () => (g.chance(0.8) ? g.pick(NUMBERS) : g.pick<unknown>(['2', '10', 'a', null, true, [1, 2], [3]]))],
    ['s', () => (g.chance(0.85) ? g.pick(STRINGS) : g.pick([1, null, ['a', 'b'], ['é', '𝟘'], { t: 'a' }]))],
    ['b', () => g.pick([true, false, null, 0, 'true'])],
    [
      'tags',
      () => {
        const r = g.rnd();
        if (r < 0.1) return g.pick(['x', 'y', 'a']);
        if (r < 0.2) return [g.pick(['x', 'y']), [g.pick(['x', 'z'])], g.pick([1, null])];
        const tag = () => (g.chance(0.75) ? g.pick(['x', 'y', 'z', 'a', 'é', '𝟘']) : scalar(g));
        return Array.from({ length: g.int(5) }, tag);
      },
    ],
    [
      'o',
      () => {
        const r = g.rnd();
        if (r < 0.1) return null;
        if (r < 0.15) return g.pick(['o', 5]);
        const one = (): Doc => {
          const o: Doc = {};
          if (g.chance(0.8)) o.x = g.chance(0.8) ? g.pick(NUMBERS) : scalar(g);
          if (g.chance(0.7)) o.y = g.pick(STRINGS);
          if (g.chance(0.5)) {
            const z: Doc = {};
            if (g.chance(0.8)) z.w = g.chance(0.7) ? scalar(g) : [g.pick([1, 2, 3]), g.pick(['a', 'b'])];
            if (g.chance(0.4)) z.arr = Array.from({ length: g.int(3) }, () => g.pick([1, 2, 'a', null]));
            o.z = z;
          }
          return o;
        };
        return r < 0.3 ? Array.from({ length: 1 + g.int(3) }, one) : one();
      },
    ],
    ['items', () => (g.chance(0.9) ? Array.from({ length: g.int(4) }, () => item(g)) : item(g))],
    [
      'm',
      () =>
        Array.from({ length: g.int(4) }, () =>
          g.chance(0.75) ? Array.from({ length: g.int(3) }, () => g.pick([1, 2, 3, 'a'])) : g.pick([1, 2, 'a']),
        ),
    ],
    ['any', () => anyValue(g, 3)],
    ['é', () => g.pick(['ü', 'é', 'E', 1])],
  ];
  // Fields are written in a shuffled order: projection and sort must follow each document's own key order.
  for (let i = fields.length - 1; i > 0; i--) {
    const j = g.int(i + 1);
    [fields[i], fields[j]] = [fields[j], fields[i]];
  }
  const doc: Doc = {};
  for (const [key, make] of fields) if (g.chance(0.8)) doc[key] = make();
  return doc;
}

const DOC_COUNT = 400;
const SEED = 0x2ed5;

/** The generated documents as stored: `_id` first, then the fields, passed through JSON (so -0 is 0). */
function generateDocs(): Doc[] {
  const g = gen(SEED);
  return Array.from({ length: DOC_COUNT }, (_, i) => ({
    _id: `d${String(i).padStart(3, '0')}`,
    ...(JSON.parse(JSON.stringify(makeDoc(g))) as Doc),
  }));
}

// ---------------------------------------------------------------------------
// The table of filters

// Paths that reach a value in some documents (numeric segments, through arrays
// of objects, through nested arrays), then paths that never do.
const LIVE_PATHS = [
  'n', 's', 'b', 'tags', 'tags.0', 'tags.1', 'tags.3', 'o', 'o.x', 'o.y', 'o.z', 'o.z.w', 'o.z.arr', 'o.z.arr.0',
  'o.1.x', 'items', 'items.k', 'items.v', 'items.sub', 'items.0', 'items.0.k', 'items.1.v', 'items.sub.0',
  'items.tags', 'm', 'm.0', 'm.0.1', 'm.1', 'any', 'any.x', 'any.0', 'any.v.y', 'é', '_id',
];
// Strings have no fields, arrays no 'length', objects no inherited keys, and '01' is not an index.
const DEAD_PATHS = ['missing', 'o.missing.deep', 's.0', 'tags.length', 'o.constructor', 'tags.01'];
const PATHS = [...LIVE_PATHS, ...DEAD_PATHS];

function tableFilters(): (Filter | undefined)[] {
  const f: (Filter | undefined)[] = [undefined, {}];

  // Every path with the operators whose meaning does not depend on the value.
  for (const p of PATHS) {
    f.push({ [p]: { $exists: true } }, { [p]: { $exists: false } }, { [p]: null }, { [p]: { $ne: null } });
    f.push({ [p]: { $type: 'array' } }, { [p]: { $type: ['number', 'string'] } });
  }

  // Equality: scalars of each type, -0, arrays (whole and as elements), objects in either key order.
  f.push(
    { n: 1 }, { n: 0 }, { n: -0 }, { n: -1.5 }, { n: 2.5 }, { n: 1e6 }, { n: '2' }, { n: true }, { n: [1, 2] },
    { n: { $eq: 3 } }, { s: 'é' }, { s: 'É' }, { s: '𝟘' }, { s: 'ｚ' }, { s: '' }, { s: 'line1\nline2' },
    { s: ['a', 'b'] }, { s: { t: 'a' } }, { b: true }, { b: false }, { b: 0 }, { b: 'true' },
    { tags: 'x' }, { tags: 'é' }, { tags: '𝟘' }, { tags: [] }, { tags: ['x'] }, { tags: ['x', 'y'] },
    { tags: ['x', 'z'] },
    { tags: 1 }, { 'tags.0': 'x' }, { 'tags.1': ['z'] }, { 'tags.0': 'x', 'tags.1': 'y' },
    { o: { x: 1 } }, { 'o.x': 1 }, { 'o.x': 2.5 }, { 'o.y': 'abc' }, { 'o.z.w': 1 }, { 'o.z.w': [1, 'a'] },
    { 'o.z.arr': null }, { 'o.z.arr': [] }, { 'o.1.x': 0 }, { o: 5 }, { o: 'o' },
    { any: { x: 1, y: 'a' } }, { any: { y: 'a', x: 1 } }, { any: {} }, { 'any.0': 'zero' }, { any: [] },
    { 'items.k': 'a' }, { 'items.k': '𝟘' }, { 'items.v': 3 }, { 'items.sub': 2 }, { 'items.sub': [1, 2] },
    { 'items.0.k': 'b' }, { 'items.1.v': -7 }, { 'items.sub.0': 'a' }, { 'items.k': 'a', 'items.v': 3 },
    { 'm.0': [1, 2] }, { m: [1, 2] }, { m: 1 }, { 'm.0.1': 2 }, { 'm.1': 'a' }, { é: 'ü' }, { é: 'E' },
    { _id: 'd007' }, { _id: 'nope' }, { 'items.tags': 'y' },
  );

  // $ne, $in, $nin.
  f.push(
    { n: { $ne: 1 } }, { tags: { $ne: 'x' } }, { 'items.k': { $ne: 'a' } }, { o: { $ne: { x: 1 } } },
    { n: { $in: [1, 2, 3] } }, { n: { $in: [null, 0] } }, { n: { $in: [] } }, { s: { $in: ['a', 'é', '𝟘'] } },
    { tags: { $in: ['z', []] } }, { tags: { $in: [['x']] } }, { any: { $in: [{ x: 1, y: 'a' }, true] } },
    { 'items.v': { $in: [-7, 42, 'x'] } }, { _id: { $in: ['d001', 'd100', 'd399', 'zzz'] } },
    { n: { $nin: [1, 2, 3] } }, { n: { $nin: [null] } }, { n: { $nin: [] } }, { tags: { $nin: ['x', 'y'] } },
    { 'o.x': { $nin: [1, null] } }, { 'm.0': { $nin: [1, [1, 2]] } },
  );

  // Ranges: numbers against numbers, strings by code point, several operators on one path, mixed types.
  for (const v of [-7, -0, 0, 1, 2.5, 1e6]) {
    f.push({ n: { $gt: v } }, { n: { $gte: v } }, { n: { $lt: v } }, { n: { $lte: v } });
  }
  for (const v of ['', 'a', 'Abc', 'b', 'é', 'ｚ', '𝟘', '𝟘x', '日本', 'line1']) {
    f.push({ s: { $gt: v } }, { s: { $lt: v } }, { tags: { $gte: v } }, { 'items.k': { $lte: v } });
  }
  f.push(
    { n: { $gt: 0, $lt: 10 } }, { n: { $gte: -1.5, $lte: 2.5 } }, { 'items.v': { $gt: 2, $lt: 3 } },
    { 'items.sub': { $gt: 2 } }, { 'o.x': { $gt: 1 } }, { 'o.z.arr': { $lt: 2 } }, { 'm.0': { $gte: 2 } },
    { m: { $gt: 1 } }, { any: { $gt: 'z' } }, { n: { $gt: '1' } }, { _id: { $gte: 'd390' } },
    { é: { $gt: 'a' } }, { 'tags.0': { $lt: 'y' } },
  );

  // $type with every type name.
  for (const t of TYPE_NAMES) {
    for (const p of ['n', 's', 'b', 'tags', 'o', 'items.v', 'any', 'm.0']) f.push({ [p]: { $type: t } });
  }
  f.push({ any: { $type: ['null', 'object', 'boolean'] } }, { tags: { $type: ['array'] } });

  // $size and $all.
  for (const p of ['tags', 'items', 'm', 'm.0', 'items.sub', 'o', 'any', 'o.z.arr']) {
    for (const n of [0, 1, 2, 3]) f.push({ [p]: { $size: n } });
  }
  f.push(
    { tags: { $all: ['x'] } }, { tags: { $all: ['x', 'y'] } }, { tags: { $all: ['x', 'y', 'z'] } },
    { tags: { $all: [] } }, { tags: { $all: [null] } }, { tags: { $all: [['x']] } },
    { 'items.k': { $all: ['a', 'b'] } },
    { 'items.sub': { $all: [1, 3] } }, { m: { $all: [[1, 2]] } }, { n: { $all: [1] } }, { s: { $all: ['a', 'b'] } },
  );

  // $elemMatch: object form (a filter on object elements) and operator form (operators on each element).
  f.push(
    { items: { $elemMatch: { k: 'a' } } }, { items: { $elemMatch: { k: 'a', v: { $gt: 1 } } } },
    { items: { $elemMatch: { k: { $in: ['b', 'c'] }, sub: 2 } } }, { items: { $elemMatch: { v: null } } },
    { items: { $elemMatch: { sub: { $size: 2 } } } }, { items: { $elemMatch: { 'tags.0': 'y' } } },
    { items: { $elemMatch: { k: 'a', $or: [{ v: 1 }, { v: { $lt: 0 } }] } } },
    { items: { $elemMatch: { v: { $exists: false } } } }, { o: { $elemMatch: { x: { $gte: 2 }, y: /^a/ } } },
    { 'o.z.arr': { $elemMatch: { $eq: null } } }, { tags: { $elemMatch: { $gte: 'x', $lt: 'z' } } },
    { tags: { $elemMatch: { $regex: '^[a-x]$' } } }, { tags: { $elemMatch: { $type: 'number' } } },
    { tags: { $elemMatch: { $in: ['é', '𝟘'] } } }, { tags: { $elemMatch: { $not: { $type: 'string' } } } },
    { m: { $elemMatch: { $size: 2 } } }, { m: { $elemMatch: { $elemMatch: { $eq: 'a' } } } },
    { m: { $elemMatch: { $gt: 2 } } }, { m: { $elemMatch: { $all: [1, 2] } } },
    { 'items.sub': { $elemMatch: { $gt: 2 } } },
    { any: { $elemMatch: { $exists: true } } }, { any: { $elemMatch: { x: { $exists: true } } } },
  );

  // Regular expressions: RegExp literals, $regex strings with $options, on arrays and on non-strings.
  f.push(
    { s: /^a/ }, { s: /^a/i }, { s: /b$/ }, { s: /^$/ }, { s: /^.$/ }, { s: /^..$/ }, { s: /é/i }, { s: /É/ },
    { s: /\d/ }, { s: /^[a-c]+$/ }, { s: /line1$/ }, { s: /line1$/m }, { s: /^line2/m }, { s: /^ab$/m },
    { s: /line1.line2/ }, { s: /line1.line2/s }, { s: /x|z/ }, { s: /(ab)+/ }, { s: /𝟘/ }, { s: /^𝟘.?$/u },
    { s: /A.C/i }, { s: /a\.b/ }, { s: /\$/ }, { s: /日/ }, { s: /a\d+b\d*/ }, { tags: /^[xz]$/ }, { tags: /É/i },
    { 'items.k': /^[ab]/ }, { n: /1/ }, { any: /a/ }, { _id: /^d00/ }, { é: /^[ÜE]$/i }, { 'o.y': /ab\ncd/ },
    { s: { $regex: '^a', $options: 'i' } }, { s: { $regex: 'line1$', $options: 'm' } },
    { s: { $regex: '1.l', $options: 's' } }, { s: { $regex: '^LINE.', $options: 'ims' } },
    { s: { $regex: '^.$', $options: 'u' } }, { s: { $regex: 'b' } }, { s: { $regex: 'é|𝟘' } },
    { tags: { $regex: '^(x|y)$' } }, { s: { $regex: '^a', $ne: 'abc' } }, { s: { $regex: '^[a-z]*$', $options: '' } },
  );

  // $not.
  f.push(
    { n: { $not: { $gt: 1 } } }, { n: { $not: { $type: 'number' } } }, { s: { $not: /^a/ } }, { s: { $not: /é/i } },
    { s: { $not: { $regex: '^a', $options: 'i' } } }, { tags: { $not: { $size: 0 } } },
    { tags: { $not: { $all: ['x'] } } },
    { tags: { $not: { $in: ['x', 'y'] } } }, { n: { $not: { $exists: true } } }, { n: { $not: { $eq: null } } },
    { items: { $not: { $elemMatch: { k: 'a' } } } }, { 'o.x': { $not: { $gte: 0, $lte: 3 } } },
    { n: { $not: { $not: { $gt: 1 } } } },
  );

  // Logic: $and, $or, $nor, nested, with implicit AND beside them.
  f.push(
    { $and: [{ n: { $gt: 0 } }, { n: { $lt: 3 } }] }, { $and: [{ tags: 'x' }, { tags: 'y' }] },
    { $or: [{ n: 1 }, { s: 'é' }] }, { $or: [{ tags: { $size: 0 } }, { tags: { $exists: false } }] },
    { $nor: [{ n: { $exists: true } }, { s: { $exists: true } }] }, { $nor: [{ b: true }] },
    { $or: [{ 'items.k': 'a' }, { 'o.x': 1 }], $nor: [{ n: { $type: 'string' } }] },
    { $and: [{ $or: [{ n: 1 }, { n: 2 }] }, { $or: [{ b: true }, { b: false }] }] },
    { $nor: [{ $and: [{ tags: 'x' }, { $or: [{ n: { $lt: 0 } }, { s: /a/ }] }] }] },
    { $or: [{ _id: 'd000' }, { _id: 'd399' }] }, { n: { $gte: 0 }, $or: [{ s: /^a/i }, { tags: 'é' }] },
    { $and: [{ n: { $exists: true } }], $or: [{ n: null }], $nor: [{ n: { $type: 'boolean' } }] },
  );
  return f;
}

// ---------------------------------------------------------------------------
// Random filters

// Random filters draw most values from what the path really holds in some
// document, so that they select something; the rest come from the pools.

function randomPath(g: Gen): string {
  return g.pick(LIVE_PATHS);
}

const VALUES_AT = new Map<string, unknown[]>();

/** Every value found at `path` in the documents: the candidates and the elements of those that are arrays. */
function valuesAt(path: string): unknown[] {
  let values = VALUES_AT.get(path);
  if (values === undefined) {
    values = DOCS.flatMap((d) => expand(candidates(d, path)));
    VALUES_AT.set(path, values);
  }
  return values;
}

/** A value found at `path` in a random document (an element of an array or the array itself), or a pool value. */
function randomValue(g: Gen, path: string): unknown {
  const found = valuesAt(path);
  if (found.length > 0 && g.chance(0.8)) return g.pick(found);
  const r = g.rnd();
  if (r < 0.75) return scalar(g);
  if (r < 0.85) return g.pick([['x'], ['x', 'y'], [], [1, 2], [3]]);
  return g.pick([{ x: 1, y: 'a' }, { y: 'a', x: 1 }, { t: 'a' }, { x: 1 }]);
}

/** A number or string for a range operator, usually one found at `path`. */
function randomBound(g: Gen, path: string): number | string {
  const v = randomValue(g, path);
  if (typeof v === 'number' || typeof v === 'string') return v;
  return g.chance(0.5) ? g.pick(NUMBERS) : g.pick(STRINGS);
}

function randomRegex(g: Gen): RegExp {
  const source = g.pick([
    '^a', 'b$', '^.$', 'é', '𝟘', '\\d', '^[a-z]+$', 'line.', '^line2', 'x|y', '(ab)+', 'A', 'z', '^[xy]', '.b',
  ]);
  return new RegExp(source, g.pick(['', '', 'i', 'm', 's', 'im', 'is', 'ms']));
}

/** One operator and its argument for values at `path`; nesting ($elemMatch, $not) stops at depth 2. */
function randomOperator(g: Gen, path: string, depth: number): [string, unknown] {
  const some = (n: number) => Array.from({ length: n }, () => randomValue(g, path));
  switch (g.int(14)) {
    case 0:
    case 1:
      return ['$eq', randomValue(g, path)];
    case 2:
      return ['$ne', randomValue(g, path)];
    case 3:
    case 4:
      return [g.pick(['$gt', '$gte', '$lt', '$lte']), randomBound(g, path)];
    case 5:
      return ['$in', some(g.chance(0.1) ? 0 : 1 + g.int(3))];
    case 6:
      return ['$nin', some(g.chance(0.1) ? 0 : 1 + g.int(3))];
    case 7:
      return ['$exists', g.chance(0.5)];
    case 8:
      return ['$type', g.chance(0.7) ? g.pick(TYPE_NAMES) : ['string', 'null']];
    case 9:
      return ['$size', g.int(4)];
    case 10:
      return ['$all', some(g.chance(0.1) ? 0 : 1 + g.int(2))];
    case 11: {
      if (depth > 1) return ['$exists', true];
      if (g.chance(0.5)) return ['$elemMatch', randomOperators(g, path, depth + 1)];
      const key = g.pick(['k', 'v', 'sub', 'x', 'y']);
      return ['$elemMatch', { [key]: randomCondition(g, `${path}.${key}`, depth + 1) }];
    }
    case 12:
      return ['$regex', randomRegex(g).source];
    default:
      if (depth > 1) return ['$size', 1];
      return ['$not', g.chance(0.3) ? randomRegex(g) : randomOperators(g, path, depth + 1)];
  }
}

function randomOperators(g: Gen, path: string, depth: number): Record<string, unknown> {
  const ops: Record<string, unknown> = {};
  const n = 1 + (g.chance(0.3) ? 1 : 0);
  for (let i = 0; i < n; i++) {
    const [op, arg] = randomOperator(g, path, depth);
    ops[op] = arg;
    if (op === '$regex' && g.chance(0.5)) ops.$options = g.pick(['i', 'm', 's', 'is']);
  }
  return ops;
}

function randomCondition(g: Gen, path: string, depth: number): unknown {
  const r = g.rnd();
  if (r < 0.25) {
    // A literal {} is left to the table, which has it once; here it is spelled $eq.
    const v = randomValue(g, path);
    return isPlainObject(v) && Object.keys(v).length === 0 ? { $eq: v } : v;
  }
  if (r < 0.35) return randomRegex(g);
  return randomOperators(g, path, depth);
}

function randomFilter(g: Gen, depth = 0): Filter {
  if (depth < 2 && g.chance(0.25)) {
    const op = g.pick(['$and', '$or', '$nor']);
    return { [op]: Array.from({ length: 1 + g.int(3) }, () => randomFilter(g, depth + 1)) };
  }
  const filter: Filter = {};
  const keys = 1 + (g.chance(0.2) ? 1 : 0);
  for (let i = 0; i < keys; i++) {
    const path = randomPath(g);
    filter[path] = randomCondition(g, path, 0);
  }
  return filter;
}

const RANDOM_COUNT = 300;

function randomFilters(): Filter[] {
  const g = gen(SEED ^ 0xf17e5);
  return Array.from({ length: RANDOM_COUNT }, () => randomFilter(g));
}

// ---------------------------------------------------------------------------

const DOCS = generateDocs();
let dir: string;
let store: Store;
let coll: Collection<Doc>;

// One store for the whole file, so not helpers' tempDir(): that removes its directories after each test.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zds-query-'));
  store = open(dir);
  coll = store.collection<Doc>('c');
  // Half the documents flushed to data.jsonl, half still in the write buffer: queries must see both.
  DOCS.forEach(({ _id, ...doc }, i) => {
    coll.put(_id as string, doc);
    if (i === DOC_COUNT / 2) coll.flush();
  });
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** find(), count() and findOne() for one filter, each against the reference. */
function checkFilter(filter: Filter | undefined): void {
  const what = `filter ${showQuery(filter)}`;
  const want = DOCS.filter((d) => matches(d, filter));
  const got = coll.find(filter).toArray();
  const sortedIds = (docs: Doc[]) => docs.map((d) => d._id as string).sort();
  // The set first, so that a failure lists the ids that differ, then the whole documents in scan order.
  expect(sortedIds(got), what).toEqual(sortedIds(want));
  expect(got, what).toEqual(want);
  expect(coll.count(filter), what).toBe(want.length);
  expect(coll.findOne(filter), what).toEqual(want[0]);
}

describe('the generated documents', () => {
  it('are stored as generated, in insertion order', () => {
    expect(coll.find().toArray()).toEqual(DOCS);
    expect(coll.find({}).toArray().length).toBe(DOC_COUNT);
  });

  it('exercise the filters: most match some but not all documents', () => {
    for (const [filters, share] of [[tableFilters(), 0.8], [randomFilters(), 0.55]] as const) {
      const hits = filters.map((f) => DOCS.filter((d) => matches(d, f)).length);
      const between = hits.filter((n) => n > 0 && n < DOC_COUNT).length;
      expect(between / hits.length).toBeGreaterThan(share);
    }
  });
});

describe('table of filters', () => {
  const filters = tableFilters();
  filters.forEach((filter, i) => {
    it(`#${i} ${showQuery(filter).slice(0, 110)}`, () => {
      checkFilter(filter);
    });
  });
});

describe('random filters', () => {
  const filters = randomFilters();
  filters.forEach((filter, i) => {
    it(`#${i} ${showQuery(filter).slice(0, 110)}`, () => {
      checkFilter(filter);
    });
  });
});

describe('documents written as raw JSONL text', () => {
  // The engine reads stored bytes, which need not be what JSON.stringify
  // writes: other number spellings, escaped strings and keys, _id not first.
  const LINES = [
    '{"_id":"r1","n":1.0,"s":"\\u00e9"}',
    '{"_id":"r2","n":1e0,"s":"\\ud835\\udfd8"}',
    '{"n":10E-1,"_id":"r3","s":"a\\/b"}',
    '{"_id":"r4","n":-0.0,"\\u0074ags":["\\u0078"]}',
    '{"_id":"r5","n":0.25e1,"s":"line1\\nline2","o":{"x":1.50}}',
    '{"_id":"r6","n":100e-2,"s":"\\u0041bc","tags":[]}',
  ];

  let raw: Collection<Doc>;
  let docs: Doc[];

  beforeAll(() => {
    raw = store.collection<Doc>('raw');
    raw.writeJsonl(Buffer.from(LINES.join('\n') + '\n'));
    docs = LINES.map((l) => JSON.parse(l) as Doc);
  });

  const filters: Filter[] = [
    { n: 1 }, { n: { $gte: 1, $lte: 1 } }, { n: 0 }, { n: -0 }, { n: { $lt: 0.5 } }, { n: 2.5 }, { 'o.x': 1.5 },
    { s: 'é' }, { s: /^é$/ }, { s: '𝟘' }, { s: { $gt: 'ｚ' } }, { s: 'a/b' }, { s: /line1$/m }, { s: /^abc$/i },
    { tags: 'x' }, { tags: { $size: 0 } }, { 'tags.0': 'x' }, { tags: { $exists: true } }, { _id: 'r3' },
    { n: { $in: [1, 2.5] } },
  ];
  filters.forEach((filter) => {
    it(showQuery(filter), () => {
      const what = `filter ${showQuery(filter)}`;
      const want = docs.filter((d) => matches(d, filter));
      expect(raw.find(filter).toArray(), what).toEqual(want);
      expect(raw.count(filter), what).toBe(want.length);
      expect(raw.findOne(filter), what).toEqual(want[0]);
    });
  });
});
