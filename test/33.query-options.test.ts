// find() options (fields, sort, skip, limit, raw, signal), findOne() with
// options, distinct() and the iterators of a query: hand-worked cases first,
// then generated documents against the plain-JS reference
// (test/helpers/query-reference.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { open } from '../dist/index.js';
import type { Collection, Store } from '../dist/index.js';
import { tempDir } from './helpers';
import { mulberry32 } from './helpers/random';
import {
  distinctValues,
  runQuery,
  showQuery,
  type Fields,
  type Filter,
  type Sort,
} from './helpers/query-reference';

type Doc = Record<string, unknown>;

// Stores opened by a test, closed after it (before helpers' afterEach, registered earlier, removes their folders).
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function openStore(options?: { batchSize?: number }): Store {
  const store = open(tempDir('zds-query-'), options);
  stores.push(store);
  return store;
}

/** A collection holding `docs` (each with its `_id`), put in order. */
function collectionOf(docs: Doc[]): Collection<Doc> {
  const coll = openStore().collection<Doc>('c');
  for (const { _id, ...doc } of docs) coll.put(_id as string, doc);
  return coll;
}

const ids = (docs: Doc[]) => docs.map((d) => d._id);

// toEqual ignores key order; projections must keep the document's, so compare JSON text too.
function expectSameDocs(got: unknown[], want: unknown[], what: string): void {
  expect(got, what).toEqual(want);
  expect(got.map((d) => JSON.stringify(d)), `${what} (key order)`).toEqual(want.map((d) => JSON.stringify(d)));
}

