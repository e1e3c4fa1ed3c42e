// CPU time of the Chromium processes this benchmark started, by thread role, read from /proc.
// Frame intervals on a shared machine measure the run queue as much as the page; the CPU each
// of the page's threads spends a second (its main thread, its compositor, the raster workers,
// the display compositor in the GPU process) is what the page itself costs, whatever the load.

import { readdirSync, readFileSync } from 'node:fs';

/**
 * A thread's role from its process's type (`--type=` on its command line; none: the browser)
 * and its name (comm, 15 characters at most). Every process's main thread is named after the
 * binary ("chromium"), so the main threads are told apart by process type.
 */
function role(/** @type {string} */ type, /** @type {boolean} */ main, /** @type {string} */ name) {
  if (main) return `${type} main`;
  if (name === 'Compositor') return `${type} compositor`;
  if (name === 'CompositorTileW') return `${type} raster`;
  if (name === 'VizCompositorTh') return 'display compositor';
  return `${type} other`;
}

/** @param {string} path */
function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Every process descended from `root` (the benchmark's own node process), by pid. */
function descendants(/** @type {number} */ root) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    // The name in parentheses may hold spaces: the fields after its closing one are fixed.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid)?.push(Number(name));
  }
  /** @type {number[]} */
  const out = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = /** @type {number} */ (todo.pop());
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/**
 * CPU time (ms) of every thread of the Chromium processes under this process, summed by role
 * ("renderer main", "renderer compositor", "display compositor", "GPU main", "browser other", …).
 * @returns {Map<string, number>}
 */
export function chromiumCpu() {
  /** @type {Map<string, number>} */
  const out = new Map();
  for (const pid of descendants(process.pid)) {
    const comm = read(`/proc/${pid}/comm`).trim();
    if (!/chrom/i.test(comm) || comm.startsWith('chrome_crashpad')) continue;
    const args = read(`/proc/${pid}/cmdline`).split(/[\0 ]/); // setproctitle joins them with spaces
    const flag = args.find((a) => a.startsWith('--type='))?.slice('--type='.length);
    const type = flag === 'gpu-process' ? 'GPU' : (flag ?? 'browser');
    let tids = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const name = read(`/proc/${pid}/task/${tid}/comm`).trim();
      const ns = Number(read(`/proc/${pid}/task/${tid}/schedstat`).split(' ')[0]) || 0;
      const key = role(type, tid === String(pid), name);
      out.set(key, (out.get(key) ?? 0) + ns / 1e6);
    }
  }
  return out;
}

/**
 * What each role spent a second between two readings, largest first, as "role N ms/s".
 * @param {Map<string, number>} a @param {Map<string, number>} b @param {number} seconds
 */
export function cpuPerSecond(a, b, seconds) {
  const rows = [...b.entries()].map(
    ([role, ms]) => /** @type {[string, number]} */ ([role, (ms - (a.get(role) ?? 0)) / seconds]),
  );
  const total = rows.reduce((s, [, v]) => s + v, 0);
  rows.sort((x, y) => y[1] - x[1]);
  return { total, rows, text: rows.map(([role, v]) => `${role} ${v.toFixed(0)}`).join(', ') };
}
