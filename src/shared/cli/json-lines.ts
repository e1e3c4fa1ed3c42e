// What --json prints: pretty JSON with stable key order, as lines.

/** Pretty JSON with keys sorted at every level, so the output of a script's run is stable. */
export function jsonLines(value: unknown): string[] {
  return JSON.stringify(sortKeys(value), null, 2).split('\n');
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