describe('fields (projection), worked by hand', () => {
  const DOCS: Doc[] = [
    {
      _id: 'p1',
      name: 'ann',
      age: 30,
      addr: { city: 'Oslo', zip: '0150', geo: { lat: 59.9, lng: 10.7 } },
      pets: [{ kind: 'cat', name: 'tom', age: 3 }, { kind: 'dog' }, 'fish', [{ kind: 'nested' }]],
      tags: ['x', 'y'],
    },
    { _id: 'p2', age: 41, name: 'bo', addr: 'unknown', pets: [] },
    { _id: 'p3', name: 'cy', addr: [{ city: 'A', zip: '1' }, { zip: '2' }, 5], pets: { kind: 'cow', name: 'bess' } },
    { _id: 'p4' },
  ];

  const CASES: [string, Fields, Doc[]][] = [
    [
      'an array of one path',
      ['name'],
      [{ _id: 'p1', name: 'ann' }, { _id: 'p2', name: 'bo' }, { _id: 'p3', name: 'cy' }, { _id: 'p4' }],
    ],
    [
      'inclusion in document key order, not projection order',
      { age: 1, name: true },
      [
        { _id: 'p1', name: 'ann', age: 30 },
        { _id: 'p2', age: 41, name: 'bo' },
        { _id: 'p3', name: 'cy' },
        { _id: 'p4' },
      ],
    ],
    [
      'explicit _id in an array changes nothing',
      ['age', '_id'],
      [{ _id: 'p1', age: 30 }, { _id: 'p2', age: 41 }, { _id: 'p3' }, { _id: 'p4' }],
    ],
    [
      'a dotted path through an object, a string and an array of objects',
      ['addr.city', 'name'],
      [
        { _id: 'p1', name: 'ann', addr: { city: 'Oslo' } },
        { _id: 'p2', name: 'bo' },
        { _id: 'p3', name: 'cy', addr: [{ city: 'A' }, {}] },
        { _id: 'p4' },
      ],
    ],
    [
      '_id: 0 with a deep inclusion',
      { _id: 0, 'addr.geo.lat': 1 },
      [{ addr: { geo: { lat: 59.9 } } }, {}, { addr: [{}, {}] }, {}],
    ],
    [
      'through arrays only object elements remain; an empty array stays',
      ['pets.name'],
      [
        { _id: 'p1', pets: [{ name: 'tom' }, {}] },
        { _id: 'p2', pets: [] },
        { _id: 'p3', pets: { name: 'bess' } },
        { _id: 'p4' },
      ],
    ],
    [
      'missing paths: left out, objects on the way kept',
      ['missing', 'addr.nope'],
      [{ _id: 'p1', addr: {} }, { _id: 'p2' }, { _id: 'p3', addr: [{}, {}] }, { _id: 'p4' }],
    ],
    [
      'a whole field and a path inside it: the whole field',
      ['addr', 'addr.city'],
      [
        { _id: 'p1', addr: DOCS[0].addr },
        { _id: 'p2', addr: 'unknown' },
        { _id: 'p3', addr: DOCS[2].addr },
        { _id: 'p4' },
      ],
    ],
    [
      'exclusion of a field and a nested path',
      { pets: 0, 'addr.geo': 0 },
      [
        { _id: 'p1', name: 'ann', age: 30, addr: { city: 'Oslo', zip: '0150' }, tags: ['x', 'y'] },
        { _id: 'p2', age: 41, name: 'bo', addr: 'unknown' },
        { _id: 'p3', name: 'cy', addr: DOCS[2].addr },
        { _id: 'p4' },
      ],
    ],
    [
      'exclusion through arrays leaves non-object elements alone',
      { 'pets.name': false, _id: 0 },
      [
        {
          name: 'ann',
          age: 30,
          addr: DOCS[0].addr,
          pets: [{ kind: 'cat', age: 3 }, { kind: 'dog' }, 'fish', [{ kind: 'nested' }]],
          tags: ['x', 'y'],
        },
        { age: 41, name: 'bo', addr: 'unknown', pets: [] },
        { name: 'cy', addr: DOCS[2].addr, pets: { kind: 'cow' } },
        {},
      ],
    ],
    [
      '_id: 0 alone excludes only _id',
      { _id: 0 },
      DOCS.map(({ _id, ...rest }) => rest),
    ],
    [
      '_id: false with one inclusion',
      { _id: false, name: 1 },
      [{ name: 'ann' }, { name: 'bo' }, { name: 'cy' }, {}],
    ],
    [
      '_id: 1 alone keeps only _id',
      { _id: 1 },
      [{ _id: 'p1' }, { _id: 'p2' }, { _id: 'p3' }, { _id: 'p4' }],
    ],
    [
      'excluding a missing path changes nothing',
      { nope: 0, 'addr.nope': false },
      DOCS,
    ],
  ];

  const coll = () => collectionOf(DOCS);

  it.each(CASES)('%s', (_what, fields, want) => {
    const c = coll();
    // The hand-worked answer and the reference must agree before the engine is judged by either.
    expectSameDocs(runQuery(DOCS, {}, { fields }), want, `reference, fields ${showQuery(fields)}`);
    expectSameDocs(c.find({}, { fields }).toArray(), want, `find, fields ${showQuery(fields)}`);
    expectSameDocs([c.findOne({ _id: 'p3' }, { fields })], [want[2]], `findOne, fields ${showQuery(fields)}`);
  });

  it('combines with a filter on a field it leaves out', () => {
    const c = coll();
    expect(c.find({ age: { $gt: 35 } }, { fields: ['name'] }).toArray()).toEqual([{ _id: 'p2', name: 'bo' }]);
    expect(c.find({ 'pets.kind': 'cow' }, { fields: { _id: 0, name: 1 } }).toArray()).toEqual([{ name: 'cy' }]);
  });
});

