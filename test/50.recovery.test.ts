// Opening and recovery through the public API: torn tails, missing newlines,
// missing / corrupt / stale index.bin, hand edits of data.jsonl and malformed
// lines (ECORRUPT, skipCorrupt).
import { appendFileSync, copyFileSync, existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { open, ZdsError, ZdsStore } from '../dist/index.js';
import { collectionFiles, tempDir } from './helpers';

const NAME = 'c';

type Doc = { _id: string } & Record<string, unknown>;

/** The document seeded under index i. */
function seedDoc(i: number): Record<string, unknown> {
  return { n: i, v: `val-${String(i).padStart(3, '0')}` };
}

/**
 * A store with documents d0..d(n-1) in collection NAME, closed cleanly.
 * `after` runs on the open collection before close (deletes, updates).
 */
function seed(n: number, after?: (c: ReturnType<ReturnType<typeof open>['collection']>) => void): string {
  const root = tempDir();
  const store = open(root);
  const coll = store.collection(NAME);
  for (let i = 0; i < n; i++) coll.put(`d${i}`, seedDoc(i));
  after?.(coll);
  store.close();
  return root;
}

/** Every document of the collection, keyed by id (opened read-only). */
function contents(root: string): Record<string, Doc> {
  const store = open(root, { readOnly: true });
  try {
    return Object.fromEntries(store.collection(NAME).toArray().map((d) => [d._id, d as Doc]));
  } finally {
    store.close();
  }
}

/** The expected contents for ids d<i> (seeded values) plus overrides. */
function expected(ids: number[], extra: Record<string, Record<string, unknown>> = {}): Record<string, Doc> {
  const out: Record<string, Doc> = {};
  for (const i of ids) out[`d${i}`] = { _id: `d${i}`, ...seedDoc(i) };
  for (const [id, doc] of Object.entries(extra)) out[id] = { _id: id, ...doc };
  return out;
}

type Warn = Error & { code?: string };

/** Runs fn and collects the process warnings it emits (they arrive on a later tick). */
async function withWarnings<T>(fn: () => T): Promise<{ result: T; warnings: Warn[] }> {
  // Let warnings of earlier work arrive before listening.
  await new Promise((r) => setImmediate(r));
  const warnings: Warn[] = [];
  const listener = (w: Warn) => warnings.push(w);
  process.on('warning', listener);
  try {
    const result = fn();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    return { result, warnings };
  } finally {
    process.off('warning', listener);
  }
}

const recovered = (ws: Warn[]) => ws.filter((w) => w.code === 'ZDS_RECOVERED');

function catchError(fn: () => unknown): ZdsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZdsError);
    return err as ZdsError;
  }
  throw new Error('expected the call to throw');
}

