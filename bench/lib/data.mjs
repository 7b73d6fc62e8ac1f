// The benchmark's documents: records shaped like the upstream ZDS Node
// benchmark's, about 180 bytes of JSON each, generated from a fixed seed so
// every engine and every run sees the same data.

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Ken', 'Dennis', 'Margaret', 'Linus', 'Frances', 'John'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Thompson', 'Ritchie', 'Hamilton', 'Torvalds', 'Allen', 'Backus'];
const TAGS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
const SOURCES = ['web', 'api', 'mobile', 'import'];
const EPOCH = Date.UTC(2024, 0, 1) / 1000; // unix seconds

/** mulberry32: a small, well-known 32-bit PRNG; the same seed gives the same stream. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SEED = 42;

export const idOf = (i) => `record_${String(i).padStart(8, '0')}`;

/** The n records, in id order. */
export function makeRecords(n, seed = SEED) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const ntags = 1 + Math.floor(r() * 3);
    const first_tag = Math.floor(r() * TAGS.length);
    const tags = [];
    for (let t = 0; t < ntags; t++) tags.push(TAGS[(first_tag + t) % TAGS.length]);
    out[i] = {
      id: idOf(i),
      name: `${first} ${last}`,
      email: `${first.toLowerCase()}${i}@example.com`,
      age: 18 + Math.floor(r() * 70),
      score: Math.round(r() * 10000) / 100,
      active: r() < 0.7,
      tags,
      metadata: { created: EPOCH + Math.floor(r() * 3e7), source: pick(SOURCES) },
    };
  }
  return out;
}

/** The filtered-scan predicate every engine evaluates: age > 70 and metadata.source == 'web'. */
export const matches = (d) => d.age > 70 && d.metadata.source === 'web';
/** The same predicate as a MongoDB-style filter, for engines that take one. */
export const FILTER = { age: { $gt: 70 }, 'metadata.source': 'web' };

/** Ids for random gets: `count` draws (with repeats) from a seeded stream. */
export function probeIds(n, count, seed = SEED + 1) {
  const r = rng(seed);
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = idOf(Math.floor(r() * n));
  return out;
}

/** The records as zds stores them: one JSON object per line, "_id" first. */
export function toJsonl(records) {
  let s = '';
  for (const d of records) s += `{"_id":"${d.id}",${JSON.stringify(d).slice(1)}\n`;
  return s;
}

/** Throws unless `got` is the record with that id, field for field. */
export function checkRecord(got, want) {
  for (const k of Object.keys(want)) {
    if (JSON.stringify(got?.[k]) !== JSON.stringify(want[k])) {
      throw new Error(`wrong document for ${want.id}: field ${k} is ${JSON.stringify(got?.[k])}, expected ${JSON.stringify(want[k])}`);
    }
  }
}
