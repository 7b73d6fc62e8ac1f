// @seald-io/nedb: insertAsync, then compaction; finds through its own query engine.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { peerVersion } from '../env.mjs';

const require = createRequire(import.meta.url);
const Datastore = require('@seald-io/nedb');

async function connect(dir) {
  const db = new Datastore({ filename: join(dir, 'records.db') });
  await db.loadDatabaseAsync();
  return db;
}

export default {
  name: 'NeDB',
  version: () => `@seald-io/nedb ${peerVersion('@seald-io/nedb')}`,

  async write(dir, records) {
    const db = await connect(dir);
    await db.insertAsync(records.map((d) => ({ _id: d.id, ...d })));
    await db.compactDatafileAsync();
  },

  async open(dir) {
    const db = await connect(dir);
    return {
      count: async () => db.countAsync({}),
      readAll: async () => db.findAsync({}),
      gets: async (ids) => {
        const out = new Array(ids.length);
        for (let i = 0; i < ids.length; i++) out[i] = await db.findOneAsync({ _id: ids[i] });
        return out;
      },
      filter: async () => db.findAsync({ age: { $gt: 70 }, 'metadata.source': 'web' }),
      close: async () => {},
    };
  },
};
