// Runs one `flylight` command line against a FlylightApi. The Node CLI and the dashboard's
// console pane both call runCommand, so grammar, output and exit codes are identical; only the
// IO (stdout vs a terminal widget) and the environment (a token and `serve` in a terminal, the
// app's own API in the console) differ.
//
// Exit codes: 0 ok, 1 the command failed, 2 the command was written wrong, 130 interrupted.

import { isUnreachable } from '../api';
import { ApiError } from '../errors';
import { VERSION } from '../version';
import { checkApiUrl } from './api-url';
import { COMMAND_RUNNERS } from './command-table';
import type { CommandContext } from './context';
import { print } from './context';
import { type CommandEnv, type CommandIO, EXIT } from './env';
import { nothingListening, oneLine, tokenRefused } from './failure-wording';
import { commandHelp, overviewHelp } from './help';
import { Interrupted } from './interrupt';
import { parseArgs } from './parse-args';
import { LocalInputError, UsageError } from './usage-error';
import { commandWords } from './where';

export async function runCommand(argv: string[], env: CommandEnv, io: CommandIO): Promise<number> {
  try {
    const parsed = parseArgs(commandWords(argv, env.where));
    const { command, flags, positionals } = parsed;
    const color = io.color && !flags['no-color'];
    if (flags.version || command === 'version') {
      io.out(`flylight ${VERSION}`);
      return EXIT.ok;
    }
    if (flags.help) return print(io, commandHelp(command ?? '', env.where, color));
    if (command === 'help') return print(io, commandHelp(positionals[0] ?? '', env.where, color));
    if (!command) {
      if (Object.keys(flags).length === 0) return print(io, overviewHelp(env.where, color));
      throw new UsageError('missing command (see `help`)');
    }
    // Without the CLI's credentials there is no token to pass and no other API to reach.
    if (flags.api !== undefined && !env.auth) {
      throw new UsageError('--api is not available in the console: it always talks to this app', command);
    }
    if (flags.token !== undefined && !env.auth) {
      throw new UsageError('--token is not available in the console: this window needs no token', command);
    }
    const ctx: CommandContext = { env, io, color, flags, json: flags.json === true, positionals };
    if (command !== 'serve' && command !== 'token') {
      if (env.auth) checkApiUrl(env.apiUrl, flags.api !== undefined ? '--api' : 'FLYLIGHT_API');
      if (env.auth?.problem) throw new UsageError(env.auth.problem, command);
    }
    return await COMMAND_RUNNERS[command](ctx);
  } catch (err) {
    return fail(err, env, io);
  }
}

function fail(err: unknown, env: CommandEnv, io: CommandIO): number {
  if (err instanceof Interrupted) return EXIT.interrupted;
  if (err instanceof UsageError || err instanceof LocalInputError) {
    io.err(`error: ${oneLine(err.message)}`);
    return EXIT.usage;
  }
  let message = err instanceof Error ? err.message : String(err);
  if (isUnreachable(err)) message = nothingListening(env);
  // The proxy's own 401 text is for any client; the CLI knows where its token came from.
  if (err instanceof ApiError && err.code === 'unauthorized') message = tokenRefused(env);
  io.err(`error: ${oneLine(message)}`);
  return EXIT.failed;
}
