// The command line's grammar as shell completion needs it, read from the same specs
// (command-specs.ts, flag-specs.ts) the parser, the help and the console pane's Tab completion
// (complete.ts) read: which words are commands, which flags each command takes, which flags take
// a value and what completes after them, what completes in each argument position.

import { COMMANDS, flagsOf } from './command-specs';
import { FLAGS, type FlagSpec, flagSpec } from './flag-specs';

/** What completes in a slot: fixed words, the host's region codes, or the command names. */
export type Values = { kind: 'words'; words: readonly string[] } | { kind: 'regions' } | { kind: 'commands' };

export interface ShellFlag {
  name: string;
  /** Every way to write it: `--vm-region`, `--region`, `-r`. */
  forms: string[];
  /** The long forms Tab offers (as the console does; the one-letter form completes nothing). */
  long: string[];
  takesValue: boolean;
  values: Values | null;
  help: string;
}

export interface ShellCommand {
  name: string;
  summary: string;
  /** Canonical names of the flags it takes, its own first, then the global ones. */
  flags: string[];
  /** What completes at each argument position (null: nothing, e.g. a VM id). */
  positionals: (Values | null)[];
}

export interface ShellGrammar {
  commands: ShellCommand[];
  flags: ShellFlag[];
  /** Flags Tab offers before any command is written (flags may come first, as the seed wrote them). */
  leadingFlags: string[];
}

function valuesOfFlag(f: FlagSpec): Values | null {
  if (f.regionValue) return { kind: 'regions' };
  if (f.choices) return { kind: 'words', words: f.choices };
  return null;
}

export function shellGrammar(): ShellGrammar {
  const flags = FLAGS.map((f): ShellFlag => {
    const long = [f.name, ...(f.aliases ?? [])].map((n) => `--${n}`);
    return {
      name: f.name,
      forms: f.short ? [...long, `-${f.short}`] : long,
      long,
      takesValue: f.kind !== 'bool',
      values: valuesOfFlag(f),
      help: f.help,
    };
  });
  const commands = COMMANDS.map(
    (c): ShellCommand => ({
      name: c.name,
      summary: c.summary,
      flags: flagsOf(c.name),
      positionals: c.positionals.map((p): Values | null =>
        p.regionValue
          ? { kind: 'regions' }
          : p.commandValue
            ? { kind: 'commands' }
            : p.choices
              ? { kind: 'words', words: p.choices }
              : null,
      ),
    }),
  );
  return { commands, flags, leadingFlags: flagsOf(null).filter((n) => flagSpec(n) !== undefined) };
}

/** A word safe inside single quotes in every shell (the specs' words are plain; help text is not). */
export function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