/** data.jsonl split into lines (without the final empty piece). */
function dataLines(root: string): string[] {
  const text = readFileSync(collectionFiles(root, NAME).data, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

function writeLines(root: string, lines: string[]): void {
  writeFileSync(collectionFiles(root, NAME).data, lines.join('\n') + '\n');
}

/** Byte offset where 1-based line `lineNo` starts. */
function offsetOfLine(lines: string[], lineNo: number): number {
  let off = 0;
  for (let i = 0; i < lineNo - 1; i++) off += Buffer.byteLength(lines[i]) + 1;
  return off;
}

const CLEAN = {
  indexRebuilt: false,
  indexReason: null,
  replayedLines: 0,
  truncatedBytes: 0,
  tornOffset: null,
  newlineAdded: false,
  foreignDeletes: 0,
  skippedLines: [],
};

describe('clean open', () => {
  it('reports nothing to repair and emits no warning', async () => {
    const root = seed(10);
    const { result: s, warnings } = await withWarnings(() => ZdsStore.open(root, NAME));
    try {
      expect(s.recovery).toEqual(CLEAN);
      expect(s.count).toBe(10);
    } finally {
      s.close();
    }
    expect(recovered(warnings)).toEqual([]);
  });
});

describe('torn last line', () => {
  const cases = [
    { what: 'a partial line without newline', torn: '{"_id":"t","x":' },
    { what: 'an invalid JSON last line ending in a newline', torn: '{"_id":"t","x":}\n' },
  ];

  for (const { what, torn } of cases) {
    it(`writable open cuts off ${what}`, async () => {
      const root = seed(20, (c) => c.delete('d5'));
      const f = collectionFiles(root, NAME);
      const before = readFileSync(f.data);
      appendFileSync(f.data, torn);
      const tornBytes = Buffer.byteLength(torn);
      expect(statSync(f.data).size).toBe(before.length + tornBytes);

      const { result: s, warnings } = await withWarnings(() => ZdsStore.open(root, NAME));
      try {
        const r = s.recovery;
        expect(r.truncatedBytes).toBe(tornBytes);
        expect(r.tornOffset).toBe(before.length);
        expect(r.newlineAdded).toBe(false);
        expect(r.skippedLines).toEqual([]);
        expect(s.count).toBe(19);
        expect(s.exists('t')).toBe(false);
        expect(s.exists('d5')).toBe(false);
        for (let i = 0; i < 20; i++) if (i !== 5) expect(s.get(`d${i}`)).toEqual(seedDoc(i));
        // Cut off at once, before close.
        expect(statSync(f.data).size).toBe(before.length);
      } finally {
        s.close();
      }
      expect(readFileSync(f.data).equals(before)).toBe(true);
      const w = recovered(warnings);
      expect(w).toHaveLength(1);
      expect(w[0].message).toContain(`'${NAME}'`);
      expect(w[0].message).toContain(`${tornBytes} bytes`);
      expect(w[0].message).toContain(`offset ${before.length}`);

      // Nothing is left to repair the next time.
      const again = await withWarnings(() => ZdsStore.open(root, NAME));
      try {
        expect(again.result.recovery).toEqual(CLEAN);
        expect(again.result.count).toBe(19);
      } finally {
        again.result.close();
      }
      expect(recovered(again.warnings)).toEqual([]);
    });
  }

  it('the cut-off torn line does not count as a replayed line', () => {
    // RecoveryReport.replayedLines counts lines "that were applied at open";
    // a torn line is cut off, not applied.
    const root = seed(5);
    const f = collectionFiles(root, NAME);
    appendFileSync(f.data, '{"_id":"t","x":}\n');
    const s = ZdsStore.open(root, NAME);
    try {
      expect(s.recovery.truncatedBytes).toBe(17);
      expect(s.recovery.replayedLines).toBe(0);
    } finally {
      s.close();
    }
  });

  it('open() (Store API) repairs the same way and new writes land after the cut', () => {
    const root = seed(3);
    const f = collectionFiles(root, NAME);
    const before = readFileSync(f.data);
    appendFileSync(f.data, '{"_id":"t","x":[1,2');
    const store = open(root);
    try {
      const c = store.collection(NAME);
      expect(c.recovery.truncatedBytes).toBe(19);
      c.put('after', { ok: true });
    } finally {
      store.close();
    }
    expect(readFileSync(f.data, 'utf8')).toBe(before.toString('utf8') + '{"_id":"after","ok":true}\n');
    expect(contents(root)).toEqual(expected([0, 1, 2], { after: { ok: true } }));
  });

  it('read-only open ignores the torn line without modifying any file', async () => {
    const root = seed(8);
    const f = collectionFiles(root, NAME);
    const torn = '{"_id":"t","x":';
    appendFileSync(f.data, torn);
    const dataBefore = readFileSync(f.data);
    const indexBefore = readFileSync(f.index);

    const { result: s } = await withWarnings(() => ZdsStore.open(root, { collection: NAME, readOnly: true }));
    try {
      expect(s.recovery.truncatedBytes).toBe(torn.length);
      expect(s.recovery.tornOffset).toBe(dataBefore.length - torn.length);
      expect(s.recovery.newlineAdded).toBe(false);
      expect(s.count).toBe(8);
      expect(s.exists('t')).toBe(false);
      for (let i = 0; i < 8; i++) expect(s.get(`d${i}`)).toEqual(seedDoc(i));
    } finally {
      s.close();
    }
    expect(readFileSync(f.data).equals(dataBefore)).toBe(true);
    expect(readFileSync(f.index).equals(indexBefore)).toBe(true);
  });

  it('data.jsonl cut inside its last line (index covers more): rebuilt, last document lost, rest intact', () => {
    const root = seed(10);
    const f = collectionFiles(root, NAME);
    const lines = dataLines(root);
    const full = statSync(f.data).size;
    const lastLen = Buffer.byteLength(lines[lines.length - 1]) + 1;
    truncateSync(f.data, full - 5);
    const s = ZdsStore.open(root, NAME);
    try {
      const r = s.recovery;
      expect(r.indexRebuilt).toBe(true);
      expect(r.indexReason).toMatch(/more bytes than data\.jsonl/);
      expect(r.truncatedBytes).toBe(lastLen - 5);
      expect(r.tornOffset).toBe(full - lastLen);
      expect(s.count).toBe(9);
      expect(s.exists('d9')).toBe(false);
    } finally {
      s.close();
    }
    expect(statSync(f.data).size).toBe(full - lastLen);
    expect(contents(root)).toEqual(expected([0, 1, 2, 3, 4, 5, 6, 7, 8]));
  });
});

describe('valid last line without newline', () => {
  const line = '{"_id":"n","v":42,"s":"hand written"}';

  it('writable open keeps it and adds the newline', async () => {
    const root = seed(4);
    const f = collectionFiles(root, NAME);
    const before = readFileSync(f.data, 'utf8');
    appendFileSync(f.data, line);
    const { result: s, warnings } = await withWarnings(() => ZdsStore.open(root, NAME));
    try {
      const r = s.recovery;
      expect(r.newlineAdded).toBe(true);
      expect(r.truncatedBytes).toBe(0);
      expect(r.tornOffset).toBeNull();
      expect(r.replayedLines).toBe(1);
      expect(s.get('n')).toEqual({ v: 42, s: 'hand written' });
      expect(s.count).toBe(5);
      expect(readFileSync(f.data, 'utf8')).toBe(before + line + '\n');
      // The next write must start on its own line.
      s.put('m', { after: 1 });
    } finally {
      s.close();
    }
    expect(recovered(warnings)).toEqual([]);
    expect(readFileSync(f.data, 'utf8')).toBe(before + line + '\n' + '{"_id":"m","after":1}\n');
    expect(contents(root)).toEqual(expected([0, 1, 2, 3], { n: { v: 42, s: 'hand written' }, m: { after: 1 } }));
  });

  it('read-only open reads it and leaves the file alone', () => {
    const root = seed(4);
    const f = collectionFiles(root, NAME);
    appendFileSync(f.data, line);
    const bytes = readFileSync(f.data);
    const s = ZdsStore.open(root, { collection: NAME, readOnly: true });
    try {
      expect(s.recovery.newlineAdded).toBe(false);
      expect(s.recovery.truncatedBytes).toBe(0);
      expect(s.get('n')).toEqual({ v: 42, s: 'hand written' });
      expect(s.count).toBe(5);
    } finally {
      s.close();
    }
    expect(readFileSync(f.data).equals(bytes)).toBe(true);
  });
});

describe('missing or corrupt index.bin', () => {
  const mutate = (c: ReturnType<ReturnType<typeof open>['collection']>) => {
    c.delete('d3');
    c.delete('d7');
    c.put('d1', { n: 1, v: 'updated' });
  };
  const want = () => expected([0, 2, 4, 5, 6, 8, 9], { d1: { n: 1, v: 'updated' } });

  it('deleted index.bin is rebuilt from data.jsonl; tombstones still delete', () => {
    const root = seed(10, mutate);
    const f = collectionFiles(root, NAME);
    rmSync(f.index);
    const s = ZdsStore.open(root, NAME);
    try {
      expect(s.recovery.indexRebuilt).toBe(true);
      expect(s.recovery.indexReason).toMatch(/missing/);
      expect(s.recovery.replayedLines).toBe(0);
      expect(s.recovery.truncatedBytes).toBe(0);
      expect(s.count).toBe(8);
      expect(s.exists('d3')).toBe(false);
      expect(s.exists('d7')).toBe(false);
      expect(s.get('d1')).toEqual({ n: 1, v: 'updated' });
    } finally {
      s.close();
    }
    expect(existsSync(f.index)).toBe(true);
    expect(contents(root)).toEqual(want());
    // The rebuilt index was saved: the next open uses it.
    const s2 = ZdsStore.open(root, NAME);
    try {
      expect(s2.recovery).toEqual(CLEAN);
    } finally {
      s2.close();
    }
  });

  it('read-only open of a store without index.bin rebuilds in memory only', () => {
    const root = seed(10, mutate);
    const f = collectionFiles(root, NAME);
    rmSync(f.index);
    expect(contents(root)).toEqual(want());
    expect(existsSync(f.index)).toBe(false);
  });

  const corruptions: { what: string; apply: (file: string) => void; reason: RegExp }[] = [
    {
      what: 'a flipped byte in the middle',
      apply: (file) => {
        const b = readFileSync(file);
        b[b.length >> 1] ^= 0x5a;
        writeFileSync(file, b);
      },
      reason: /corrupt/,
    },
    {
      what: 'truncated to half its length',
      apply: (file) => truncateSync(file, statSync(file).size >> 1),
      reason: /corrupt/,
    },
    {
      what: 'truncated to 10 bytes (inside the header)',
      apply: (file) => truncateSync(file, 10),
      reason: /corrupt/,
    },
    {
      what: 'garbage text',
      apply: (file) => writeFileSync(file, 'this is not an index at all\n'.repeat(20)),
      reason: /corrupt/,
    },
    {
      what: 'garbage bytes',
      apply: (file) => writeFileSync(file, Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 73 + 11) & 0xff))),
      reason: /corrupt/,
    },
  ];

  for (const { what, apply, reason } of corruptions) {
    it(`index.bin with ${what} is rebuilt; data intact`, () => {
      const root = seed(10, mutate);
      const f = collectionFiles(root, NAME);
      const data = readFileSync(f.data);
      apply(f.index);
      const s = ZdsStore.open(root, NAME);
      try {
        expect(s.recovery.indexRebuilt).toBe(true);
        expect(s.recovery.indexReason).toMatch(reason);
        expect(s.count).toBe(8);
        expect(s.get('d1')).toEqual({ n: 1, v: 'updated' });
        expect(s.exists('d3')).toBe(false);
      } finally {
        s.close();
      }
      expect(readFileSync(f.data).equals(data)).toBe(true);
      expect(contents(root)).toEqual(want());
    });
  }

  it('an empty (0-byte) index.bin: data intact, a reason is reported', () => {
    const root = seed(10, mutate);
    const f = collectionFiles(root, NAME);
    writeFileSync(f.index, '');
    const s = ZdsStore.open(root, NAME);
    try {
      expect(s.count).toBe(8);
      expect(s.recovery.foreignDeletes).toBe(0);
      expect(s.recovery.indexReason).not.toBeNull();
    } finally {
      s.close();
    }
    expect(contents(root)).toEqual(want());
  });

  it('index.bin without the zds trailer (as another tool writes it) is adopted; data intact', () => {
    const root = seed(10, mutate);
    const f = collectionFiles(root, NAME);
    const b = readFileSync(f.index);
    writeFileSync(f.index, b.subarray(0, b.length - 32));
    const s = ZdsStore.open(root, NAME);
    try {
      expect(s.count).toBe(8);
      expect(s.recovery.foreignDeletes).toBe(0);
      expect(s.recovery.indexReason).toMatch(/another tool/);
      // RecoveryReport.indexRebuilt: "index.bin was missing, corrupt, stale or
      // written by another tool, and was rebuilt or adopted".
      expect(s.recovery.indexRebuilt).toBe(true);
    } finally {
      s.close();
    }
    expect(contents(root)).toEqual(want());
  });
});