describe('sort, worked by hand', () => {
  // One field holding every type, arrays among them.
  const MIXED: Doc[] = [
    { _id: 's01', v: 'b' },
    { _id: 's02', v: true },
    { _id: 's03' },
    { _id: 's04', v: 3 },
    { _id: 's05', v: null },
    { _id: 's06', v: { a: 1 } },
    { _id: 's07', v: [] },
    { _id: 's08', v: -1 },
    { _id: 's09', v: '𝟘' },
    { _id: 's10', v: 'ｚ' },
    { _id: 's11', v: false },
    { _id: 's12', v: 3 },
    { _id: 's13', v: [5, 'a', 0.5] },
    { _id: 's14', v: { a: 0, b: 1 } },
    { _id: 's15', v: ['é'] },
    { _id: 's16', v: [[1], true] },
    { _id: 's17', v: 'B' },
    { _id: 's18', v: 2.5 },
  ];

  // Ascending: null and missing < numbers < strings (by code point) < objects < arrays < booleans.
  it('ascending: by type, then within the type; an array by its least element', () => {
    const want = [
      's03', 's05', 's08', 's13', 's18', 's04', 's12', 's17', 's01', 's15', 's10', 's09', 's14', 's06', 's07', 's16',
      's11', 's02',
    ];
    expect(ids(runQuery(MIXED, {}, { sort: { v: 1 } }))).toEqual(want);
    const c = collectionOf(MIXED);
    expect(ids(c.find({}, { sort: { v: 1 } }).toArray())).toEqual(want);
    expect(ids(c.find(undefined, { sort: [['v', 1]] }).toArray())).toEqual(want);
  });

  it('descending: the reverse type order, arrays by their greatest element, ties still in scan order', () => {
    const want = [
      's02', 's16', 's11', 's07', 's06', 's14', 's09', 's10', 's15', 's01', 's13', 's17', 's04', 's12', 's18', 's08',
      's03', 's05',
    ];
    expect(ids(runQuery(MIXED, {}, { sort: { v: -1 } }))).toEqual(want);
    const c = collectionOf(MIXED);
    expect(ids(c.find({}, { sort: { v: -1 } }).toArray())).toEqual(want);
    expect(ids(c.find({}, { sort: [['v', -1]] }).toArray())).toEqual(want);
  });

  const GROUPS: Doc[] = [
    { _id: 't1', g: 'a', n: 2 },
    { _id: 't2', g: 'b', n: 1 },
    { _id: 't3', g: 'a', n: 1 },
    { _id: 't4', g: 'b', n: 2 },
    { _id: 't5', g: 'a', n: 2 },
    { _id: 't6', n: 0 },
  ];

  it('several keys: object key order or pair order is the priority', () => {
    const c = collectionOf(GROUPS);
    expect(ids(c.find({}, { sort: { g: 1, n: -1 } }).toArray())).toEqual(['t6', 't1', 't5', 't3', 't4', 't2']);
    expect(ids(c.find({}, { sort: [['n', 1], ['g', -1]] }).toArray())).toEqual(['t6', 't2', 't3', 't4', 't1', 't5']);
    expect(ids(c.find({}, { sort: { n: 1, g: -1 } }).toArray())).toEqual(['t6', 't2', 't3', 't4', 't1', 't5']);
    expect(ids(c.find({}, { sort: { _id: -1 } }).toArray())).toEqual(['t6', 't5', 't4', 't3', 't2', 't1']);
    expect(ids(c.find({ g: 'a' }, { sort: { n: 1 } }).toArray())).toEqual(['t3', 't1', 't5']);
  });

  it('skip and limit apply after the sort', () => {
    const c = collectionOf(GROUPS);
    expect(ids(c.find({}, { sort: { g: 1, n: -1 }, skip: 1, limit: 3 }).toArray())).toEqual(['t1', 't5', 't3']);
    expect(ids(c.find({}, { sort: { n: -1 }, limit: 2 }).toArray())).toEqual(['t1', 't4']);
    expect(ids(c.find({}, { skip: 4 }).toArray())).toEqual(['t5', 't6']);
    expect(ids(c.find({}, { skip: 10 }).toArray())).toEqual([]);
    expect(ids(c.find({}, { limit: 100 }).toArray())).toEqual(['t1', 't2', 't3', 't4', 't5', 't6']);
    expect(ids(c.find({ g: 'b' }, { skip: 1 }).toArray())).toEqual(['t4']);
    expect(c.findOne({}, { sort: { n: -1, g: -1 } })).toEqual({ _id: 't4', g: 'b', n: 2 });
    expect(c.findOne({ n: 1 }, { sort: { g: -1 }, fields: ['g'] })).toEqual({ _id: 't2', g: 'b' });
    expect(c.findOne({ n: 5 }, { sort: { g: -1 } })).toBeUndefined();
  });

  it('a dotted path sorts by its first value: through an array of objects that is the first element having it', () => {
    const docs: Doc[] = [
      { _id: 'u1', list: [{ v: 3 }, { v: 1 }] },
      { _id: 'u2', list: [{ v: 2 }] },
      { _id: 'u3', list: [{ w: 0 }, { v: 0 }] },
      { _id: 'u4', list: { v: 2.5 } },
      { _id: 'u5', list: [] },
    ];
    const c = collectionOf(docs);
    expect(ids(c.find({}, { sort: { 'list.v': 1 } }).toArray())).toEqual(['u5', 'u3', 'u2', 'u4', 'u1']);
    expect(ids(c.find({}, { sort: { 'list.v': -1 } }).toArray())).toEqual(['u1', 'u4', 'u2', 'u3', 'u5']);
    expect(ids(c.find({}, { sort: { 'list.0.v': 1 } }).toArray())).toEqual(['u3', 'u4', 'u5', 'u2', 'u1']);
    expect(ids(c.find({}, { sort: { list: 1 } }).toArray())).toEqual(ids(runQuery(docs, {}, { sort: { list: 1 } })));
  });

  it('ties keep scan order, which is the order of latest write', () => {
    const c = openStore().collection<Doc>('c');
    c.put('w1', { k: 1, n: 1 });
    c.put('w2', { k: 1, n: 2 });
    c.put('w3', { k: 0, n: 3 });
    c.put('w4', { k: 1, n: 4 });
    c.put('w1', { k: 1, n: 5 }); // moves w1 to the end of the scan
    expect(ids(c.find({}).toArray())).toEqual(['w2', 'w3', 'w4', 'w1']);
    expect(ids(c.find({}, { sort: { k: 1 } }).toArray())).toEqual(['w3', 'w2', 'w4', 'w1']);
    expect(ids(c.find({}, { sort: { k: -1 } }).toArray())).toEqual(['w2', 'w4', 'w1', 'w3']);
    expect(ids(c.find({}, { sort: { missing: -1 } }).toArray())).toEqual(['w2', 'w3', 'w4', 'w1']);
    expect(c.findOne({ k: 1 })).toEqual({ _id: 'w2', k: 1, n: 2 });
  });
});

