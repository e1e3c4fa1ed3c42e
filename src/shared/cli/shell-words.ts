// Splits a console line into argv the way a POSIX shell would for the cases people type:
// whitespace separates words, '…' is literal, "…" allows \" and \\, a backslash outside quotes
// escapes the next character. No variables, globs or pipes: the console runs one command.

import { ApiError } from '../errors';

export interface Token {
  /** The word after quote removal. */
  value: string;
  /** Offsets of the raw word in the line, end exclusive. */
  start: number;
  end: number;
}

export interface Tokenized {
  tokens: Token[];
  /** Set when the line ends inside quotes or after a lone backslash (what is still open). */
  open: null | "'" | '"' | '\\';
}

const SPACE = /\s/;

/** Never throws: completion needs words of unfinished lines too. */
export function tokenize(line: string): Tokenized {
  const tokens: Token[] = [];
  let i = 0;
  let open: Tokenized['open'] = null;
  while (i < line.length) {
    while (i < line.length && SPACE.test(line[i])) i++;
    if (i >= line.length) break;
    const start = i;
    let value = '';
    while (i < line.length && !SPACE.test(line[i])) {
      const c = line[i];
      if (c === "'") {
        const close = line.indexOf("'", i + 1);
        if (close < 0) {
          value += line.slice(i + 1);
          i = line.length;
          open = "'";
          break;
        }
        value += line.slice(i + 1, close);
        i = close + 1;
      } else if (c === '"') {
        i++;
        let closed = false;
        while (i < line.length) {
          const d = line[i];
          if (d === '"') {
            closed = true;
            i++;
            break;
          }
          if (d === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
            value += line[i + 1];
            i += 2;
          } else {
            value += d;
            i++;
          }
        }
        if (!closed) {
          open = '"';
          break;
        }
      } else if (c === '\\') {
        if (i + 1 >= line.length) {
          open = '\\';
          i++;
          break;
        }
        value += line[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    tokens.push({ value, start, end: i });
  }
  return { tokens, open };
}

export function splitArgs(line: string): string[] {
  const { tokens, open } = tokenize(line);
  if (open === "'" || open === '"') {
    throw new ApiError(
      'bad_request',
      `unterminated quote: the line ends inside ${open}…${open}; close it with ${open}`,
    );
  }
  if (open === '\\') {
    throw new ApiError('bad_request', 'the line ends with a lone backslash; write \\\\ for a literal backslash');
  }
  return tokens.map((t) => t.value);
}
