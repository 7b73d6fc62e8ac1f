// better-sqlite3: WAL, synchronous=NORMAL, one transaction, id TEXT PRIMARY KEY, data TEXT.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { peerVersion } from '../env.mjs';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const FILTER = "SELECT data FROM docs WHERE json_extract(data, '$.age') > 70 AND json_extract(data, '$.metadata.source') = 'web'";

function connect(dir) {
  const db = new Database(join(dir, 'docs.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

export default {
  name: 'SQLite',
  version: () => `better-sqlite3 ${peerVersion('better-sqlite3')}, SQLite ${new Database(':memory:').prepare('select sqlite_version() v').get().v}`,

  async write(dir, records) {
    const db = connect(dir);
    db.exec('CREATE TABLE docs (id TEXT PRIMARY KEY, data TEXT) WITHOUT ROWID');
    const insert = db.prepare('INSERT INTO docs (id, data) VALUES (?, ?)');
    db.transaction(() => {
      for (const d of records) insert.run(d.id, JSON.stringify(d));
    })();
    db.close(); // the last connection checkpoints the WAL into the database file and syncs it
  },

  async open(dir) {
    const db = connect(dir);
    const all = db.prepare('SELECT data FROM docs').pluck();
    const one = db.prepare('SELECT data FROM docs WHERE id = ?').pluck();
    const filter = db.prepare(FILTER).pluck();
    const parse = (t) => (t === undefined ? undefined : JSON.parse(t));
    return {
      count: async () => db.prepare('SELECT count(*) FROM docs').pluck().get(),
      readAll: async () => all.all().map((t) => JSON.parse(t)),
      gets: async (ids) => ids.map((id) => parse(one.get(id))),
      filter: async () => filter.all().map((t) => JSON.parse(t)),
      close: async () => db.close(),
    };
  },
};
