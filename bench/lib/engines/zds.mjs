// zds through its public API, as a user would write it.
import { open, version } from '../../../dist/index.mjs';
import { matches } from '../data.mjs';

const COLLECTION = 'records';

export default {
  name: 'zds',
  version: () => version(),
  importPath: 'writeJsonl',

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
      count: async () => c.count,
      readAll: async () => c.toArray(),
      gets: async (ids) => ids.map((id) => c.get(id)),
      filter: async () => c.toArray().filter(matches),
      close: async () => store.close(),
    };
  },
};
