import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors';
import { clip, shown } from '../../src/shared/quote';
import { checkRegion, checkVmId } from '../../src/shared/validation';

const RLO = '\u202e'; // RIGHT-TO-LEFT OVERRIDE: `vm-\u202Eexe.txt` reads as `vm-txt.exe`

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.message;
    throw err;
  }
  throw new Error('expected an ApiError, but nothing was thrown');
}

describe('clip', () => {
  it('cuts long text and marks the cut', () => {
    expect(clip('abcdef', 3)).toBe('abc…');
    expect(clip('abc', 3)).toBe('abc');
  });

  it('escapes control characters, ANSI escapes included', () => {
    expect(clip('a\nb\u0000c\u001b[31m', 40)).toBe('a\\u000ab\\u0000c\\u001b[31m');
    expect(clip('\u0085\u2028\u2029', 40)).toBe('\\u0085\\u2028\\u2029');
  });

  it('escapes every Unicode bidi control (U+202E among them)', () => {
    const bidi = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', RLO];
    bidi.push('\u2066', '\u2067', '\u2068', '\u2069');
    for (const c of bidi) {
      const out = clip(`x${c}y`, 40);
      expect(out).toBe(`x\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}y`);
      expect(out).not.toContain(c);
    }
  });

  it('leaves ordinary non-ASCII text alone', () => {
    expect(clip('São Paulo — 東京', 40)).toBe('São Paulo — 東京');
  });
});

describe('shown', () => {
  it('quotes text and escapes U+202E, which JSON leaves raw', () => {
    expect(JSON.stringify(`a${RLO}b`)).toContain(RLO);
    expect(shown(`a${RLO}b`)).toBe('"a\\u202eb"');
  });

  it('names values that are not text by their kind', () => {
    expect(shown(null)).toBe('null');
    expect(shown([1])).toBe('an array');
    expect(shown({})).toBe('an object');
    expect(shown('')).toBe('an empty value');
    expect(shown(7)).toBe('7');
  });
});

describe('messages that echo a caller', () => {
  it('never carry a raw bidi control', () => {
    const region = messageOf(() => checkRegion(`SIN${RLO}`, ['SIN']));
    const vm = messageOf(() => checkVmId(`vm-${RLO}exe.txt`));
    for (const message of [region, vm]) {
      expect(message).not.toContain(RLO);
      expect(message).toContain('\\u202e');
    }
  });
});
