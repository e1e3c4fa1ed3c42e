// One parser for the `flylight` command line, used by the CLI and the console pane: flags by
// their specs (flag-specs.ts), then the command and its arguments (command-specs.ts). Every
// mistake is a UsageError that says what was wrong and, where it can, what was meant.

import { closest } from './closest';
import { COMMANDS, type CommandName, type CommandSpec, commandSpec, flagsOf } from './command-specs';
import { FLAGS, type FlagSpec, flagSpec, GLOBAL_FLAGS, shortFlagSpec } from './flag-specs';
import { UsageError } from './usage-error';

export type FlagValues = Record<string, string | number | boolean>;

export interface Parsed {
  /** null when only flags were given (e.g. `flylight --help`). */
  command: CommandName | null;
  positionals: string[];
  /** By canonical flag name. 'int' flags are numbers, 'bool' flags true, the rest strings. */
  flags: FlagValues;
  /** By canonical flag name, the flag as the user wrote it (`--region`, `-r`), for messages. */
  written: Record<string, string>;
}

/** Parses argv (without the program name). Throws UsageError. */
export function parseArgs(argv: readonly string[]): Parsed {
  const flags: FlagValues = {};
  const written: Record<string, string> = {};
  const words: string[] = [];
  let onlyWords = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyWords || arg === '-' || !arg.startsWith('-') || isNegativeNumber(arg)) {
      words.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyWords = true;
      continue;
    }
    let spec: FlagSpec | undefined;
    let typed: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      typed = `--${name}`;
      spec = flagSpec(name);
      if (!spec) throw new UsageError(unknownFlag(typed, words));
    } else {
      typed = arg;
      spec = arg.length === 2 ? shortFlagSpec(arg[1]) : undefined;
      if (!spec) throw new UsageError(unknownFlag(arg, words));
    }
    if (spec.name in flags) throw new UsageError(twice(written[spec.name], typed));
    written[spec.name] = typed;
    if (spec.kind === 'bool') {
      if (inline !== undefined) throw new UsageError(`${typed} takes no value`);
      flags[spec.name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-' && !isNegativeNumber(next))) {
        throw new UsageError(`${typed} needs a value (${spec.value ?? 'VALUE'})`);
      }
      value = next;
      i++;
    }
    flags[spec.name] = convert(spec, typed, value);
  }

  const [first, ...rest] = words;
  let command: CommandName | null = null;
  if (first !== undefined) {
    const spec = commandSpec(first);
    if (!spec) throw new UsageError(unknownCommand(first));
    command = spec.name;
  }
  // With --help the rest of the line is not checked: people add it to a half-written command.
  if (!flags.help && !flags.version) checkCommand(command, rest, flags, written);
  return { command, positionals: rest, flags, written };
}

/** `--region` twice, or `-r` and `--vm-region`: one flag under two spellings. */
function twice(before: string, now: string): string {
  return before === now
    ? `${now} is given twice; give it once`
    : `${before} and ${now} are the same flag, given twice; give it once`;
}

function checkCommand(
  command: CommandName | null,
  positionals: string[],
  flags: FlagValues,
  written: Record<string, string>,
): void {
  const allowed = new Set(command ? flagsOf(command) : GLOBAL_FLAGS);
  for (const name of Object.keys(flags)) {
    if (allowed.has(name)) continue;
    const owners = COMMANDS.filter((c) => c.flags.includes(name)).map((c) => c.name);
    throw new UsageError(
      command
        ? `${command} does not take ${written[name]} (${owners.join(', ')} ${owners.length === 1 ? 'does' : 'do'})`
        : `${written[name]} belongs to a command (${owners.join(', ')}); add the command`,
      command,
    );
  }
  if (!command) return;
  const spec = commandSpec(command) as CommandSpec;
  spec.positionals.forEach((p, i) => {
    if (p.required && positionals[i] === undefined) {
      throw new UsageError(`${command} needs ${p.name} (e.g. ${spec.examples[0]})`, command);
    }
  });
  if (positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument '${positionals[spec.positionals.length]}' for ${command}`, command);
  }
  for (const name of spec.required ?? []) {
    if (!(name in flags)) {
      const f = flagSpec(name) as FlagSpec;
      throw new UsageError(`${command} needs ${display(f)} ${f.value} (e.g. ${spec.examples[0]})`, command);
    }
  }
  if (command === 'help' && positionals[0] !== undefined && !commandSpec(positionals[0])) {
    throw new UsageError(unknownCommand(positionals[0]), command);
  }
}

function convert(spec: FlagSpec, written: string, value: string): string | number {
  if (spec.kind === 'int') {
    const range = spec.min !== undefined && spec.max !== undefined ? ` from ${spec.min} to ${spec.max}` : '';
    const n = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (
      !Number.isSafeInteger(n) ||
      (spec.min !== undefined && n < spec.min) ||
      (spec.max !== undefined && n > spec.max)
    ) {
      throw new UsageError(`${written} must be a whole number${range}, got '${value}'`);
    }
    return n;
  }
  if (spec.choices && !spec.choices.includes(value.toLowerCase())) {
    throw new UsageError(`${written} must be one of ${spec.choices.join(', ')}; got '${value}'`);
  }
  if (value.trim() === '')
    throw new UsageError(`${written} needs a value (${spec.value ?? 'VALUE'}), got an empty one`);
  return spec.choices ? value.toLowerCase() : value;
}

function isNegativeNumber(arg: string): boolean {
  return /^-\d+(\.\d+)?$/.test(arg);
}

function display(spec: FlagSpec): string {
  return `--${spec.name}`;
}

function unknownCommand(word: string): string {
  const guess = closest(
    word,
    COMMANDS.map((c) => c.name),
  );
  return `unknown command '${word}'${guess ? ` — did you mean '${guess}'?` : ''} (see \`help\`)`;
}

function unknownFlag(written: string, words: string[]): string {
  const command = words.length ? (commandSpec(words[0])?.name ?? null) : null;
  const pool = FLAGS.flatMap((f) => [f.name, ...(f.aliases ?? [])]).map((n) => `--${n}`);
  const preferred = command ? flagsOf(command).map((n) => `--${n}`) : pool;
  const guess = closest(written, preferred) ?? closest(written, pool);
  return `unknown flag ${written}${guess ? ` — did you mean ${guess}?` : ''}`;
}
