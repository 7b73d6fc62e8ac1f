// Malformed queries: find(), count(), findOne() and distinct() refuse each
// with a ZdsError of code EINVALIDQUERY, thrown at the call (not later at
// toArray() or iteration), and the collection goes on working. Valid edge
// cases are checked too, so that refusing everything would not pass.
import { describe, expect, it } from 'vitest';
import { open, ZdsError } from '../dist/index.js';
import type { Collection, Store } from '../dist/index.js';
import { tempDir } from './helpers';

type Doc = Record<string, unknown>;

function seeded(): { store: Store; coll: Collection<Doc> } {
  const store = open(tempDir('zds-query-'));
  const coll = store.collection<Doc>('c');
  coll.put('a', { a: 1, b: [{ c: 'x' }], s: 'abc' });
  coll.put('b', { a: [1, 2], s: 'xyz' });
  coll.put('c', { n: null });
  return { store, coll };
}

/** The EINVALIDQUERY error `fn` throws at once; `message` is matched when given. */
function expectInvalidQuery(fn: () => unknown, what: string, message?: RegExp): ZdsError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `${what}: expected a ZdsError, but nothing was thrown`).toBeDefined();
  expect(caught, what).toBeInstanceOf(ZdsError);
  const err = caught as ZdsError;
  expect(err.code as string, `${what}: ${err.message}`).toBe('EINVALIDQUERY');
  expect(err.message.length, what).toBeGreaterThan(10);
  if (message) expect(err.message, what).toMatch(message);
  return err;
}

// [description, filter, what the message should name (only where it is obvious)]
const BAD_FILTERS: [string, unknown, RegExp?][] = [
  ['an unknown operator', { a: { $foo: 1 } }, /\$foo/],
  ['an unknown operator inside $and', { $and: [{ a: { $foo: 1 } }] }, /\$foo/],
  ['an unknown operator inside $elemMatch', { b: { $elemMatch: { c: { $foo: 1 } } } }, /\$foo/],
  ['$gt at the top level', { $gt: 1 }, /\$gt/],
  ['$not at the top level', { $not: { a: 1 } }, /\$not/],
  ['an unknown operator at the top level', { $foo: [{ a: 1 }] }, /\$foo/],
  ['$and: []', { $and: [] }, /\$and/],
  ['$and: {}', { $and: {} }, /\$and/],
  ['$or: []', { $or: [] }, /\$or/],
  ['$nor: 5', { $nor: 5 }, /\$nor/],
  ['$or holding a non-object', { $or: [{ a: 1 }, 5] }],
  ['$and holding an array', { $and: [[{ a: 1 }]] }],
  ['$in: 5', { a: { $in: 5 } }, /\$in/],
  ['$nin: a string', { a: { $nin: 'x' } }, /\$nin/],
  ['$in holding a RegExp', { a: { $in: [/re/] } }, /\$in/],
  ['$all: 5', { a: { $all: 5 } }, /\$all/],
  ['$size: -1', { a: { $size: -1 } }, /\$size/],
  ['$size: 1.5', { a: { $size: 1.5 } }, /\$size/],
  ['$size: a string', { a: { $size: '2' } }, /\$size/],
  ["$exists: 'yes'", { a: { $exists: 'yes' } }, /\$exists/],
  ['$exists: 1', { a: { $exists: 1 } }, /\$exists/],
  ["$type: 'date'", { a: { $type: 'date' } }, /\$type/],
  ['$type: a list with an unknown type', { a: { $type: ['string', 'date'] } }, /\$type/],
  ['$type: a number', { a: { $type: 2 } }, /\$type/],
  ['$gt: {}', { a: { $gt: {} } }, /\$gt/],
  ['$gt: null', { a: { $gt: null } }, /\$gt/],
  ['$lte: []', { a: { $lte: [] } }, /\$lte/],
  ['$lt: true', { a: { $lt: true } }, /\$lt/],
  ['$regex: 5', { s: { $regex: 5 } }, /\$regex/],
  ['$regex with a look-ahead (RE2 has none)', { s: { $regex: '(?=x)' } }, /\$regex|\(\?=x\)/],
  ['$regex with a back-reference (RE2 has none)', { s: { $regex: '(a)\\1' } }],
  ['$regex that does not parse', { s: { $regex: '(' } }],
  ['a RegExp literal with a look-ahead', { s: /a(?!b)/ }],
  ['a RegExp literal with the g flag', { s: /a/g }],
  ['a RegExp literal with the y flag', { s: /a/y }],
  ["$options: 'g'", { s: { $regex: 'a', $options: 'g' } }, /\$options/],
  ["$options: 'x'", { s: { $regex: 'a', $options: 'x' } }, /\$options/],
  ['$options: a number', { s: { $regex: 'a', $options: 1 } }, /\$options/],
  ['$elemMatch: 5', { b: { $elemMatch: 5 } }, /\$elemMatch/],
  ['$elemMatch: an array', { b: { $elemMatch: [{ c: 'x' }] } }, /\$elemMatch/],
  ['$not: 5', { a: { $not: 5 } }, /\$not/],
  ['$not: a string', { a: { $not: 'x' } }, /\$not/],
  ['$not: an object without operators', { a: { $not: { b: 1 } } }],
  ['operators mixed with plain keys', { a: { $gt: 1, b: 2 } }],
  ['plain keys mixed with operators', { a: { b: 2, $gt: 1 } }],
  ['an empty path segment', { 'a..b': 1 }, /a\.\.b/],
  ['a path starting with a dot', { '.a': 1 }, /\.a/],
  ['a path ending with a dot', { 'a.': 1 }, /a\./],
  ['an empty path', { '': 1 }],
  ['an empty path segment inside $or', { $or: [{ 'x..y': 1 }] }, /x\.\.y/],
  ['an empty path segment inside $elemMatch', { b: { $elemMatch: { 'c..d': 1 } } }, /c\.\.d/],
  ['a function value', { a: () => 1 }],
  ['a function inside $in', { a: { $in: [1, () => 1] } }],
  ['a BigInt value', { a: 1n }],
  ['a BigInt bound', { a: { $gt: 1n } }],
  ['NaN', { a: NaN }],
  ['NaN as a bound', { a: { $lt: NaN } }],
  ['NaN inside an array value', { a: [1, NaN] }],
  ['Infinity', { a: { $gte: Infinity } }],
  ['a Date value', { a: new Date(0) }],
  ['null as the filter', null],
  ['an array as the filter', [{ a: 1 }]],
  ['an empty array as the filter', []],
  ['a string as the filter', 'a'],
  ['a number as the filter', 5],
  ['a boolean as the filter', true],
];

