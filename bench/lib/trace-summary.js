// Summaries of a Chromium trace and a CDP CPU profile, for the profiling scripts
// (profile-dashboard.js, profile-vm-list.js).

/** The trace categories both scripts record: the main thread's tasks, frames, script, loading. */
export const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'v8.execute',
  'blink.user_timing',
  'loading',
];

/** Top-level main-thread events (children not double-counted), by name. */
export function mainThread(/** @type {any[]} */ events) {
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const mine = events.filter((e) => main && e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur);
  mine.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  /** @type {Map<string, number>} */
  const byName = new Map();
  /** @type {{ts: number, dur: number, inside: Map<string, number>}[]} */
  const long = [];
  // Depth-1 children of each RunTask, summed by name.
  /** @type {{end: number}[]} */
  let stack = [];
  let task = null;
  for (const e of mine) {
    stack = stack.filter((s) => s.end > e.ts);
    if (stack.length === 1 && task) {
      const key = e.name === 'FunctionCall' ? `FunctionCall ${e.args?.data?.functionName || ''}` : e.name;
      byName.set(key, (byName.get(key) ?? 0) + e.dur);
      task.inside.set(key, (task.inside.get(key) ?? 0) + e.dur);
    }
    if (stack.length === 0) {
      task = { ts: e.ts, dur: e.dur, inside: new Map() };
      if (e.dur > 50_000) long.push(task);
    }
    stack.push({ end: e.ts + e.dur });
  }
  return { byName, long, total: mine.filter((e) => e.name === 'RunTask').reduce((a, e) => a + e.dur, 0) };
}

export function top(/** @type {Map<string, number>} */ m, n = 15) {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `    ${(v / 1000).toFixed(1).padStart(8)} ms  ${k}`)
    .join('\n');
}

/** Self time per function from a CPU profile. */
export function selfTime(/** @type {any} */ profile) {
  /** @type {Map<number, any>} */
  const nodes = new Map(profile.nodes.map((/** @type {any} */ n) => [n.id, n]));
  /** @type {Map<string, number>} */
  const by = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const n = nodes.get(profile.samples[i]);
    const f = n.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    by.set(key, (by.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  return by;
}
