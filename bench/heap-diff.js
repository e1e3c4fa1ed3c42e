// What grew between two heap snapshots (from BENCH_HEAP_SNAPSHOTS=dir npm run bench -- dashboard):
// the self size and count of objects by constructor name, the biggest differences first.
//
//   node bench/heap-diff.js before.heapsnapshot after.heapsnapshot [rows=25]

import { readFileSync } from 'node:fs';

/** @param {string} file @returns {Map<string, {count: number, size: number}>} */
function byConstructor(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  /** @type {Map<string, {count: number, size: number}>} */
  const out = new Map();
  const nodes = snap.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const name = type === 'object' || type === 'closure' ? snap.strings[nodes[i + nameAt]] : `(${type})`;
    const row = out.get(name) ?? { count: 0, size: 0 };
    row.count++;
    row.size += nodes[i + sizeAt];
    out.set(name, row);
  }
  return out;
}

const [before, after, rows = '25'] = process.argv.slice(2);
if (!before || !after) throw new Error('usage: node bench/heap-diff.js before.heapsnapshot after.heapsnapshot [rows]');
const a = byConstructor(before);
const b = byConstructor(after);
const names = new Set([...a.keys(), ...b.keys()]);
const diff = [...names]
  .map((n) => {
    const x = a.get(n) ?? { count: 0, size: 0 };
    const y = b.get(n) ?? { count: 0, size: 0 };
    return { n, count: y.count - x.count, size: y.size - x.size, total: y.size };
  })
  .sort((p, q) => Math.abs(q.size) - Math.abs(p.size));
const total = (/** @type {Map<string, {size: number}>} */ m) => [...m.values()].reduce((s, r) => s + r.size, 0);
console.log(`heap ${(total(a) / 2 ** 20).toFixed(1)} MB → ${(total(b) / 2 ** 20).toFixed(1)} MB`);
for (const d of diff.slice(0, Number(rows))) {
  console.log(
    `${(d.size / 2 ** 20).toFixed(2).padStart(8)} MB ${String(d.count).padStart(9)} objects  ${d.n.slice(0, 70)} (now ${(d.total / 2 ** 20).toFixed(1)} MB)`,
  );
}
