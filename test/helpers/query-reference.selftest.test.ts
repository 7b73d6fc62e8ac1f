// Checks the query reference against expectations worked out by hand from the
// spec, so that the tests comparing the native engine with it compare against
// something known to be right. Imports nothing but the reference.
import { describe, expect, it } from 'vitest';
import {
  candidates,
  compareStrings,
  compareValues,
  deepEqual,
  distinctValues,
  expand,
  isPlainObject,
  matches,
  project,
  runQuery,
  showQuery,
  sortDocs,
  sortValue,
  type Filter,
} from './query-reference';

// A small collection whose every case below is worked out by hand.
const DOCS: Record<string, unknown>[] = [
  { _id: 'a', n: 1, s: 'abc', tags: ['x', 'y'], o: { x: 1, y: 'p' } },
  { _id: 'b', n: 2.5, s: 'Abd', tags: ['y'], o: { x: 2 }, items: [{ k: 'a', v: 1 }, { k: 'b', v: 5 }] },
  { _id: 'c', n: -3, s: '𝟘', tags: [], o: [{ x: 3 }, { x: 4 }], items: [{ k: 'a', v: 7 }, 9, [{ k: 'z' }]] },
  { _id: 'd', n: null, s: 'ｚ', tags: 'x', m: [[1, 2], [3]] },
  { _id: 'e', n: '2', s: 'line1\nline2', tags: [['x'], 'z'], o: null },
  { _id: 'f', b: true, tags: [1, 'x', null], o: { y: 'p', x: 1 } },
  { _id: 'g', n: 0, s: 'é', m: [1, [2, 3]], o: { z: { w: [1, 2] } } },
];

/** The _ids of the documents matching `filter`, in scan order. */
function ids(filter: Filter | undefined): string[] {
  return DOCS.filter((d) => matches(d, filter)).map((d) => d._id as string);
}

describe('deepEqual and the total order', () => {
  it('deepEqual: numbers by value, objects in any key order, arrays in order', () => {
    expect(deepEqual(1, 1.0)).toBe(true);
    expect(deepEqual(-0, 0)).toBe(true);
    expect(deepEqual('1', 1)).toBe(false);
    expect(deepEqual(null, undefined)).toBe(false);
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual([1, [2]], [1, [2]])).toBe(true);
    expect(deepEqual([], {})).toBe(false);
    expect(deepEqual({}, {})).toBe(true);
  });

  it('compareStrings orders by code point, unlike JS < on UTF-16 units', () => {
    // 'ｚ' is U+FF5A, '𝟘' is U+1D7D8 (surrogates D835 DFD8 in UTF-16).
    expect('𝟘' < 'ｚ').toBe(true);
    expect(compareStrings('𝟘', 'ｚ')).toBe(1);
    expect(compareStrings('ｚ', '𝟘')).toBe(-1);
    expect(compareStrings('a', 'ab')).toBe(-1);
    expect(compareStrings('B', 'a')).toBe(-1);
    expect(compareStrings('é', 'z')).toBe(1);
    expect(compareStrings('', '')).toBe(0);
    expect(compareStrings('𝟘x', '𝟘')).toBe(1);
  });

  it('compareValues ranks types null < number < string < object < array < boolean', () => {
    const ladder = [null, -5, 0, 2.5, '', 'a', {}, { a: 1 }, [], [0], false, true];
    for (let i = 0; i < ladder.length; i++) {
      for (let j = 0; j < ladder.length; j++) {
        expect(Math.sign(compareValues(ladder[i], ladder[j])), `${i} vs ${j}`).toBe(Math.sign(i - j));
      }
    }
    expect(compareValues(undefined, null)).toBe(0);
    expect(compareValues(-0, 0)).toBe(0);
  });

  it('compareValues: arrays element by element then shorter first; objects entry by entry in their key order', () => {
    expect(compareValues([1, 2], [1, 3])).toBe(-1);
    expect(compareValues([1, 2], [1])).toBe(1);
    expect(compareValues([2], [1, 9])).toBe(1);
    expect(compareValues(['a'], [5])).toBe(1);
    expect(compareValues({ a: 1 }, { b: 0 })).toBe(-1);
    expect(compareValues({ a: 2 }, { a: 1, b: 1 })).toBe(1);
    expect(compareValues({ a: 1 }, { a: 1, b: 1 })).toBe(-1);
    // Own key order decides, so deep-equal objects written in other orders are not ties.
    expect(compareValues({ b: 1, a: 1 }, { a: 1, b: 1 })).toBe(1);
    expect(compareValues({ a: { x: 'b' } }, { a: { x: 'a' } })).toBe(1);
  });
});

