// Medians, the issue's targets, and the markdown report.

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const COLUMNS = [
  ['write', 'write objects'],
  ['import', 'import JSONL'],
  ['readCold', 'read all, cold'],
  ['readWarm', 'read all, warm'],
  ['getCold', 'get cold (open + 1k)'],
  ['getWarm', 'get warm (100k)'],
  ['filter', 'filtered scan'],
  ['filterJs', 'filter (JS)'],
  ['countFilter', 'count(filter)'],
  ['disk', 'on disk'],
  ['rss', 'RSS after open'],
];

const med = (r, engine, w) => (r.samples[engine]?.[w] ? median(r.samples[engine][w]) : undefined);
const peersOf = (r) => Object.keys(r.names).filter((e) => e !== 'zds');

function bestPeer(r, w) {
  let best;
  for (const e of peersOf(r)) {
    const v = med(r, e, w);
    if (v !== undefined && (best === undefined || v < best.ms)) best = { engine: r.names[e], ms: v };
  }
  return best;
}

/** Each target of issues #3 and #4 (the filtered scan) with the ratio this run measured ("x" means times faster). */
export function evaluateTargets(r) {
  const t = [];
  const zds = (w) => med(r, 'zds', w);
  const speed = (name, w, peerW, min, vs = 'best peer') => {
    const peer = bestPeer(r, peerW);
    if (!peer || zds(w) === undefined) return;
    const ratio = peer.ms / zds(w);
    t.push({ target: name, measured: `${ratio.toFixed(2)}x ${vs} (${peer.engine})`, ratio, min, pass: ratio >= min });
  };
  const ceiling = (name, w, v8w, min, what) => {
    if (zds(w) === undefined) return;
    const ratio = med(r, 'v8', v8w) / zds(w);
    t.push({ target: name, measured: `${ratio.toFixed(2)} of ${what}`, ratio, min, pass: ratio >= min });
  };
  speed('write objects >= 1.3x best peer', 'write', 'write', 1.3);
  ceiling('write objects >= 0.8 of JSON.stringify', 'write', 'write', 0.8, 'JSON.stringify');
  speed("import JSONL >= 5x best peer's write", 'import', 'write', 5);
  for (const [w, label] of [['readCold', 'cold'], ['readWarm', 'warm']]) {
    speed(`read all ${label} >= 1.5x best peer`, w, w, 1.5);
    ceiling(`read all ${label} >= 0.75 of JSON.parse`, w, 'readAll', 0.75, 'JSON.parse');
  }
  speed('get warm >= 1.5x best peer', 'getWarm', 'getWarm', 1.5);
  speed('get cold >= 2x best peer', 'getCold', 'getCold', 2);
  // Both filter targets compare one engine's figure with zds's native filter.
  const filter = (name, ms, min, vs) => {
    if (ms === undefined || zds('filter') === undefined) return;
    const ratio = ms / zds('filter');
    t.push({ target: name, measured: `${ratio.toFixed(2)}x ${vs}`, ratio, min, pass: ratio >= min });
  };
  filter("filtered scan >= 3x SQLite's json_extract", med(r, 'sqlite', 'filter'), 3, "SQLite's json_extract");
  filter('filtered scan >= 5x the JS-side filter', zds('filterJs'), 5, 'zds filter (JS)');
  // Per-document memory means something only once the index outweighs the
  // process's fixed costs; the target is stated for 1M documents.
  if (zds('rss') !== undefined && r.n >= 1_000_000) {
    const perDoc = zds('rss') / r.n;
    t.push({ target: 'index memory <= 64 bytes/doc (1M documents)', measured: `${perDoc.toFixed(1)} bytes/doc at ${r.n}`, ratio: perDoc, max: 64, pass: perDoc <= 64 });
  }
  if (zds('disk') !== undefined) {
    const ratio = zds('disk') / r.jsonlBytes;
    t.push({ target: 'on disk <= 1.2x the JSONL bytes', measured: `${ratio.toFixed(2)}x`, ratio, max: 1.2, pass: ratio <= 1.2 });
  }
  return t;
}

const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const fmtMB = (b) => `${(b / 2 ** 20).toFixed(1)} MB`;

function cell(r, engine, w) {
  if (w === 'import' && engine !== 'v8' && !r.importPaths?.[engine]) {
    const v = med(r, engine, 'write');
    return v === undefined ? '' : `${fmtMs(v)} ms †`;
  }
  const v = med(r, engine, w);
  if (v === undefined) return '';
  if (w === 'disk' || w === 'rss') return fmtMB(v);
  // No rate for the filter columns: they scan n documents but return ~6% of them (or none).
  const docs = w === 'getCold' ? 1000 : w === 'getWarm' ? 100_000 : w.startsWith('filter') || w === 'countFilter' ? undefined : r.n;
  return docs ? `${fmtMs(v)} ms (${Math.round(docs / v)}k/s)` : `${fmtMs(v)} ms`;
}

export function formatReport(r) {
  const m = r.machine;
  const lines = [
    `${r.n} documents (${(r.jsonlBytes / r.n).toFixed(0)} bytes each as JSONL), median of ${r.runs} runs, ${r.date.slice(0, 10)}`,
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node} (V8 ${m.v8})`,
    `${Object.entries(r.versions).map(([k, v]) => `${k}: ${v}`).join('; ')}`,
    '',
    `| engine | ${COLUMNS.map(([, h]) => h).join(' | ')} |`,
    `|---|${COLUMNS.map(() => '---:').join('|')}|`,
  ];
  for (const e of Object.keys(r.names)) {
    lines.push(`| ${r.names[e]} | ${COLUMNS.map(([w]) => cell(r, e, w)).join(' | ')} |`);
  }
  lines.push(`| V8 ceiling | ${COLUMNS.map(([w]) => (w === 'write' ? `${cell(r, 'v8', 'write')} stringify` : w === 'readCold' || w === 'readWarm' ? `${cell(r, 'v8', 'readAll')} parse` : '')).join(' | ')} |`);
  lines.push(
    '',
    '† no import path for pre-serialised JSON: the figure is its write of the same documents as objects.',
    'filter (JS): zds with every document parsed into JS and tested there; count(filter): `count(FILTER)`, counted natively (zds only).',
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...r.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.pass ? 'met' : '**missed**'} |`),
  );
  return lines.join('\n');
}