describe('distinct(), worked by hand', () => {
  const DOCS: Doc[] = [
    { _id: 'dd1', v: 1, tags: ['x', 'y'], o: { a: 1, b: 2 }, l: [{ k: 'a' }, { k: 'b' }] },
    { _id: 'dd2', v: '1', tags: ['y', 'z', ['x']], o: { b: 2, a: 1 }, l: [{ k: 'a' }, 5] },
    { _id: 'dd3', v: [1, 2, [1]], tags: 'x', o: null, l: { k: 'c' } },
    { _id: 'dd4', v: 1, tags: [], o: { a: 1 } },
    { _id: 'dd5' },
  ];

  const CASES: [string, Filter | undefined, unknown[]][] = [
    ['v', undefined, [1, '1', 2, [1]]],
    ['tags', undefined, ['x', 'y', 'z', ['x']]],
    ['o', undefined, [{ a: 1, b: 2 }, null, { a: 1 }]],
    ['l.k', undefined, ['a', 'b', 'c']],
    ['v', { tags: 'y' }, [1, '1']],
    ['nope', undefined, []],
    ['_id', { v: 1 }, ['dd1', 'dd3', 'dd4']],
    ['_id', undefined, ['dd1', 'dd2', 'dd3', 'dd4', 'dd5']],
    ['tags', { v: { $type: 'string' } }, ['y', 'z', ['x']]],
    ['v', { nope: 1 }, []],
  ];

  it.each(CASES)('distinct(%j, %j)', (path, filter, want) => {
    expect(distinctValues(DOCS, path, filter)).toEqual(want);
    const c = collectionOf(DOCS);
    expect(filter === undefined ? c.distinct(path) : c.distinct(path, filter)).toEqual(want);
  });
});