describe('paths', () => {
  it('steps into objects, into object elements of arrays and to numeric indexes', () => {
    const doc = { a: [{ b: 1 }, { b: [2, 3] }, { c: 4 }, 5, [{ b: 6 }]], o: { '0': 'zero', x: { y: 'deep' } } };
    expect(candidates(doc, 'a.b')).toEqual([1, [2, 3]]);
    expect(candidates(doc, 'a.0')).toEqual([{ b: 1 }]);
    expect(candidates(doc, 'a.0.b')).toEqual([1]);
    expect(candidates(doc, 'a.4.0.b')).toEqual([6]);
    expect(candidates(doc, 'a.b.1')).toEqual([3]);
    expect(candidates(doc, 'a.5')).toEqual([]);
    expect(candidates(doc, 'a.01')).toEqual([]);
    expect(candidates(doc, 'a.length')).toEqual([]);
    expect(candidates(doc, 'o.0')).toEqual(['zero']);
    expect(candidates(doc, 'o.x.y')).toEqual(['deep']);
    expect(candidates(doc, 'o.constructor')).toEqual([]);
    expect(candidates(doc, 'missing.deep')).toEqual([]);
  });

  it('keyed elements come before the indexed one; expand adds array elements one level', () => {
    const doc = { a: [{ '1': 'key' }, { '1': 'key2' }] };
    expect(candidates(doc, 'a.1')).toEqual(['key', 'key2', { '1': 'key2' }]);
    expect(expand([1, [2, [3]], 'x'])).toEqual([1, [2, [3]], 'x', 2, [3]]);
  });
});

