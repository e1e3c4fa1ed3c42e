// The intervals between a page's requestAnimationFrame callbacks, recorded in the page itself:
// the frames a person sees, long or not. The dashboard bench and its profiler both time them.

/** Starts recording in `page`. @param {import('@playwright/test').Page} page */
export function startFrames(page) {
  return page.evaluate(() => {
    const w = /** @type {any} */ (globalThis);
    w.__frames = [];
    w.__stopFrames = false;
    let last = performance.now();
    const tick = (/** @type {number} */ t) => {
      w.__frames.push(t - last);
      last = t;
      if (!w.__stopFrames) w.requestAnimationFrame(tick);
    };
    w.requestAnimationFrame(tick);
  });
}

/**
 * Stops recording; the intervals in ms, without the first (from the start to the first frame).
 * @param {import('@playwright/test').Page} page @returns {Promise<number[]>}
 */
export function stopFrames(page) {
  return page.evaluate(() => {
    const w = /** @type {any} */ (globalThis);
    w.__stopFrames = true;
    return /** @type {number[]} */ (w.__frames.slice(1));
  });
}