// ---------------------------------------------------------------------------
// Generated documents against the reference


const rnd = mulberry32(0x33);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

const SCALARS = [null, true, false, -2, 0, 0.5, 1, 3, 10, '', 'a', 'B', 'b', 'é', 'ｚ', '𝟘', '日本'];

function anyValue(depth: number): unknown {
  const r = rnd();
  if (depth <= 0 || r < 0.6) return pick(SCALARS);
  if (r < 0.8) return Array.from({ length: int(4) }, () => anyValue(depth - 1));
  const o: Doc = {};
  for (const k of pick([['a'], ['a', 'b'], ['b', 'a'], []])) o[k] = anyValue(depth - 1);
  return o;
}

/** One document: `a` of any type, `b` small integers (many ties), objects, arrays of objects, arrays. */
function makeDoc(): Doc {
  const fields: [string, () => unknown][] = [
    ['a', () => anyValue(2)],
    ['b', () => int(5)],
    ['c', () => pick(SCALARS.filter((s) => typeof s === 'string'))],
    [
      'nested',
      () => {
        const one = (): Doc => {
          const n: Doc = {};
          if (rnd() < 0.8) n.x = pick(SCALARS);
          if (rnd() < 0.7) n.y = rnd() < 0.8 ? { z: pick(SCALARS), w: int(3) } : pick([5, 'y', [{ z: 1 }]]);
          return n;
        };
        return rnd() < 0.2 ? [one(), one()] : one();
      },
    ],
    [
      'list',
      () =>
        Array.from({ length: int(4) }, () =>
          rnd() < 0.85 ? { k: pick(['a', 'b', 'c']), v: pick([1, 2, 3, 'x', null]) } : pick([7, 'str', [{ k: 'z' }]]),
        ),
    ],
    ['arr', () => Array.from({ length: int(4) }, () => (rnd() < 0.85 ? pick(SCALARS) : [pick(SCALARS)]))],
    ['mixed', () => anyValue(3)],
  ];
  for (let i = fields.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [fields[i], fields[j]] = [fields[j], fields[i]];
  }
  const doc: Doc = {};
  for (const [key, make] of fields) if (rnd() < 0.85) doc[key] = make();
  return doc;
}

// 200 documents, then every seventh written again: scan order is the order of latest write.
const SCAN = new Map<string, Doc>();
const WRITES: [string, Doc][] = [];
for (let i = 0; i < 200; i++) WRITES.push([`g${String(i).padStart(3, '0')}`, makeDoc()]);
for (let i = 0; i < 200; i += 7) WRITES.push([`g${String(i).padStart(3, '0')}`, makeDoc()]);
for (const [id, doc] of WRITES) {
  SCAN.delete(id);
  SCAN.set(id, { _id: id, ...(JSON.parse(JSON.stringify(doc)) as Doc) });
}
const GEN_DOCS = [...SCAN.values()];

function generated(): Collection<Doc> {
  const coll = openStore().collection<Doc>('g');
  for (const [id, doc] of WRITES) coll.put(id, doc);
  return coll;
}

