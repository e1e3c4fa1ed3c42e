// Warming `flylight serve` until it is warm, not for a fixed count. A launch's CPU kept falling
// for ~12,000 launches after a start (1,200 → ~800 µs a launch, V8 still compiling the hot path
// on four threads), so a fixed warm-up of 1,000–3,000 launches measured part of the warming
// as the server's steady cost. A user's `serve` runs for hours; its steady cost is the headline.

import { processCpu } from './thread-cpu.js';

/**
 * Runs `chunk` launches at a time until a chunk's CPU per launch is no longer clearly below
 * the one before it (within `tolerance`), at least two chunks and at most `maxChunks`.
 * `prepare(i)`, untimed, runs before each chunk (a reset, so the fleet never fills);
 * `run(count, i)` runs the chunk.
 * Returns the CPU µs per launch of each chunk, for the report's note.
 * @param {number} pid
 * @param {(count: number, i: number) => Promise<unknown>} run
 * @param {{chunk: number, prepare?: (i: number) => Promise<unknown>, maxChunks?: number, tolerance?: number}} o
 */
export async function warmUntilSteady(pid, run, { chunk, prepare, maxChunks = 6, tolerance = 0.07 }) {
  /** @type {number[]} */
  const perLaunch = [];
  for (let i = 0; i < maxChunks; i++) {
    await prepare?.(i);
    const c0 = processCpu(pid);
    await run(chunk, i);
    perLaunch.push((processCpu(pid) - c0) / 1e3 / chunk);
    if (i >= 1 && perLaunch[i] > perLaunch[i - 1] * (1 - tolerance)) break;
  }
  return perLaunch;
}