// Options that find() and findOne() refuse: [description, options, what the message should name]
const BAD_OPTIONS: [string, unknown, RegExp?][] = [
  ['fields mixing inclusion and exclusion', { fields: { a: 1, b: 0 } }],
  ['fields mixing exclusion and inclusion', { fields: { a: false, b: true } }],
  ['a fields value of 2', { fields: { a: 2 } }],
  ['a fields value of -1', { fields: { a: -1 } }],
  ['a fields value that is a string', { fields: { a: 'yes' } }],
  ['fields as a string', { fields: 'a' }, /fields/],
  ['fields holding a number', { fields: ['a', 1] }, /fields/],
  ['a fields path with an empty segment', { fields: ['a..b'] }, /a\.\.b/],
  ['sort direction 0', { sort: { a: 0 } }, /sort/],
  ["sort direction 'asc'", { sort: { a: 'asc' } }, /sort/],
  ['sort direction 2', { sort: { a: 2 } }, /sort/],
  ['sort direction 0 in pair form', { sort: [['a', 0]] }, /sort/],
  ['a sort pair without direction', { sort: [['a']] }, /sort/],
  ['sort as a string', { sort: 'a' }, /sort/],
  ['a sort path with an empty segment', { sort: { 'a..b': 1 } }, /a\.\.b/],
  ['negative skip', { skip: -1 }, /skip/],
  ['fractional skip', { skip: 1.5 }, /skip/],
  ['skip as a string', { skip: '1' }, /skip/],
  ['NaN skip', { skip: NaN }, /skip/],
  ['negative limit', { limit: -1 }, /limit/],
  ['fractional limit', { limit: 2.5 }, /limit/],
  ['limit as a string', { limit: '10' }, /limit/],
  ["raw: 'yes'", { raw: 'yes' }, /raw/],
  ['raw: 1', { raw: 1 }, /raw/],
  ['signal that is a plain object', { signal: {} }, /signal/],
  ['signal that is a string', { signal: 'abort' }, /signal/],
  ['signal that is an AbortController', { signal: new AbortController() }, /signal/],
];

