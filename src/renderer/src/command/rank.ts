// How the palette ranks what it offers for a query. Plain word matching instead of cmdk's fuzzy
// score: a fuzzy "nrt" matches "commaNd Reset The…", which buried the region NRT under
// commands; an id or code typed exactly must come first.

export interface Rankable {
  /** The id or code: an exact or prefix match on it ranks highest. */
  primary: string;
  /** What the item says on screen. */
  label: string;
  /** Other words it is found by (a city, a status, synonyms). */
  extra?: string;
}

/** 0 hides the item; higher is better. Every word of the query must appear somewhere. */
export function matchScore(query: string, item: Rankable): number {
  const q = query.trim().toLowerCase();
  if (!q) return 1;
  const primary = item.primary.toLowerCase();
  if (primary === q) return 100;
  if (primary.startsWith(q)) return 80;
  const words = q.split(/\s+/);
  const label = `${primary} ${item.label.toLowerCase()}`;
  const all = `${label} ${(item.extra ?? '').toLowerCase()}`;
  // Words that start a word of what is shown read as meant ("hide con" → "Hide the console").
  if (words.every((w) => startsWord(label, w))) return 70;
  if (words.every((w) => label.includes(w))) return 50;
  if (words.every((w) => startsWord(all, w))) return 40;
  if (words.every((w) => all.includes(w))) return 20;
  return 0;
}

function startsWord(text: string, w: string): boolean {
  return new RegExp(`(^|[\\s(/:·,-])${escapeRe(w)}`).test(text);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Items scoring above 0 for the query, best first (stable among equals), at most `limit`. */
export function rank<T>(query: string, items: readonly T[], of: (x: T) => Rankable, limit = Infinity): T[] {
  const scored: { x: T; s: number; i: number }[] = [];
  items.forEach((x, i) => {
    const s = matchScore(query, of(x));
    if (s > 0) scored.push({ x, s, i });
  });
  scored.sort((a, b) => b.s - a.s || a.i - b.i);
  return scored.slice(0, limit).map((e) => e.x);
}

/** The best score among a group's items, for ordering the groups themselves. */
export function bestScore<T>(query: string, items: readonly T[], of: (x: T) => Rankable): number {
  let best = 0;
  for (const x of items) best = Math.max(best, matchScore(query, of(x)));
  return best;
}
