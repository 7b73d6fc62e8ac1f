// zds through its public API, as a user would write it.
import { open, version } from '../../../dist/index.mjs';
import { FILTER, matches } from '../data.mjs';

const COLLECTION = 'records';

export default {
  name: 'zds',
  version: () => version(),
  importPath: 'writeJsonl',
  // Handle methods only zds has: run.mjs and scale.mjs measure these for the
  // engines that list them and leave the others' cells empty.
  extras: ['filterJs', 'countFilter', 'scanAsync', 'filterAsync'],

  async write(dir, records) {
    const store = open(dir);
    const c = store.collection(COLLECTION);
    for (const d of records) c.put(d.id, d);
    store.close(); // flush: data.jsonl fdatasync'd, index.bin replaced atomically
  },

  async importJsonl(dir, bytes) {
    const store = open(dir);
    store.collection(COLLECTION).writeJsonl(bytes); // each line carries its "_id"
    store.close();
  },

  async open(dir) {
    const store = open(dir);
    const c = store.collection(COLLECTION);
    return {
      count: async () => c.count(),
      readAll: async () => c.toArray(),
      gets: async (ids) => ids.map((id) => c.get(id)),
      // The filter runs natively on the threadpool, the next batch scanned
      // while JS parses this one; only matching documents become JS objects.
      filter: async () => c.find(FILTER).toArrayAsync(),
      // The same answer with every document parsed and tested in JS.
      filterJs: async () => c.toArray().filter(matches),
      // Matches counted natively: no document becomes a JS object.
      countFilter: async () => c.count(FILTER),
      // Async iterables: `for await` reads each batch on the threadpool, so
      // the event loop only parses (the scale run times its responsiveness).
      scanAsync: () => c.find(),
      filterAsync: () => c.find(FILTER),
      close: async () => store.close(),
    };
  },
};
