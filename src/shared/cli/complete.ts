// Tab completion for the console pane: command names, the flags of the command being typed
// (or every flag while the command is not written yet — flags may come first), region codes
// after a region flag or `machines`, and the fixed choices of --sort. In the console pane it
// leaves out what only a terminal can run (serve, token) and the flags only they or the
// terminal take (--port, --api, --token, …): offering them would only lead to a refusal.
//
// The caller replaces line.slice(start, end) with a candidate (adding a space when it is the
// only one) and leaves the rest of the line as it is.

import { COMMANDS, type CommandName, commandSpec, flagsOf } from './command-specs';
import { FLAGS, type FlagSpec, flagSpec, shortFlagSpec } from './flag-specs';
import { tokenize } from './shell-words';
import type { Where } from './where';

/** What Tab offers: replace line.slice(start, end) with one of the candidates. */
export interface Completion {
  start: number;
  end: number;
  candidates: string[];
}

export interface CompleteOptions {
  /** Default 'cli'. */
  where?: Where;
}

/** Flags that mean nothing in the console: the terminal's own, and those of terminal-only commands. */
function consoleHidden(): Set<string> {
  const hidden = new Set(['api', 'token']);
  for (const f of FLAGS) {
    const owners = COMMANDS.filter((c) => c.flags.includes(f.name));
    if (owners.length > 0 && owners.every((c) => c.terminalOnly)) hidden.add(f.name);
  }
  return hidden;
}

export function complete(line: string, cursor: number, regionCodes: string[], opts: CompleteOptions = {}): Completion {
  const inConsole = opts.where === 'console';
  const hiddenFlags = inConsole ? consoleHidden() : new Set<string>();
  const commands = COMMANDS.filter((c) => !(inConsole && c.terminalOnly)).map((c) => c.name);
  const at = Math.max(0, Math.min(cursor, line.length));
  const before = line.slice(0, at);
  const { tokens, open } = tokenize(before);
  const fresh = open === null && (before === '' || /\s$/.test(before));
  const current = fresh ? null : tokens[tokens.length - 1];
  const prior = fresh ? tokens : tokens.slice(0, -1);
  const start = current ? current.start : at;
  let end = at;
  while (end < line.length && !/\s/.test(line[end])) end++;
  const prefix = current?.value ?? '';
  const done = (candidates: string[]): Completion => ({ start, end, candidates });

  const words = prior.map((t) => t.value);
  if (words[0] === 'flylight') words.shift();
  const state = scan(words);

  if (state.awaiting) return done(valuesOf(state.awaiting, prefix, regionCodes));
  if (prefix.startsWith('-')) {
    const eq = prefix.indexOf('=');
    if (eq > 0) {
      const spec = flagSpec(prefix.slice(2, eq));
      if (!spec || spec.kind === 'bool') return done([]);
      return done(valuesOf(spec, prefix.slice(eq + 1), regionCodes).map((v) => `${prefix.slice(0, eq + 1)}${v}`));
    }
    const names = flagsOf(state.command).flatMap((n) => {
      const spec = flagSpec(n) as FlagSpec;
      return state.used.has(spec.name) || hiddenFlags.has(spec.name) ? [] : [spec.name, ...(spec.aliases ?? [])];
    });
    return done(
      byPrefix(
        names.map((n) => `--${n}`),
        prefix,
      ),
    );
  }
  if (!state.command) return done(byPrefix(commands, prefix));
  const positional = commandSpec(state.command)?.positionals[state.positionals];
  if (positional?.regionValue) return done(regionsByPrefix(regionCodes, prefix));
  if (positional?.commandValue) return done(byPrefix(commands, prefix));
  if (positional?.choices) return done(byPrefix([...positional.choices], prefix.toLowerCase()));
  return done([]);
}

interface ScanState {
  command: CommandName | null;
  positionals: number;
  used: Set<string>;
  /** The flag whose value is being typed. */
  awaiting: FlagSpec | null;
}

function scan(words: string[]): ScanState {
  const state: ScanState = { command: null, positionals: 0, used: new Set(), awaiting: null };
  for (const w of words) {
    if (state.awaiting) {
      state.awaiting = null;
      continue;
    }
    if (w.startsWith('-') && w !== '-') {
      const eq = w.indexOf('=');
      const spec = w.startsWith('--') ? flagSpec(w.slice(2, eq < 0 ? undefined : eq)) : shortFlagSpec(w.slice(1));
      if (!spec) continue;
      state.used.add(spec.name);
      if (spec.kind !== 'bool' && eq < 0) state.awaiting = spec;
      continue;
    }
    if (!state.command) {
      state.command = commandSpec(w)?.name ?? null;
      continue;
    }
    state.positionals++;
  }
  return state;
}

function valuesOf(spec: FlagSpec, prefix: string, regionCodes: string[]): string[] {
  if (spec.regionValue) return regionsByPrefix(regionCodes, prefix);
  if (spec.choices) return byPrefix([...spec.choices], prefix.toLowerCase());
  return [];
}

function byPrefix(names: string[], prefix: string): string[] {
  return [...new Set(names.filter((n) => n.startsWith(prefix)))].sort();
}

function regionsByPrefix(codes: string[], prefix: string): string[] {
  const p = prefix.toUpperCase();
  return [...new Set(codes.map((c) => c.toUpperCase()).filter((c) => c.startsWith(p)))].sort();
}
