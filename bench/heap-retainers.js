// What holds the objects that are new in a later heap snapshot (from BENCH_HEAP_SNAPSHOTS=dir
// npm run bench -- dashboard): every object of `after` whose id is not in `before` (ids are kept
// across snapshots of one page), grouped by what it is and a few links of what retains it,
// biggest first. heap-diff.js says what grew; this says who keeps it.
//
//   node bench/heap-retainers.js warm.heapsnapshot after.heapsnapshot [rows=30] [depth=3]

import { readFileSync } from 'node:fs';

/** @param {string} file */
const load = (file) => JSON.parse(readFileSync(file, 'utf8'));

const [beforeFile, afterFile, rows = '30', depthArg = '3'] = process.argv.slice(2);
if (!beforeFile || !afterFile)
  throw new Error('usage: node bench/heap-retainers.js before.heapsnapshot after.heapsnapshot [rows] [depth]');

/** @type {Set<number>} */
const known = new Set();
{
  const a = load(beforeFile);
  const f = a.snapshot.meta.node_fields;
  const idAt = f.indexOf('id');
  for (let i = 0; i < a.nodes.length; i += f.length) known.add(a.nodes[i + idAt]);
}
const s = load(afterFile);
const { node_fields: nf, edge_fields: ef, node_types, edge_types } = s.snapshot.meta;
const [tAt, nAt, idAt, sizeAt, edgesAt] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((x) => nf.indexOf(x));
const [etAt, enAt, toAt] = ['type', 'name_or_index', 'to_node'].map((x) => ef.indexOf(x));
const count = s.nodes.length / nf.length;
const type = (/** @type {number} */ n) => node_types[0][s.nodes[n * nf.length + tAt]];
const label = (/** @type {number} */ n) => {
  const t = type(n);
  return t === 'object' || t === 'closure' || t === 'native'
    ? `${t}:${String(s.strings[s.nodes[n * nf.length + nAt]]).slice(0, 50)}`
    : `(${t})`;
};
// Each node's retainers (weak edges do not retain).
/** @type {[number, string][][]} */
const retainers = Array.from({ length: count }, () => []);
for (let n = 0, e = 0; n < count; n++) {
  const end = e + s.nodes[n * nf.length + edgesAt] * ef.length;
  for (; e < end; e += ef.length) {
    const et = edge_types[0][s.edges[e + etAt]];
    if (et === 'weak') continue;
    const name = et === 'element' || et === 'hidden' ? `[${et}]` : String(s.strings[s.edges[e + enAt]]).slice(0, 30);
    retainers[s.edges[e + toAt] / nf.length].push([n, name]);
  }
}
// A piece of a built-up string is retained by the next piece of it, thousands deep: climb the
// pieces to the whole string, and start the path from what holds that.
const inner = (/** @type {number} */ n) => /^\((concatenated|sliced) string\)$/.test(label(n));
/** @type {Int32Array} */
const wholeOf = new Int32Array(count).fill(-1);
const whole = (/** @type {number} */ n) => {
  const climbed = [];
  let at = n;
  while (wholeOf[at] < 0) {
    const up = retainers[at].find(([p]) => inner(p));
    if (!up || climbed.length > count) break;
    climbed.push(at);
    at = up[0];
  }
  const top = wholeOf[at] >= 0 ? wholeOf[at] : at;
  for (const c of climbed) wholeOf[c] = top;
  wholeOf[at] = top;
  return top;
};
/** @type {Map<string, {count: number, size: number}>} */
const groups = new Map();
for (let n = 0; n < count; n++) {
  if (known.has(s.nodes[n * nf.length + idAt])) continue;
  let path = label(n);
  let at = inner(n) || type(n) === 'string' ? whole(n) : n;
  if (at !== n) path += ' (in a built-up string)';
  for (let d = 0; d < Number(depthArg); d++) {
    const r = retainers[at].find(([p]) => !inner(p)) ?? retainers[at][0];
    if (!r) break;
    path += ` <- ${r[1]} ${label(r[0])}`;
    at = r[0];
  }
  const g = groups.get(path) ?? { count: 0, size: 0 };
  g.count++;
  g.size += s.nodes[n * nf.length + sizeAt];
  groups.set(path, g);
}
for (const [path, g] of [...groups].sort((x, y) => y[1].size - x[1].size).slice(0, Number(rows))) {
  console.log(`${(g.size / 1024).toFixed(0).padStart(7)} kB ${String(g.count).padStart(7)}  ${path}`);
}