// Valid edge cases: each must be accepted by every method.
const GOOD_FILTERS: [string, unknown][] = [
  ['undefined', undefined],
  ['{}', {}],
  ['$and of one empty filter', { $and: [{}] }],
  ['null equality', { n: null }],
  ['empty $in', { a: { $in: [] } }],
  ['empty $all', { a: { $all: [] } }],
  ['$size: 0', { a: { $size: 0 } }],
  ['an empty $regex', { s: { $regex: '' } }],
  ['$options before $regex', { s: { $options: 'i', $regex: 'A' } }],
  ['$options with every flag', { s: { $regex: '^a', $options: 'imsu' } }],
  ['a RegExp literal with the u flag', { s: /^[a-z]+$/u }],
  ['a RegExp literal with flags i, m and s', { s: /^A.c$/ims }],
  ['$not of a RegExp', { s: { $not: /^x/ } }],
  ['$type: a list', { a: { $type: ['null', 'array'] } }],
  ['a numeric path segment', { 'b.0.c': 'x' }],
  ['$exists: false', { zz: { $exists: false } }],
  ['_id as a field', { _id: { $in: ['a', 'c'] } }],
  ['-0', { a: -0 }],
  ['non-ASCII values', { s: { $gt: 'é𝟘' } }],
  ['$elemMatch of operators', { a: { $elemMatch: { $gt: 1 } } }],
  ['$not of $elemMatch', { b: { $not: { $elemMatch: { c: 'y' } } } }],
  ['nested logic', { $or: [{ $and: [{ a: 1 }] }, { $nor: [{ a: 2 }] }] }],
];

const GOOD_OPTIONS: [string, object][] = [
  ['fields as an array', { fields: ['a'] }],
  ['fields with true and 1', { fields: { a: true, s: 1 } }],
  ['fields with false and 0', { fields: { a: false, s: 0 } }],
  ['fields _id: 1 beside exclusions', { fields: { _id: 1, a: 0 } }],
  ['fields _id: 0 beside inclusions', { fields: { _id: 0, a: 1 } }],
  ['sort in pair form', { sort: [['a', -1], ['s', 1]] }],
  ['skip 0 and limit 1', { skip: 0, limit: 1 }],
  ['raw: false', { raw: false }],
  ['an AbortSignal', { signal: new AbortController().signal }],
  ['every option undefined', { fields: undefined, sort: undefined, skip: undefined, limit: undefined, raw: undefined }],
];

describe('malformed filters: EINVALIDQUERY from every method, at the call', () => {
  it.each(BAD_FILTERS)('%s', (what, filter, message) => {
    const { store, coll } = seeded();
    const f = filter as Doc;
    expectInvalidQuery(() => coll.find(f), `find: ${what}`, message);
    expectInvalidQuery(() => coll.find(f, { sort: { a: 1 } }), `find with options: ${what}`, message);
    expectInvalidQuery(() => coll.count(f), `count: ${what}`, message);
    expectInvalidQuery(() => coll.findOne(f), `findOne: ${what}`, message);
    expectInvalidQuery(() => coll.distinct('a', f), `distinct: ${what}`, message);
    // Nothing broke: the collection answers the next query.
    expect(coll.count()).toBe(3);
    expect(coll.find({ a: 1 }).toArray().map((d) => d._id)).toEqual(['a', 'b']);
    store.close();
  });
});

describe('malformed options: EINVALIDQUERY from find() and findOne(), at the call', () => {
  it.each(BAD_OPTIONS)('%s', (what, options, message) => {
    const { store, coll } = seeded();
    const o = options as object;
    expectInvalidQuery(() => coll.find({}, o), `find: ${what}`, message);
    expectInvalidQuery(() => coll.find(undefined, o), `find(undefined): ${what}`, message);
    expectInvalidQuery(() => coll.find({ a: 1 }, o), `find(filter): ${what}`, message);
    expectInvalidQuery(() => coll.findOne({}, o), `findOne: ${what}`, message);
    expect(coll.find({}).toArray().length).toBe(3);
    store.close();
  });
});

describe('malformed distinct() fields', () => {
  it.each([
    ['an empty segment', 'a..b', /a\.\.b/],
    ['a leading dot', '.a', undefined],
    ['an empty field', '', undefined],
  ] as [string, string, RegExp | undefined][])('%s', (what, field, message) => {
    const { store, coll } = seeded();
    expectInvalidQuery(() => coll.distinct(field), `distinct: ${what}`, message);
    expectInvalidQuery(() => coll.distinct(field, { a: 1 }), `distinct with a filter: ${what}`, message);
    expect(coll.distinct('a')).toEqual([1, 2]);
    store.close();
  });
});

describe('valid edge cases are accepted', () => {
  it.each(GOOD_FILTERS)('filter: %s', (what, filter) => {
    const { store, coll } = seeded();
    const f = filter as Doc | undefined;
    expect(() => coll.find(f).toArray(), what).not.toThrow();
    expect(() => coll.count(f), what).not.toThrow();
    expect(() => coll.findOne(f), what).not.toThrow();
    expect(() => coll.distinct('a', f), what).not.toThrow();
    store.close();
  });

  it.each(GOOD_OPTIONS)('options: %s', (what, options) => {
    const { store, coll } = seeded();
    expect(() => coll.find({}, options).toArray(), what).not.toThrow();
    expect(() => coll.findOne({}, options), what).not.toThrow();
    store.close();
  });
});
