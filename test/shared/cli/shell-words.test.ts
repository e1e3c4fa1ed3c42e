import { describe, expect, it } from 'vitest';
import { splitArgs, tokenize } from '../../../src/shared/cli/shell-words';
import { ApiError } from '../../../src/shared/errors';

describe('splitArgs', () => {
  it.each([
    ['launch --vm-region SIN', ['launch', '--vm-region', 'SIN']],
    ['  regions   --json  ', ['regions', '--json']],
    ['', []],
    ['   ', []],
    ["regions --filter 'Degraded Performance'", ['regions', '--filter', 'Degraded Performance']],
    ['regions --filter "Degraded Performance"', ['regions', '--filter', 'Degraded Performance']],
    ['a"b c"d', ['ab cd']],
    ['say "a \\"quoted\\" word"', ['say', 'a "quoted" word']],
    ['"back\\\\slash"', ['back\\slash']],
    ['"keep \\n as is"', ['keep \\n as is']],
    ["'no \\escapes here'", ['no \\escapes here']],
    ['one\\ word', ['one word']],
    ['empty "" arg', ['empty', '', 'arg']],
    ["''", ['']],
    ['tab\tseparated', ['tab', 'separated']],
  ])('%j → %j', (line, argv) => {
    expect(splitArgs(line)).toEqual(argv);
  });

  it.each(['launch "unterminated', "regions --filter 'Degraded", 'a "b\\"'])(
    'rejects the unterminated quote in %j',
    (line) => {
      try {
        splitArgs(line);
        expect.unreachable('splitArgs should throw');
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        expect((err as ApiError).code).toBe('bad_request');
        expect((err as ApiError).message).toMatch(/^unterminated quote/);
      }
    },
  );

  it('rejects a lone trailing backslash', () => {
    expect(() => splitArgs('destroy vm-1\\')).toThrow(/lone backslash/);
  });
});

describe('tokenize', () => {
  it('keeps the raw offsets of each word', () => {
    const { tokens, open } = tokenize('launch  "--vm-region" SIN');
    expect(open).toBeNull();
    expect(tokens).toEqual([
      { value: 'launch', start: 0, end: 6 },
      { value: '--vm-region', start: 8, end: 21 },
      { value: 'SIN', start: 22, end: 25 },
    ]);
  });

  it('reports what is still open instead of throwing', () => {
    expect(tokenize('machines "si').open).toBe('"');
    expect(tokenize('machines "si').tokens[1]).toEqual({ value: 'si', start: 9, end: 12 });
  });
});
