// The zds quickstart: build a small product catalogue, read it back, update
// and delete, query it, reopen, pack it into a .zds archive and read that in
// place, and look at the files — all of them plain JSONL you can read with
// cat, jq or grep.
//
//   node examples/quickstart.mjs [store-dir]
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, pack, ZdsStore } from '../dist/index.mjs';

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'zds-quickstart-'));
const N = 5000;
const categories = ['books', 'games', 'garden', 'kitchen', 'music'];
const t0 = performance.now();

// 1. Create a store and write documents. put() buffers; close() makes them durable.
const store = open(dir);
const products = store.collection('products');
for (let i = 0; i < N; i++) {
  const id = `sku-${String(i).padStart(5, '0')}`;
  products.put(id, {
    name: `Product ${i}`,
    category: categories[i % categories.length],
    price: Math.round((5 + ((i * 7919) % 9500) / 100) * 100) / 100,
    stock: (i * 31) % 200,
    tags: i % 3 === 0 ? ['sale'] : [],
  });
}
console.log(`wrote ${products.count()} products to ${dir}`);

// 2. Read: by id, and by scanning (documents come back in file order).
console.log('sku-00042 =', JSON.stringify(products.get('sku-00042')));
let onSale = 0;
let stockValue = 0;
for (const p of products) {
  if (p.tags.includes('sale')) onSale++;
  stockValue += p.price * p.stock;
}
console.log(`${onSale} on sale; stock worth ${stockValue.toFixed(2)}`);

// 3. Update and delete. Updates and deletes are appended; the last line wins.
for (let i = 0; i < 100; i++) {
  const id = `sku-${String(i).padStart(5, '0')}`;
  const p = products.get(id);
  products.put(id, { ...p, price: Math.round(p.price * 90) / 100, tags: [...p.tags, 'discounted'] });
}
let removed = 0;
for (const id of products.ids()) {
  if (products.get(id).stock === 0 && products.delete(id)) removed++;
}
console.log(`discounted 100 products, removed ${removed} out of stock`);

// 4. Query: the filter runs natively; only matching documents become objects.
const cheapGames = products.find(
  { category: 'games', price: { $lt: 20 }, tags: 'sale' },
  { fields: ['name', 'price'], sort: { price: 1 }, limit: 3 },
);
console.log('3 cheapest games on sale:', JSON.stringify(cheapGames.toArray()));
console.log(`${products.count({ stock: { $gte: 150 } })} products with 150+ in stock (counted natively)`);
let kitchen = 0;
for await (const p of products.find({ category: 'kitchen' })) kitchen += p.stock; // read off the main thread
console.log(`kitchen stock: ${kitchen}`);
store.close();

// 5. Reopen with the upstream-compatible API: everything is still there.
const reopened = ZdsStore.open(dir, 'products');
console.log(`reopened: ${reopened.count} products; sku-00001 =`, JSON.stringify(reopened.get('sku-00001')));
const meta = join(dir, 'collections', 'products', 'meta');
const bytesBefore = statSync(join(meta, 'data.jsonl')).size;
reopened.compact();
const bytesAfter = statSync(join(meta, 'data.jsonl')).size;
console.log(`compact: data.jsonl ${bytesBefore} -> ${bytesAfter} bytes`);
reopened.close();

// 6. Pack the store into a .zds archive (a standard ZIP) and read it in place.
await pack(dir, `${dir}.zds`);
const shipped = open(`${dir}.zds`);
console.log(`${dir}.zds: ${statSync(`${dir}.zds`).size} bytes, ${shipped.collection('products').count({ category: 'books' })} books, read in place`);
shipped.close();

// 7. The files are plain text: the first line of data.jsonl, as `head -1` shows it.
const firstLine = readFileSync(join(meta, 'data.jsonl'), 'utf8').split('\n', 1)[0];
console.log(`head -1 ${join(meta, 'data.jsonl')}:\n${firstLine}`);
console.log(`done in ${(performance.now() - t0).toFixed(0)} ms`);
