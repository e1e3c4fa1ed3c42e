// Where a command line runs: in a terminal (`flylight …`) or in the dashboard's console pane
// (commands typed without the program name). It changes how commands are written and worded,
// never what they may do: that follows from what the command environment carries (a token, a
// way to serve, someone to ask).

export type Where = 'cli' | 'console';

/** What a command is written after, in help and examples. */
export function programPrefix(where: Where): string {
  return where === 'cli' ? 'flylight ' : '';
}

/** The words the parser sees: a `flylight …` line pasted into the console reads as typed there. */
export function commandWords(argv: readonly string[], where: Where): readonly string[] {
  return where === 'console' && argv[0] === 'flylight' ? argv.slice(1) : argv;
}
