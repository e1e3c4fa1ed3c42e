// Runs one `flylight` command line against a FlylightApi. The Node CLI and the dashboard's
// console pane both call runCommand, so grammar, output and exit codes are identical; only the
// IO (stdout vs a terminal widget) and the environment (a token and `serve` in a terminal, the
// app's own API in the console) differ.
//
// Exit codes (one rule, in failure-report.ts and the README): 0 ok, 1 the platform refused or
// could not, 2 the line is wrong, 130 interrupted.

import { VERSION } from '../version';
import { checkApiUrl } from './api-url';
import { COMMAND_RUNNERS } from './command-table';
import type { CommandContext } from './context';
import { print } from './context';
import type { CommandEnv, CommandIO } from './env';
import { asksForJson, describeFailure, reportFailure } from './failure-report';
import { commandHelp, overviewHelp } from './help';
import { jsonLines } from './json-lines';
import { stripAnsi } from './paint';
import { type Parsed, parseArgs } from './parse-args';
import { UsageError } from './usage-error';
import { commandWords } from './where';

export async function runCommand(argv: string[], env: CommandEnv, io: CommandIO): Promise<number> {
  let parsed: Parsed | null = null;
  try {
    parsed = parseArgs(commandWords(argv, env.where));
    const { command, flags, positionals } = parsed;
    const json = flags.json === true;
    const color = io.color && !flags['no-color'] && !json;
    if (flags.version || command === 'version') {
      return print(io, json ? jsonLines({ version: VERSION }) : [`flylight ${VERSION}`]);
    }
    // Help is prose; under --json it comes as one string, so a script still reads one object.
    const help = (lines: string[]) => print(io, json ? jsonLines({ help: lines.join('\n') }) : lines);
    if (flags.help) return help(commandHelp(command ?? '', env.where, color));
    if (command === 'help') return help(commandHelp(positionals[0] ?? '', env.where, color));
    if (!command) {
      if (Object.keys(flags).length === 0) return help(overviewHelp(env.where, color));
      throw new UsageError('missing command (see `help`)');
    }
    // Without the CLI's credentials there is no token to pass and no other API to reach.
    if (flags.api !== undefined && !env.auth) {
      throw new UsageError('--api is not available in the console: it always talks to this app', command);
    }
    if (flags.token !== undefined && !env.auth) {
      throw new UsageError('--token is not available in the console: this window needs no token', command);
    }
    // Under --json stderr is JSON too: a note (a retry, a rotation's effect) is {"note": "…"}.
    const cmdIo: CommandIO = json ? { ...io, err: (line) => io.err(JSON.stringify({ note: stripAnsi(line) })) } : io;
    const ctx: CommandContext = { env, io: cmdIo, color, flags, json, positionals, written: parsed.written };
    if (command !== 'serve' && command !== 'token') {
      if (env.auth) checkApiUrl(env.apiUrl, flags.api !== undefined ? '--api' : 'FLYLIGHT_API');
      if (env.auth?.problem) throw new UsageError(env.auth.problem, command);
    }
    return await COMMAND_RUNNERS[command](ctx);
  } catch (err) {
    const json = parsed ? parsed.flags.json === true : asksForJson(argv);
    return reportFailure(describeFailure(err, env, parsed?.written), io, json);
  }
}
