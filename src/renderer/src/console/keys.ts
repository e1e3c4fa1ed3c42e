// Turns what a terminal sends (xterm's onData: characters and escape sequences, possibly
// several keys or a whole paste at once) into named keys and text.

export type Key =
  | { kind: 'text'; text: string }
  | {
      kind:
        | 'enter'
        | 'tab'
        | 'backspace'
        | 'delete'
        | 'left'
        | 'right'
        | 'up'
        | 'down'
        | 'home'
        | 'end'
        | 'wordLeft'
        | 'wordRight'
        | 'killToStart'
        | 'killToEnd'
        | 'deleteWordBack'
        | 'interrupt'
        | 'clearScreen'
        | 'eof';
    };

type Named = Exclude<Key, { kind: 'text' }>['kind'];

const SEQUENCES: ReadonlyArray<readonly [string, Named]> = [
  ['\x1b[1;5C', 'wordRight'],
  ['\x1b[1;5D', 'wordLeft'],
  ['\x1b[1;3C', 'wordRight'],
  ['\x1b[1;3D', 'wordLeft'],
  ['\x1b[3~', 'delete'],
  ['\x1b[1~', 'home'],
  ['\x1b[4~', 'end'],
  ['\x1b[7~', 'home'],
  ['\x1b[8~', 'end'],
  ['\x1b[A', 'up'],
  ['\x1b[B', 'down'],
  ['\x1b[C', 'right'],
  ['\x1b[D', 'left'],
  ['\x1b[H', 'home'],
  ['\x1b[F', 'end'],
  ['\x1bOA', 'up'],
  ['\x1bOB', 'down'],
  ['\x1bOC', 'right'],
  ['\x1bOD', 'left'],
  ['\x1bOH', 'home'],
  ['\x1bOF', 'end'],
  ['\x1bb', 'wordLeft'],
  ['\x1bf', 'wordRight'],
  ['\x1b\x7f', 'deleteWordBack'],
];

const CONTROL: Record<string, Named> = {
  '\r': 'enter',
  '\n': 'enter',
  '\t': 'tab',
  '\x7f': 'backspace',
  '\b': 'backspace',
  '\x01': 'home',
  '\x05': 'end',
  '\x02': 'left',
  '\x06': 'right',
  '\x10': 'up',
  '\x0e': 'down',
  '\x15': 'killToStart',
  '\x0b': 'killToEnd',
  '\x17': 'deleteWordBack',
  '\x03': 'interrupt',
  '\x0c': 'clearScreen',
  '\x04': 'eof',
};

/**
 * Length of an escape sequence we do not know (F-keys, mouse reports, …), so it is skipped
 * whole instead of typing its tail as text. CSI: ESC [ parameters intermediates final-byte
 * (final in @..~); SS3: ESC O x; otherwise ESC x.
 */
function unknownSequenceLength(data: string, at: number): number {
  const next = data[at + 1];
  if (next === undefined) return 1;
  if (next === 'O') return Math.min(3, data.length - at);
  if (next !== '[') return 2;
  let j = at + 2;
  while (j < data.length && !(data[j] >= '@' && data[j] <= '~')) j++;
  return Math.min(j + 1, data.length) - at;
}

export function decodeKeys(data: string): Key[] {
  const keys: Key[] = [];
  let text = '';
  const pushText = (): void => {
    if (text) keys.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < data.length) {
    const c = data[i];
    if (c === '\x1b') {
      pushText();
      const hit = SEQUENCES.find(([seq]) => data.startsWith(seq, i));
      if (hit) {
        keys.push({ kind: hit[1] });
        i += hit[0].length;
        continue;
      }
      i += unknownSequenceLength(data, i);
      continue;
    }
    const named = CONTROL[c];
    if (named) {
      pushText();
      // "\r\n" from a paste is one Enter, not two.
      if (c === '\r' && data[i + 1] === '\n') i++;
      keys.push({ kind: named });
      i++;
      continue;
    }
    if (c < ' ') {
      i++; // other control characters mean nothing here
      continue;
    }
    text += c;
    i++;
  }
  pushText();
  return keys;
}
