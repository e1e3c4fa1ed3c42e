// ANSI colour for terminal output, only when the IO asks for it, and widths that ignore it.

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray';

const SGR: Record<Style, string> = {
  bold: '1',
  dim: '2',
  red: '31',
  green: '32',
  yellow: '33',
  blue: '34',
  magenta: '35',
  cyan: '36',
  gray: '90',
};

export function paint(text: string, style: Style | null | undefined, color: boolean): string {
  if (!color || !style || text === '') return text;
  return `\x1b[${SGR[style]}m${text}\x1b[0m`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\x1b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Width on screen: ANSI codes take none. (Everything we print is narrow, single-width text.) */
export function visibleLength(text: string): number {
  return [...stripAnsi(text)].length;
}
