// Decoding the terminal's input bytes into keys.

import { describe, expect, it } from 'vitest';
import { decodeKeys } from '../../../../src/renderer/src/console/keys';

describe('key decoding', () => {
  it('names arrows, editing keys and control keys', () => {
    expect(decodeKeys('\x1b[A\x1b[B\x1b[C\x1b[D\x1b[H\x1b[F\x1b[3~').map((k) => k.kind)).toEqual([
      'up',
      'down',
      'right',
      'left',
      'home',
      'end',
      'delete',
    ]);
    expect(decodeKeys('\x01\x05\x15\x0b\x17\x03\x0c\x7f\t\r').map((k) => k.kind)).toEqual([
      'home',
      'end',
      'killToStart',
      'killToEnd',
      'deleteWordBack',
      'interrupt',
      'clearScreen',
      'backspace',
      'tab',
      'enter',
    ]);
  });

  it('keeps text together and splits a multi-line paste into lines and enters', () => {
    expect(decodeKeys('status\r\nregions\r')).toEqual([
      { kind: 'text', text: 'status' },
      { kind: 'enter' },
      { kind: 'text', text: 'regions' },
      { kind: 'enter' },
    ]);
  });

  it('skips unknown escape sequences whole', () => {
    expect(decodeKeys('a\x1b[15~b\x1b[<0;3;4Mc\x1bOPd')).toEqual([
      { kind: 'text', text: 'a' },
      { kind: 'text', text: 'b' },
      { kind: 'text', text: 'c' },
      { kind: 'text', text: 'd' },
    ]);
  });
});
