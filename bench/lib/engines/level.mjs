// classic-level (LevelDB): one batch, valueEncoding 'json'; gets use its getSync.
// The batch is written with sync: LevelDB's log is not fsynced otherwise, not even on close.
import { createRequire } from 'node:module';
import { matches } from '../data.mjs';
import { peerVersion } from '../env.mjs';

const require = createRequire(import.meta.url);
const { ClassicLevel } = require('classic-level');

async function connect(dir) {
  const db = new ClassicLevel(dir, { valueEncoding: 'json' });
  await db.open();
  return db;
}

export default {
  name: 'LevelDB',
  version: () => `classic-level ${peerVersion('classic-level')}`,

  async write(dir, records) {
    const db = await connect(dir);
    await db.batch(records.map((d) => ({ type: 'put', key: d.id, value: d })), { sync: true });
    await db.close();
  },

  async open(dir) {
    const db = await connect(dir);
    return {
      count: async () => (await db.keys().all()).length,
      readAll: async () => db.values().all(),
      gets: async (ids) => ids.map((id) => db.getSync(id)),
      filter: async () => (await db.values().all()).filter(matches),
      close: async () => db.close(),
    };
  },
};
