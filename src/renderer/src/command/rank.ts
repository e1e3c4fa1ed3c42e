// How the palette ranks what it offers for a query. Plain word matching instead of cmdk's fuzzy
// score: a fuzzy "nrt" matches "commaNd Reset The…", which buried the region NRT under
// commands; an id or code typed exactly must come first.

export interface Rankable {
  /** The id or code: an exact or prefix match on it ranks highest. */
  primary: string;
  /** Label and keywords, any case. */
  text: string;
}

/** 0 hides the item; higher is better. Every word of the query must appear somewhere. */
export function matchScore(query: string, item: Rankable): number {
  const q = query.trim().toLowerCase();
  if (!q) return 1;
  const primary = item.primary.toLowerCase();
  if (primary === q) return 100;
  if (primary.startsWith(q)) return 80;
  const text = `${primary} ${item.text.toLowerCase()}`;
  const words = q.split(/\s+/);
  if (!words.every((w) => text.includes(w))) return 0;
  // Words that start a word of the text read as meant ("hide con" → "Hide the console").
  const starts = words.every((w) => new RegExp(`(^|[\\s(/:·,-])${escapeRe(w)}`).test(text));
  return starts ? 60 : 30;
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
