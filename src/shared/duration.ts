// Durations as people type them (`60s`, `2m`, `1m30s`, `500ms`, a bare number of seconds) and
// as the CLI and the dashboard show them back. One parser for every flag and field that takes one.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/** "60s", "2m", "1m30s", "500ms", "1.5h"; a bare number is seconds. NaN when it does not parse. */
export function parseDuration(text: string): number {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (t === '') return Number.NaN;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = DURATION_PART.exec(t); m; m = DURATION_PART.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    end = DURATION_PART.lastIndex;
  }
  return end === t.length ? Math.round(total) : Number.NaN;
}

/** "1m30s", "250ms": the way the CLI and the panel show a duration back. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 100) / 10;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return rest ? `${m}m${rest}s` : `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
}
