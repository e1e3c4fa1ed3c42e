// A usage bar's fill as a scaleX factor, in steps too small to see. Under a stream the totals
// change ten times a second by a few cores of hundreds of thousands; each new transform restarted
// the fill's 0.45 s transition, so the bars never stopped animating (the compositor drawing 60
// frames a second) for changes of a hundredth of a pixel. A step is 1/400 of the bar: half a
// pixel on the widest (a region's, ~200 px).

const STEPS = 400;

/** `percent` (0–100, clamped) as the fill's scale, rounded to 1/STEPS. */
export function barScale(percent: number): number {
  if (!Number.isFinite(percent)) return 0;
  const p = Math.min(100, Math.max(0, percent));
  return Math.round((p / 100) * STEPS) / STEPS;
}