describe('stale index.bin', () => {
  it('lines appended by hand after a clean close are replayed', async () => {
    const root = seed(6);
    const f = collectionFiles(root, NAME);
    const appended = [
      '{"_id":"n1","v":"new one"}',
      '{"_id":"d2","n":2,"v":"updated by hand"}',
      '{"_id":"d4","$zds":"delete"}',
      '{"_id":"n2","v":"new two","deep":{"a":[1,2,3]}}',
      '{"_id":"n1","v":"new one, again"}',
    ];
    appendFileSync(f.data, appended.map((l) => l + '\n').join(''));
    const { result: s, warnings } = await withWarnings(() => ZdsStore.open(root, NAME));
    try {
      expect(s.recovery.indexRebuilt).toBe(false);
      expect(s.recovery.replayedLines).toBe(appended.length);
      expect(s.recovery.truncatedBytes).toBe(0);
      expect(s.count).toBe(6 + 2 - 1);
      expect(s.get('n1')).toEqual({ v: 'new one, again' });
      expect(s.get('d2')).toEqual({ n: 2, v: 'updated by hand' });
      expect(s.exists('d4')).toBe(false);
    } finally {
      s.close();
    }
    expect(recovered(warnings)).toEqual([]);
    expect(contents(root)).toEqual(
      expected([0, 1, 3, 5], {
        d2: { n: 2, v: 'updated by hand' },
        n1: { v: 'new one, again' },
        n2: { v: 'new two', deep: { a: [1, 2, 3] } },
      }),
    );
    const s2 = ZdsStore.open(root, NAME);
    try {
      expect(s2.recovery).toEqual(CLEAN);
    } finally {
      s2.close();
    }
  });

  it('read-only open replays too (without writing)', () => {
    const root = seed(3);
    const f = collectionFiles(root, NAME);
    appendFileSync(f.data, '{"_id":"d0","$zds":"delete"}\n{"_id":"z","k":1}\n');
    const index = readFileSync(f.index);
    const s = ZdsStore.open(root, { collection: NAME, readOnly: true });
    try {
      expect(s.recovery.replayedLines).toBe(2);
      expect(s.listDocIds().sort()).toEqual(['d1', 'd2', 'z']);
    } finally {
      s.close();
    }
    expect(readFileSync(f.index).equals(index)).toBe(true);
  });

  it('an index.bin from an older state is brought up to date', () => {
    const root = seed(10);
    const f = collectionFiles(root, NAME);
    const oldIndex = `${f.index}.saved`;
    copyFileSync(f.index, oldIndex);
    const store = open(root);
    const c = store.collection(NAME);
    c.put('d0', { n: 0, v: 'changed' });
    c.delete('d9');
    for (let i = 10; i < 15; i++) c.put(`d${i}`, seedDoc(i));
    c.flush();
    store.close();
    copyFileSync(oldIndex, f.index);
    rmSync(oldIndex);

    const s = ZdsStore.open(root, NAME);
    try {
      const r = s.recovery;
      // Replay (7 appended lines) or rebuild: both are correct.
      expect(r.indexRebuilt || r.replayedLines === 7).toBe(true);
      expect(s.count).toBe(14);
    } finally {
      s.close();
    }
    expect(contents(root)).toEqual(expected([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14], { d0: { n: 0, v: 'changed' } }));
  });
});

