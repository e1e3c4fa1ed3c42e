// Small statistics and timing helpers. Every figure is repeated and reported as its median with
// the min–max spread, because on a shared 2-core machine one run says little on its own.

import { performance } from 'node:perf_hooks';

/**
 * The median; of an even count, the mean of the two middle values (the nearest rank would be the
 * lower one, which for a ratio over an even number of repetitions reads systematically low).
 * @param {number[]} xs
 */
export function median(xs) {
  if (xs.length === 0 || xs.length % 2 === 1) return quantile(xs, 0.5);
  const sorted = Float64Array.from(xs).sort();
  return (sorted[xs.length / 2 - 1] + sorted[xs.length / 2]) / 2;
}

/** The geometric mean (of ratios: the mean of A/B is then 1 / the mean of B/A). @param {number[]} xs */
export function geomean(xs) {
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

/**
 * Nearest-rank quantile (q in 0..1) of an unsorted list; NaN for an empty one.
 * @param {ArrayLike<number>} xs @param {number} q
 */
export function quantile(xs, q) {
  if (xs.length === 0) return Number.NaN;
  const sorted = Float64Array.from(xs).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/**
 * @param {number[]} xs
 * @returns {{median: number, min: number, max: number, runs: number[]}}
 */
export function summarize(xs) {
  return { median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)), runs: xs.map(round) };
}

/**
 * Four significant digits: enough to compare, few enough to read.
 * @param {number} x
 */
export function round(x) {
  if (!Number.isFinite(x) || x === 0) return x;
  const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(x))));
  return Number(x.toFixed(Math.min(digits, 6)));
}

/**
 * 12345.6 → "12,346"; 0.01234 → "0.01234".
 * @param {number} x
 */
export function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  const r = round(x);
  return Math.abs(r) >= 1000 ? Math.round(r).toLocaleString('en-US') : String(r);
}

/**
 * Calls `fn(i)` (sync or async) in growing batches until at least `ms` have passed; returns
 * calls per second. Batching keeps the clock reads out of the figure for fast functions.
 * @param {(i: number) => unknown} fn @param {number} ms
 */
export async function opsPerSecond(fn, ms) {
  let calls = 0;
  let batch = 1;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) {
      const r = /** @type {any} */ (fn(calls + i));
      if (r && typeof r.then === 'function') await r;
    }
    calls += batch;
    elapsed = performance.now() - start;
    if (elapsed < ms / 4) batch *= 2;
  }
  return (calls / elapsed) * 1000;
}

/**
 * A seedable RNG (mulberry32), so every run asks the same questions of subject and baseline. The
 * plain-JS scripts (soak, make-regions) use it too; the TypeScript code has src/shared/random.ts.
 * @param {number} seed
 */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
