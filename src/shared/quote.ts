// How a caller's value is echoed inside a message (an error, a log line, a CLI line): short,
// on one line, and with nothing that can steer a terminal or the reading order. Every message
// that repeats what someone sent goes through here, so a huge or hostile input can neither
// flood a screen nor pass for other text.

// C0 and C1 controls (ANSI escapes start with one), the line and paragraph separators, and the
// Unicode bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9) that can reorder what a reader
// sees: `vm-\u202Eevil` would print as something else entirely.
// biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same class without /g: test() keeps no lastIndex. */
const UNSAFE_ANY = new RegExp(UNSAFE.source);

function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** A caller's text cut to `max` characters, with control and bidi characters escaped. */
export function clip(text: string, max = 24): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // Nearly every text is clean: a test is cheaper than a replace with a function that finds nothing.
  return UNSAFE_ANY.test(cut) ? cut.replace(UNSAFE, escapeChar) : cut;
}

/**
 * A caller's value as a message shows it: text quoted and clipped, anything else named by its
 * kind ("an object", "nothing"), so the words read the same whatever was sent.
 */
export function shown(value: unknown, max = 24): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    if (value === '') return 'an empty value';
    // JSON escapes \n, \t and \u0000 readably; the few it leaves raw are escaped after it.
    return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value).replace(UNSAFE, escapeChar);
  }
  return String(value);
}