const FILTERS: (Filter | undefined)[] = [
  undefined,
  { b: { $gte: 2 } },
  { a: { $type: ['number', 'string'] } },
  { $or: [{ 'list.k': 'a' }, { 'nested.x': { $exists: false } }] },
  { arr: { $size: 2 } },
];
const SORTS: (Sort | undefined)[] = [
  undefined,
  { b: 1 },
  { b: -1 },
  { a: 1 },
  { a: -1 },
  { b: 1, c: -1 },
  [['c', 1], ['b', -1]],
  { 'nested.x': -1, b: 1 },
  { 'nested.y.z': 1 },
  { 'list.v': 1 },
  { 'list.1.k': -1 },
  { arr: 1 },
  { arr: -1 },
  { mixed: 1 },
  { mixed: -1 },
  { _id: -1 },
];
const PROJECTIONS: (Fields | undefined)[] = [
  undefined,
  ['a'],
  ['nested.x', 'c'],
  { 'list.k': 1 },
  { _id: 0 },
  { a: 0, 'nested.y': 0 },
  { 'list.v': false, _id: 0 },
  { _id: 0, 'nested.y.z': 1, 'list.k': true },
  ['arr', 'mixed'],
  ['missing'],
  { 'mixed.a': 1, 'mixed.b': 1 },
];
const PAGES: { skip?: number; limit?: number }[] = [
  {},
  { skip: 3 },
  { limit: 5 },
  { skip: 10, limit: 7 },
  { skip: 1000 },
  { limit: 1 },
];

describe('generated documents', () => {
  it('are stored as written, in order of latest write', () => {
    const coll = generated();
    expect(coll.find().toArray()).toEqual(GEN_DOCS);
  });

  SORTS.forEach((sort, s) => {
    it(`sort ${showQuery(sort)} with every filter, each page and some projections`, () => {
      const coll = generated();
      FILTERS.forEach((filter, f) => {
        PAGES.forEach((page, p) => {
          const fields = PROJECTIONS[(s + f + p) % PROJECTIONS.length];
          const options = { ...page, ...(sort && { sort }), ...(fields && { fields }) };
          const what = `find(${showQuery(filter)}, ${showQuery(options)})`;
          const want = runQuery(GEN_DOCS, filter, options);
          expectSameDocs(coll.find(filter, options).toArray(), want, what);
        });
      });
    });
  });

  PROJECTIONS.forEach((fields) => {
    it(`fields ${showQuery(fields)} on every document, with findOne`, () => {
      const coll = generated();
      const options = fields === undefined ? {} : { fields };
      expectSameDocs(coll.find({}, options).toArray(), runQuery(GEN_DOCS, {}, options), `fields ${showQuery(fields)}`);
      for (const filter of FILTERS) {
        const what = `findOne(${showQuery(filter)}, ${showQuery(options)})`;
        const want = runQuery(GEN_DOCS, filter, { ...options, sort: { c: -1 } })[0];
        expectSameDocs([coll.findOne(filter, { ...options, sort: { c: -1 } })], [want], what);
      }
    });
  });

  const DISTINCT_PATHS = ['a', 'b', 'c', 'nested', 'nested.x', 'nested.y.z', 'list', 'list.k', 'list.v', 'arr', 'mixed',
    'mixed.a', 'list.0', 'arr.1', '_id', 'missing'];

  it.each(DISTINCT_PATHS)('distinct(%j) with and without filters', (path) => {
    const coll = generated();
    expect(coll.distinct(path), `distinct(${path})`).toEqual(distinctValues(GEN_DOCS, path));
    for (const filter of FILTERS.slice(1)) {
      const what = `distinct(${path}, ${showQuery(filter)})`;
      expect(coll.distinct(path, filter), what).toEqual(distinctValues(GEN_DOCS, path, filter));
    }
  });
});

