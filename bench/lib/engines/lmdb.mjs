// lmdb-js: one transaction, its default encoding (msgpackr).
import { createRequire } from 'node:module';
import { matches } from '../data.mjs';
import { peerVersion } from '../env.mjs';

const require = createRequire(import.meta.url);
const lmdb = require('lmdb');

export default {
  name: 'LMDB',
  version: () => `lmdb ${peerVersion('lmdb')}`,

  async write(dir, records) {
    const db = lmdb.open({ path: dir });
    db.transactionSync(() => {
      for (const d of records) db.put(d.id, d);
    });
    await db.flushed; // overlappingSync (the default) syncs after the commit returns
    await db.close();
  },

  async open(dir) {
    const db = lmdb.open({ path: dir });
    const values = () => {
      const out = [];
      for (const { value } of db.getRange()) out.push(value);
      return out;
    };
    return {
      count: async () => db.getCount(),
      readAll: async () => values(),
      gets: async (ids) => ids.map((id) => db.get(id)),
      filter: async () => {
        const out = [];
        for (const { value } of db.getRange()) if (matches(value)) out.push(value);
        return out;
      },
      close: async () => db.close(),
    };
  },
};