describe('matches(): equality, $ne, $in, $nin', () => {
  it('{} and undefined match everything', () => {
    expect(ids(undefined)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(ids({})).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('scalar equality compares numbers by value and never across types', () => {
    expect(ids({ n: 1 })).toEqual(['a']);
    expect(ids({ n: 2 })).toEqual([]);
    expect(ids({ n: '2' })).toEqual(['e']);
    expect(ids({ n: -0 })).toEqual(['g']);
    expect(ids({ n: { $eq: 2.5 } })).toEqual(['b']);
  });

  it('null matches null values and missing paths, not empty arrays', () => {
    expect(ids({ n: null })).toEqual(['d', 'f']);
    expect(ids({ o: null })).toEqual(['d', 'e']);
    expect(ids({ tags: null })).toEqual(['f', 'g']);
    expect(ids({ 'items.v': null })).toEqual(['a', 'd', 'e', 'f', 'g']);
    expect(ids({ n: { $ne: null } })).toEqual(['a', 'b', 'c', 'e', 'g']);
  });

  it('array fields match by element and by the whole array', () => {
    expect(ids({ tags: 'x' })).toEqual(['a', 'd', 'f']);
    expect(ids({ tags: ['x', 'y'] })).toEqual(['a']);
    expect(ids({ tags: ['y', 'x'] })).toEqual([]);
    expect(ids({ tags: ['x'] })).toEqual(['e']);
    expect(ids({ tags: [] })).toEqual(['c']);
    expect(ids({ m: [3] })).toEqual(['d']);
    expect(ids({ m: 3 })).toEqual([]);
    expect(ids({ m: [2, 3] })).toEqual(['g']);
  });

  it('object equality ignores key order; {} is equality with the empty object', () => {
    expect(ids({ o: { x: 1, y: 'p' } })).toEqual(['a', 'f']);
    expect(ids({ o: { x: 1 } })).toEqual([]);
    expect(ids({ o: { x: 3 } })).toEqual(['c']);
    expect(ids({ o: {} })).toEqual([]);
    expect(matches({ o: {} }, { o: {} })).toBe(true);
  });

  it('dotted paths through objects, arrays of objects and indexes', () => {
    expect(ids({ 'o.x': 1 })).toEqual(['a', 'f']);
    expect(ids({ 'o.x': 4 })).toEqual(['c']);
    expect(ids({ 'o.1.x': 4 })).toEqual(['c']);
    expect(ids({ 'items.k': 'a' })).toEqual(['b', 'c']);
    expect(ids({ 'items.1': 9 })).toEqual(['c']);
    expect(ids({ 'items.2.k': 'z' })).toEqual(['c']);
    expect(ids({ 'items.k': 'z' })).toEqual([]);
    // e's tags.0 is ['x'], and an array value also matches by its elements.
    expect(ids({ 'tags.0': 'x' })).toEqual(['a', 'e']);
    expect(ids({ 'tags.0': ['x'] })).toEqual(['e']);
    expect(ids({ 'tags.0': 'x', 'tags.1': 'z' })).toEqual(['e']);
    expect(ids({ 'm.0.1': 2 })).toEqual(['d']);
    expect(ids({ 'o.z.w': 2 })).toEqual(['g']);
    expect(ids({ _id: 'c' })).toEqual(['c']);
  });

  it('$in and $nin, with null meaning missing too', () => {
    expect(ids({ n: { $in: [1, -3, 'x'] } })).toEqual(['a', 'c']);
    expect(ids({ n: { $in: [null] } })).toEqual(['d', 'f']);
    expect(ids({ n: { $in: [] } })).toEqual([]);
    expect(ids({ n: { $nin: [] } })).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(ids({ tags: { $in: ['z', []] } })).toEqual(['c', 'e']);
    expect(ids({ tags: { $nin: ['x', 'y'] } })).toEqual(['c', 'e', 'g']);
  });
});

describe('matches(): comparisons', () => {
  it('$gt/$gte/$lt/$lte compare numbers with numbers only', () => {
    expect(ids({ n: { $gt: 1 } })).toEqual(['b']);
    expect(ids({ n: { $gte: 1 } })).toEqual(['a', 'b']);
    expect(ids({ n: { $lt: 1 } })).toEqual(['c', 'g']);
    expect(ids({ n: { $lte: -3 } })).toEqual(['c']);
    expect(ids({ n: { $gt: 0, $lt: 2 } })).toEqual(['a']);
  });

  it('strings compare by code point and only with strings', () => {
    expect(ids({ s: { $gt: 'a' } })).toEqual(['a', 'c', 'd', 'e', 'g']);
    expect(ids({ s: { $lt: 'a' } })).toEqual(['b']);
    expect(ids({ s: { $gt: 'ｚ' } })).toEqual(['c']);
    expect(ids({ s: { $lt: '𝟘' } })).toEqual(['a', 'b', 'd', 'e', 'g']);
    expect(ids({ n: { $gte: '' } })).toEqual(['e']);
  });

  it('array fields compare element by element, each operator on its own', () => {
    expect(ids({ 'items.v': { $gt: 6 } })).toEqual(['c']);
    expect(ids({ 'items.v': { $gt: 1, $lt: 5 } })).toEqual(['b']);
    expect(ids({ m: { $gt: 2 } })).toEqual([]);
    expect(ids({ tags: { $gte: 'y' } })).toEqual(['a', 'b', 'e']);
  });
});

describe('matches(): $exists, $type, $size, $all', () => {
  it('$exists counts null values and empty arrays as present', () => {
    expect(ids({ n: { $exists: true } })).toEqual(['a', 'b', 'c', 'd', 'e', 'g']);
    expect(ids({ n: { $exists: false } })).toEqual(['f']);
    expect(ids({ 'items.v': { $exists: true } })).toEqual(['b', 'c']);
    expect(ids({ 'tags.0': { $exists: false } })).toEqual(['c', 'd', 'g']);
  });

  it('$type: array looks at the values, the other types at the expanded values', () => {
    expect(ids({ tags: { $type: 'array' } })).toEqual(['a', 'b', 'c', 'e', 'f']);
    expect(ids({ tags: { $type: 'string' } })).toEqual(['a', 'b', 'd', 'e', 'f']);
    expect(ids({ tags: { $type: 'null' } })).toEqual(['f']);
    expect(ids({ tags: { $type: 'number' } })).toEqual(['f']);
    expect(ids({ n: { $type: ['string', 'null'] } })).toEqual(['d', 'e']);
    expect(ids({ o: { $type: 'object' } })).toEqual(['a', 'b', 'c', 'f', 'g']);
    expect(ids({ b: { $type: 'boolean' } })).toEqual(['f']);
    expect(ids({ 'm.1': { $type: 'array' } })).toEqual(['d', 'g']);
  });

  it('$size: some value is an array of that length', () => {
    expect(ids({ tags: { $size: 0 } })).toEqual(['c']);
    expect(ids({ tags: { $size: 2 } })).toEqual(['a', 'e']);
    expect(ids({ 'm.0': { $size: 2 } })).toEqual(['d']);
    expect(ids({ s: { $size: 3 } })).toEqual([]);
  });

  it('$all: every value equal somewhere; empty $all matches nothing', () => {
    expect(ids({ tags: { $all: ['x', 'y'] } })).toEqual(['a']);
    expect(ids({ tags: { $all: ['x'] } })).toEqual(['a', 'd', 'f']);
    expect(ids({ tags: { $all: [] } })).toEqual([]);
    expect(ids({ tags: { $all: [['x'], 'z'] } })).toEqual(['e']);
    expect(ids({ 'items.k': { $all: ['a', 'b'] } })).toEqual(['b']);
  });
});

describe('matches(): $elemMatch, $regex, $not and logic', () => {
  it('$elemMatch object form: one object element matches the whole filter', () => {
    expect(ids({ items: { $elemMatch: { k: 'a', v: { $gt: 3 } } } })).toEqual(['c']);
    expect(ids({ items: { $elemMatch: { k: 'b', v: 1 } } })).toEqual([]);
    expect(ids({ items: { k: 'b', v: 1 } })).toEqual([]);
    expect(ids({ o: { $elemMatch: { x: { $gte: 4 } } } })).toEqual(['c']);
    expect(ids({ items: { $elemMatch: { k: 'z' } } })).toEqual([]);
    expect(ids({ items: { $elemMatch: { v: 5, $or: [{ k: 'a' }, { k: 'b' }] } } })).toEqual(['b']);
  });

  it('$elemMatch operator form: one element satisfies all operators', () => {
    // e's element ['x'] qualifies: as the value of the operators it expands to 'x'.
    expect(ids({ tags: { $elemMatch: { $gte: 'x', $lt: 'y' } } })).toEqual(['a', 'e', 'f']);
    expect(ids({ m: { $elemMatch: { $size: 1 } } })).toEqual(['d']);
    expect(ids({ m: { $elemMatch: { $elemMatch: { $gt: 2 } } } })).toEqual(['d', 'g']);
    expect(ids({ m: { $elemMatch: { $gt: 2 } } })).toEqual(['d', 'g']);
    expect(ids({ 'items.v': { $elemMatch: { $gt: 0 } } })).toEqual([]);
    expect(ids({ o: { $elemMatch: { $type: 'object' } } })).toEqual(['c']);
    // {} has no key that is not an operator: any element of a non-empty array will do.
    expect(ids({ tags: { $elemMatch: {} } })).toEqual(['a', 'b', 'e', 'f']);
  });

  it('$regex and RegExp literals, with flags i, m and s', () => {
    expect(ids({ s: /^ab/ })).toEqual(['a']);
    expect(ids({ s: /^ab/i })).toEqual(['a', 'b']);
    expect(ids({ s: { $regex: '^ab', $options: 'i' } })).toEqual(['a', 'b']);
    expect(ids({ s: { $regex: '^.$' } })).toEqual(['c', 'd', 'g']);
    expect(ids({ s: /line1$/ })).toEqual([]);
    expect(ids({ s: /line1$/m })).toEqual(['e']);
    expect(ids({ s: { $regex: '^line2', $options: 'm' } })).toEqual(['e']);
    expect(ids({ s: /1.l/ })).toEqual([]);
    expect(ids({ s: /1.l/s })).toEqual(['e']);
    expect(ids({ s: /É/i })).toEqual(['g']);
    expect(ids({ tags: /^[xz]$/ })).toEqual(['a', 'd', 'e', 'f']);
    expect(ids({ n: /2/ })).toEqual(['e']);
  });

  it('$not negates, so documents without the field match', () => {
    expect(ids({ n: { $not: { $gt: 0 } } })).toEqual(['c', 'd', 'e', 'f', 'g']);
    expect(ids({ s: { $not: /^ab/i } })).toEqual(['c', 'd', 'e', 'f', 'g']);
    expect(ids({ tags: { $not: { $size: 0 } } })).toEqual(['a', 'b', 'd', 'e', 'f', 'g']);
    expect(ids({ n: { $not: { $exists: false } } })).toEqual(['a', 'b', 'c', 'd', 'e', 'g']);
  });

  it('$and, $or, $nor and implicit AND', () => {
    expect(ids({ $or: [{ n: 1 }, { s: 'é' }] })).toEqual(['a', 'g']);
    expect(ids({ $and: [{ tags: 'x' }, { tags: 'y' }] })).toEqual(['a']);
    expect(ids({ $nor: [{ n: { $exists: true } }, { s: /^l/ }] })).toEqual(['f']);
    expect(ids({ tags: 'x', n: { $type: 'number' } })).toEqual(['a']);
    expect(ids({ $or: [{ n: 1 }], $nor: [{ tags: 'y' }] })).toEqual([]);
  });
});

describe('matches(): more edge cases', () => {
  it('$eq with null inside arrays, $all with null, $nin with null', () => {
    expect(ids({ tags: { $eq: null } })).toEqual(['f', 'g']);
    expect(ids({ tags: { $all: [null] } })).toEqual(['f', 'g']);
    expect(ids({ tags: { $all: [null, 'x'] } })).toEqual(['f']);
    expect(ids({ n: { $nin: [null, 1] } })).toEqual(['b', 'c', 'e', 'g']);
  });

  it('$in holds arrays and objects as values', () => {
    expect(ids({ m: { $in: [[3], { x: 1 }] } })).toEqual(['d']);
    expect(ids({ o: { $in: [{ y: 'p', x: 1 }, 5] } })).toEqual(['a', 'f']);
    expect(ids({ 'items.2': { $in: [[{ k: 'z' }]] } })).toEqual(['c']);
  });

  it('$not around $in, $regex with $options and $elemMatch', () => {
    expect(ids({ n: { $not: { $in: [1, null] } } })).toEqual(['b', 'c', 'e', 'g']);
    expect(ids({ s: { $not: { $regex: 'B', $options: 'i' } } })).toEqual(['c', 'd', 'e', 'f', 'g']);
    expect(ids({ items: { $not: { $elemMatch: { k: 'a' } } } })).toEqual(['a', 'd', 'e', 'f', 'g']);
  });

  it('a value operator sees scalars and array elements alike; strings are not indexed', () => {
    expect(ids({ 's.0': { $exists: true } })).toEqual([]);
    expect(ids({ 'o.x': { $type: 'number' } })).toEqual(['a', 'b', 'c', 'f']);
    expect(ids({ 'o.x': { $gte: 2, $lte: 3 } })).toEqual(['b', 'c']);
    expect(ids({ 'tags.2': null })).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(ids({ 'tags.2': { $type: 'null' } })).toEqual(['f']);
  });

  it('$or inside $and inside $nor nests', () => {
    const f = { $nor: [{ $and: [{ $or: [{ n: 1 }, { n: -3 }] }, { tags: { $size: 0 } }] }] };
    expect(ids(f)).toEqual(['a', 'b', 'd', 'e', 'f', 'g']);
  });
});

describe('the reference agrees with itself', () => {
  const VALUES: unknown[] = [
    null, -1, 0, 0.5, 2, '', 'a', 'B', 'é', '𝟘', 'ｚ', {}, { a: 1 }, { b: 0 }, { a: 1, b: 2 }, [], [1], [1, 2], ['a'],
    [[1]], false, true,
  ];

  it('compareValues is a total order: antisymmetric, transitive, 0 exactly for equal values here', () => {
    for (const x of VALUES) {
      for (const y of VALUES) {
        expect(Math.sign(compareValues(x, y)) + Math.sign(compareValues(y, x))).toBe(0);
        expect(compareValues(x, y) === 0).toBe(deepEqual(x, y));
        for (const z of VALUES) {
          if (compareValues(x, y) <= 0 && compareValues(y, z) <= 0) expect(compareValues(x, z)).toBeLessThanOrEqual(0);
        }
      }
    }
  });

  it('$ne, $nin, $not and $nor are the negations of $eq, $in, the operator and $or', () => {
    const docs = VALUES.map((v) => ({ v, w: [v, 1] }));
    for (const doc of docs) {
      for (const v of VALUES) {
        for (const path of ['v', 'w', 'nope']) {
          const eq = matches(doc, { [path]: { $eq: v } });
          expect(matches(doc, { [path]: { $ne: v } })).toBe(!eq);
          expect(matches(doc, { [path]: { $in: [v] } })).toBe(eq);
          expect(matches(doc, { [path]: { $nin: [v, 'never'] } })).toBe(!eq && !matches(doc, { [path]: 'never' }));
          expect(matches(doc, { [path]: { $not: { $eq: v } } })).toBe(!eq);
          expect(matches(doc, { $nor: [{ [path]: v }] })).toBe(!eq);
          if (!isPlainObject(v)) expect(matches(doc, { [path]: v })).toBe(eq);
        }
      }
    }
  });

  it('sortDocs output is ordered by sortValue and stable', () => {
    const docs = VALUES.flatMap((v, i) => [{ i, v }, { i: i + 100, v }, { i: i + 200, v: [v, 0] }]);
    for (const dir of [1, -1] as const) {
      const sorted = sortDocs(docs, { v: dir });
      for (let k = 1; k < sorted.length; k++) {
        const d = compareValues(sortValue(sorted[k - 1], 'v', dir), sortValue(sorted[k], 'v', dir)) * dir;
        expect(d).toBeLessThanOrEqual(0);
        if (d === 0) expect(docs.indexOf(sorted[k - 1])).toBeLessThan(docs.indexOf(sorted[k]));
      }
    }
  });
});

describe('project()', () => {
  const doc = {
    _id: 'p',
    name: 'ann',
    addr: { city: 'Oslo', geo: { lat: 59.9, lng: 10.7 } },
    pets: [{ kind: 'cat', name: 'tom' }, { kind: 'dog' }, 'fish', [{ name: 'inner' }]],
    age: 30,
  };
  // Key order matters, so compare the JSON text.
  const json = (v: unknown) => JSON.stringify(v);

  it('inclusion keeps _id and the document key order', () => {
    expect(json(project(doc, ['age', 'name']))).toBe(json({ _id: 'p', name: 'ann', age: 30 }));
    expect(json(project(doc, { age: 1, 'addr.city': true }))).toBe(
      json({ _id: 'p', addr: { city: 'Oslo' }, age: 30 }),
    );
    expect(json(project(doc, { _id: 0, 'addr.geo.lat': 1 }))).toBe(json({ addr: { geo: { lat: 59.9 } } }));
    expect(json(project(doc, { _id: 1 }))).toBe(json({ _id: 'p' }));
  });

  it('inclusion through arrays keeps object elements only; objects lacking the rest become {}', () => {
    expect(json(project(doc, ['pets.name']))).toBe(json({ _id: 'p', pets: [{ name: 'tom' }, {}] }));
    expect(json(project(doc, ['addr.nope', 'missing', 'name.x']))).toBe(json({ _id: 'p', addr: {} }));
    expect(json(project(doc, ['addr', 'addr.city']))).toBe(json({ _id: 'p', addr: doc.addr }));
  });

  it('exclusion removes paths, also from object elements of arrays', () => {
    expect(json(project(doc, { pets: 0, 'addr.geo': false }))).toBe(
      json({ _id: 'p', name: 'ann', addr: { city: 'Oslo' }, age: 30 }),
    );
    expect(json(project(doc, { 'pets.name': 0, _id: 0, addr: 0 }))).toBe(
      json({ name: 'ann', pets: [{ kind: 'cat' }, { kind: 'dog' }, 'fish', [{ name: 'inner' }]], age: 30 }),
    );
    expect(json(project(doc, { _id: 0 }))).toBe(json({ name: 'ann', addr: doc.addr, pets: doc.pets, age: 30 }));
    expect(json(project(doc, { missing: 0 }))).toBe(json(doc));
    expect(project(doc, undefined)).toBe(doc);
  });
});

describe('sort and distinct', () => {
  it('sorts by the type order, ties in scan order, missing as null', () => {
    const docs = [
      { _id: '1', v: 'b' },
      { _id: '2', v: true },
      { _id: '3' },
      { _id: '4', v: 3 },
      { _id: '5', v: null },
      { _id: '6', v: { a: 1 } },
      { _id: '7', v: [] },
      { _id: '8', v: -1 },
      { _id: '9', v: '𝟘' },
      { _id: '10', v: 'ｚ' },
      { _id: '11', v: false },
      { _id: '12', v: 3 },
    ];
    const asc = sortDocs(docs, { v: 1 }).map((d) => d._id);
    expect(asc).toEqual(['3', '5', '8', '4', '12', '1', '10', '9', '6', '7', '11', '2']);
    const desc = sortDocs(docs, [['v', -1]]).map((d) => d._id);
    expect(desc).toEqual(['2', '11', '7', '6', '9', '10', '1', '4', '12', '8', '3', '5']);
  });

  it('an array sorts by its smallest element ascending and its largest descending; only the first value counts', () => {
    expect(sortValue({ v: [3, 'a', 1] }, 'v', 1)).toBe(1);
    expect(sortValue({ v: [3, 'a', 1] }, 'v', -1)).toBe('a');
    expect(sortValue({ v: [] }, 'v', 1)).toEqual([]);
    expect(sortValue({ v: [[5], 2] }, 'v', -1)).toEqual([5]);
    expect(sortValue({ items: [{ v: 9 }, { v: 1 }] }, 'items.v', 1)).toBe(9);
    expect(sortValue({}, 'v', -1)).toBe(null);
    const docs = [
      { _id: 'x', v: [5, 1] },
      { _id: 'y', v: 2 },
      { _id: 'z', v: [4, 3] },
    ];
    expect(sortDocs(docs, { v: 1 }).map((d) => d._id)).toEqual(['x', 'y', 'z']);
    expect(sortDocs(docs, { v: -1 }).map((d) => d._id)).toEqual(['x', 'z', 'y']);
  });

  it('several keys in priority order, object or pair form', () => {
    const docs = [
      { _id: '1', a: 1, b: 'x' },
      { _id: '2', a: 2, b: 'y' },
      { _id: '3', a: 1, b: 'z' },
      { _id: '4', a: 2, b: 'x' },
    ];
    expect(sortDocs(docs, { a: 1, b: -1 }).map((d) => d._id)).toEqual(['3', '1', '2', '4']);
    expect(sortDocs(docs, [['b', 1], ['a', -1]]).map((d) => d._id)).toEqual(['4', '1', '2', '3']);
    expect(sortDocs(docs, { b: 1, a: -1 }).map((d) => d._id)).toEqual(['4', '1', '2', '3']);
  });

  it('distinct unwraps arrays one level, keeps first-seen order, deep-equal values once', () => {
    expect(distinctValues(DOCS, 'tags')).toEqual(['x', 'y', ['x'], 'z', 1, null]);
    expect(distinctValues(DOCS, 'o')).toEqual([
      { x: 1, y: 'p' },
      { x: 2 },
      { x: 3 },
      { x: 4 },
      null,
      { z: { w: [1, 2] } },
    ]);
    expect(distinctValues(DOCS, 'items.k')).toEqual(['a', 'b']);
    expect(distinctValues(DOCS, 'n', { n: { $type: 'number' } })).toEqual([1, 2.5, -3, 0]);
    expect(distinctValues(DOCS, 'm')).toEqual([[1, 2], [3], 1, [2, 3]]);
    expect(distinctValues([{ v: -0 }, { v: 0 }, { v: [0, 1] }], 'v')).toEqual([-0, 1]);
    expect(distinctValues(DOCS, 'nope')).toEqual([]);
  });

  it('runQuery sorts, then skips and limits, then projects', () => {
    const got = runQuery(DOCS, { n: { $type: 'number' } }, { sort: { n: -1 }, skip: 1, limit: 2, fields: ['n'] });
    expect(got).toEqual([
      { _id: 'a', n: 1 },
      { _id: 'g', n: 0 },
    ]);
    expect(runQuery(DOCS, {}, { skip: 5 }).map((d) => d._id)).toEqual(['f', 'g']);
    expect(runQuery(DOCS, {}, { limit: 0 })).toEqual([]);
  });

  it('showQuery prints RegExps', () => {
    expect(showQuery({ s: /a.b/i, $or: [{ n: 1 }] })).toBe('{"s":"RegExp(/a.b/i)","$or":[{"n":1}]}');
    expect(showQuery(undefined)).toBe('undefined');
  });
});