describe('raw results, iterators and signal', () => {
  const QUERIES: [Filter | undefined, { fields?: Fields; sort?: Sort; skip?: number; limit?: number }][] = [
    [undefined, {}],
    [{ b: { $lt: 3 } }, { sort: { a: 1 }, limit: 20 }],
    [{}, { fields: ['nested.y.z', 'c'], sort: [['b', -1]], skip: 5 }],
    [{ 'list.k': 'b' }, { fields: { _id: 0, list: 0 } }],
    [{ a: { $type: 'array' } }, { fields: { 'list.k': 1 }, skip: 2, limit: 3 }],
    [{ c: 'nothing' }, { sort: { b: 1 } }],
  ];

  it.each(QUERIES)('raw: true gives one Buffer per result holding its JSON: %j %j', (filter, options) => {
    const coll = generated();
    const what = `find(${showQuery(filter)}, ${showQuery(options)}) raw`;
    const want = runQuery(GEN_DOCS, filter, options);
    const raw = coll.find(filter, { ...options, raw: true }).toArray() as unknown as Buffer[];
    expect(raw.length, what).toBe(want.length);
    for (const buf of raw) expect(Buffer.isBuffer(buf), what).toBe(true);
    expectSameDocs(raw.map((b) => JSON.parse(b.toString('utf8'))), want, what);
  });

  it.each(QUERIES)('for await and for...of give what toArray() gives: %j %j', async (filter, options) => {
    const coll = generated();
    const what = `find(${showQuery(filter)}, ${showQuery(options)})`;
    const want = coll.find(filter, options).toArray();
    expectSameDocs(want, runQuery(GEN_DOCS, filter, options), what);
    const viaAsync: unknown[] = [];
    for await (const d of coll.find(filter, options)) viaAsync.push(d);
    expectSameDocs(viaAsync, want, `${what} for await`);
    const viaSync: unknown[] = [];
    for (const d of coll.find(filter, options)) viaSync.push(d);
    expectSameDocs(viaSync, want, `${what} for...of`);
    const rawAsync: Buffer[] = [];
    for await (const b of coll.find(filter, { ...options, raw: true })) rawAsync.push(b as unknown as Buffer);
    expectSameDocs(rawAsync.map((b) => JSON.parse(b.toString('utf8'))), want, `${what} raw for await`);
  });

  it('a signal that is never aborted changes nothing', async () => {
    const coll = generated();
    const signal = new AbortController().signal;
    const options = { sort: { b: -1 } as Sort, limit: 10 };
    const want = runQuery(GEN_DOCS, { b: { $gt: 0 } }, options);
    expect(coll.find({ b: { $gt: 0 } }, { ...options, signal }).toArray()).toEqual(want);
    const got: unknown[] = [];
    for await (const d of coll.find({ b: { $gt: 0 } }, { ...options, signal })) got.push(d);
    expect(got).toEqual(want);
  });

  it('results spanning several read batches, with most documents already written to data.jsonl', async () => {
    // Queries read 64 documents first, then 1,000 at a time; a write batch of 7 sends all but a few to the file.
    const coll = openStore({ batchSize: 7 }).collection<Doc>('big');
    for (let i = 0; i < 2500; i++) coll.put(`b${i}`, { i, odd: i % 2 === 1, s: String(i % 13) });
    const docs = coll.find().toArray();
    const filter = { odd: true, s: { $in: ['1', '2'] } };
    const want = runQuery(docs, filter, { sort: { i: -1 }, skip: 3 });
    expect(want.length).toBeGreaterThan(100);
    expect(coll.find(filter, { sort: { i: -1 }, skip: 3 }).toArray()).toEqual(want);
    const got: unknown[] = [];
    for await (const d of coll.find(filter, { sort: { i: -1 }, skip: 3 })) got.push(d);
    expect(got).toEqual(want);
    expect(coll.count(filter)).toBe(runQuery(docs, filter).length);
    expect(coll.distinct('s', { i: { $lt: 30 } })).toEqual(distinctValues(docs, 's', { i: { $lt: 30 } }));
  });
});