describe('hand-edited data.jsonl', () => {
  // Same byte length for every line: k00..k(n-1) with "orig-NN", replaced by
  // m00.. with "edit-NN".
  function sameLengthCase(n: number) {
    const root = tempDir();
    const store = open(root);
    const c = store.collection(NAME);
    const pad = 'p'.repeat(20);
    for (let i = 0; i < n; i++) c.put(`k${String(i).padStart(3, '0')}`, { v: `orig-${i}`, pad });
    store.close();
    const f = collectionFiles(root, NAME);
    const before = readFileSync(f.data, 'utf8');
    const after = before.replace(/"_id":"k/g, '"_id":"m').replace(/"v":"orig-/g, '"v":"edit-');
    expect(after.length).toBe(before.length);
    expect(after).not.toBe(before);
    writeFileSync(f.data, after);
    const s = ZdsStore.open(root, NAME);
    try {
      expect(s.recovery.indexRebuilt).toBe(true);
      expect(s.recovery.indexReason).toMatch(/does not match/);
      expect(s.count).toBe(n);
      expect(s.exists('k000')).toBe(false);
      for (let i = 0; i < n; i++) expect(s.get(`m${String(i).padStart(3, '0')}`)).toEqual({ v: `edit-${i}`, pad });
    } finally {
      s.close();
    }
  }

  it('replaced by a different file of the same length (small file): index rebuilt', () => sameLengthCase(10));
  it('replaced by a different file of the same length (> 4 KiB): index rebuilt', () => sameLengthCase(300));

  it('a same-length in-place edit of a value, index deleted: the edited value is returned', () => {
    const root = seed(10);
    const f = collectionFiles(root, NAME);
    const text = readFileSync(f.data, 'utf8');
    const edited = text.replace('"v":"val-004"', '"v":"EDITED4"');
    expect(edited.length).toBe(text.length);
    writeFileSync(f.data, edited);
    rmSync(f.index);
    const s = ZdsStore.open(root, NAME);
    try {
      expect(s.get('d4')).toEqual({ n: 4, v: 'EDITED4' });
      expect(s.get('d5')).toEqual(seedDoc(5));
      expect(s.count).toBe(10);
    } finally {
      s.close();
    }
  });

  it('a same-length in-place edit with index.bin left in place: the edited value is returned', () => {
    const root = seed(10);
    const f = collectionFiles(root, NAME);
    const text = readFileSync(f.data, 'utf8');
    writeFileSync(f.data, text.replace('"v":"val-007"', '"v":"EDITED7"'));
    const s = ZdsStore.open(root, NAME);
    try {
      expect(s.get('d7')).toEqual({ n: 7, v: 'EDITED7' });
      expect(s.count).toBe(10);
    } finally {
      s.close();
    }
  });
});

describe('malformed lines in the middle', () => {
  // d0..d7 then a delete of d1: 9 lines.
  function damaged(replace: Record<string, string>) {
    const root = seed(8, (c) => c.delete('d1'));
    const lines = dataLines(root);
    expect(lines).toHaveLength(9);
    const lineNos: number[] = [];
    for (const [id, text] of Object.entries(replace)) {
      const idx = lines.findIndex((l) => l.startsWith(`{"_id":"${id}",`));
      expect(idx).toBeGreaterThanOrEqual(0);
      lines[idx] = text;
      lineNos.push(idx + 1);
    }
    writeLines(root, lines);
    return { root, lines, lineNos };
  }

  it('one "not json" line: ECORRUPT naming its 1-based line number', () => {
    const { root, lineNos } = damaged({ d4: 'not json' });
    expect(lineNos).toEqual([5]);
    const err = catchError(() => ZdsStore.open(root, NAME));
    expect(err.code).toBe('ECORRUPT');
    expect(err.message).toMatch(/\bline 5\b/);
    expect(err.message).toMatch(/\b1 malformed line/);
    expect(err.message).toContain(`'${NAME}'`);
    expect(err.message).not.toMatch(/\bline [0-46-9]\b/);
    // The failed open released the writer lock: a repaired store opens.
    const store = open(root);
    try {
      const err2 = catchError(() => store.collection(NAME));
      expect(err2.code).toBe('ECORRUPT');
      expect(err2.message).toMatch(/\bline 5\b/);
    } finally {
      store.close();
    }
  });

  it('read-only open of the same damage is ECORRUPT too', () => {
    const { root } = damaged({ d4: 'not json' });
    const err = catchError(() => ZdsStore.open(root, { collection: NAME, readOnly: true }));
    expect(err.code).toBe('ECORRUPT');
    expect(err.message).toMatch(/\bline 5\b/);
  });

  it('two bad lines: both line numbers are named', () => {
    const { root, lineNos } = damaged({ d2: 'not json', d6: '{"_id":"d6",' });
    expect(lineNos).toEqual([3, 7]);
    const err = catchError(() => ZdsStore.open(root, NAME));
    expect(err.code).toBe('ECORRUPT');
    expect(err.message).toMatch(/\b2 malformed line/);
    expect(err.message).toMatch(/\bline 3\b/);
    expect(err.message).toMatch(/\bline 7\b/);
  });

  it('a valid JSON line without "_id": ECORRUPT naming the line', () => {
    const { root, lineNos } = damaged({ d3: '{"n":3,"v":"no id here"}' });
    expect(lineNos).toEqual([4]);
    const err = catchError(() => ZdsStore.open(root, NAME));
    expect(err.code).toBe('ECORRUPT');
    expect(err.message).toMatch(/\bline 4\b/);
    expect(err.message).toContain('_id');
  });

  it('ZdsStore.open with skipCorrupt: opens, reports {line, offset, reason}, warns', async () => {
    const { root, lines, lineNos } = damaged({ d2: 'not json', d5: '{"n":5}' });
    expect(lineNos).toEqual([3, 6]);
    const { result: s, warnings } = await withWarnings(() => ZdsStore.open(root, { collection: NAME, skipCorrupt: true }));
    try {
      const skipped = s.recovery.skippedLines;
      expect(skipped).toEqual([
        { line: 3, offset: offsetOfLine(lines, 3), reason: expect.stringMatching(/invalid JSON/) },
        { line: 6, offset: offsetOfLine(lines, 6), reason: expect.stringMatching(/_id/) },
      ]);
      expect(s.count).toBe(5);
      expect(s.listDocIds().sort()).toEqual(['d0', 'd3', 'd4', 'd6', 'd7']);
      for (const i of [0, 3, 4, 6, 7]) expect(s.get(`d${i}`)).toEqual(seedDoc(i));
      expect(s.exists('d1')).toBe(false);
    } finally {
      s.close();
    }
    const w = recovered(warnings);
    expect(w).toHaveLength(1);
    expect(w[0].message).toContain('skipped 2 malformed line(s): 3, 6');
  });

  it('open(root, { skipCorrupt: true }) does the same for its collections', async () => {
    const { root, lines } = damaged({ d4: 'not json' });
    const { result: store, warnings } = await withWarnings(() => {
      const st = open(root, { skipCorrupt: true });
      st.collection(NAME);
      return st;
    });
    try {
      const c = store.collection(NAME);
      expect(c.recovery.skippedLines).toEqual([{ line: 5, offset: offsetOfLine(lines, 5), reason: expect.stringMatching(/invalid JSON/) }]);
      expect(c.toArray()).toEqual(Object.values(expected([0, 2, 3, 5, 6, 7])));
    } finally {
      store.close();
    }
    expect(recovered(warnings).length).toBeGreaterThanOrEqual(1);
    expect(recovered(warnings)[0].message).toContain('skipped 1 malformed line(s): 5');
  });
});
