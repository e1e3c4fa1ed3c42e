// What every command is handed once its line has parsed, and the small helpers they share.

import type { CommandEnv, CommandIO } from './env';
import { EXIT } from './env';
import { interruptible } from './interrupt';
import type { FlagValues } from './parse-args';

export interface CommandContext {
  env: CommandEnv;
  io: CommandIO;
  /** The IO's colour, unless --no-color turned it off. */
  color: boolean;
  flags: FlagValues;
  json: boolean;
  positionals: string[];
  /** By canonical flag name, the flag as typed (`--region`, `-r`): messages use the user's words. */
  written: Readonly<Record<string, string>>;
}

/** A command's work, resolving with its exit code. */
export type CommandRunner = (ctx: CommandContext) => Promise<number> | number;

/** Prints lines to stdout; a command that printed its answer has succeeded. */
export function print(io: CommandIO, lines: string[]): number {
  for (const l of lines) io.out(l);
  return EXIT.ok;
}

/** An API call that Ctrl+C gives up waiting for. */
export function call<T>(ctx: CommandContext, p: Promise<T>): Promise<T> {
  return interruptible(p, ctx.io.signal);
}

export function textFlag(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function numberFlag(flags: FlagValues, name: string): number | undefined {
  const v = flags[name];
  return typeof v === 'number' ? v : undefined;
}
