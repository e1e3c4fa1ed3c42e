// Times as Flylight writes them (Date#toISOString: `YYYY-MM-DDTHH:MM:SS.sssZ`), read without
// V8's general date parser. The store and the host read several per launch (a VM's stamps, its
// transitions, the event log's oldest entry), and Date.parse with toISOString to check the round
// trip was a measurable part of the store thread's time.

/** Cumulative days before each month, in a common year. */
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const DAYS_IN = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const leap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * Epoch ms of a time exactly as toISOString writes it (years 1970–9999), so that
 * `new Date(ms).toISOString() === text`; NaN for any other text (callers fall back to Date.parse
 * where they accept more).
 */
export function isoMs(text: string): number {
  if (typeof text !== 'string' || text.length !== 24) return Number.NaN;
  if (
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 || // .
    text.charCodeAt(23) !== 90 // Z
  )
    return Number.NaN;
  const y = digits(text, 0, 4);
  const mo = digits(text, 5, 2);
  const d = digits(text, 8, 2);
  const h = digits(text, 11, 2);
  const mi = digits(text, 14, 2);
  const s = digits(text, 17, 2);
  const ms = digits(text, 20, 3);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || ms < 0)
    return Number.NaN;
  const february = mo === 2 && leap(y);
  if (d > DAYS_IN[mo - 1] + (february ? 1 : 0)) return Number.NaN;
  // Days since 1970-01-01: whole years (with their leap days), then the months of this one.
  const y1 = y - 1;
  const leapDays = Math.floor(y1 / 4) - Math.floor(y1 / 100) + Math.floor(y1 / 400) - 477; // 477: leap days before 1970
  let days = (y - 1970) * 365 + leapDays + DAYS_BEFORE[mo - 1] + d - 1;
  if (mo > 2 && leap(y)) days++;
  return ((days * 24 + h) * 60 + mi) * 60000 + s * 1000 + ms;
}

/** Epoch ms of any time Date.parse reads (the common form first, quickly); NaN when none. */
export function timeMs(text: string): number {
  const ms = isoMs(text);
  return Number.isNaN(ms) ? Date.parse(text) : ms;
}

/** toISOString of `ms`, with the last one remembered: stamps come in bursts of the same millisecond. */
export class IsoClock {
  private lastMs = Number.NaN;
  private lastText = '';

  text(ms: number): string {
    if (ms !== this.lastMs) {
      this.lastText = new Date(ms).toISOString();
      this.lastMs = ms;
    }
    return this.lastText;
  }
}
