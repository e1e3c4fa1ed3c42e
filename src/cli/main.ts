// The Node side of the `flylight` CLI: real stdout/stderr, signals, HTTP transport and SSE.
// Everything about commands — grammar, help, output — is in src/shared/cli.

import { createApiClient, fetchTransport } from '../shared/api';
import { parseArgs } from '../shared/cli/grammar';
import { type CommandIO, runCommand } from '../shared/cli/run';
import { DEFAULT_API } from '../shared/config';
import { sseSubscriber } from '../shared/sse';
import { runServe } from './serve';

export type Env = Record<string, string | undefined>;

/** Colour only for a person at a terminal: https://no-color.org, and FORCE_COLOR for CI logs. */
export function wantsColor(env: Env, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

/** --api wins over FLYLIGHT_API; a line that does not parse is reported by runCommand. */
export function apiUrlFrom(argv: string[], env: Env): string {
  let flag: string | undefined;
  try {
    const api = parseArgs(argv).flags.api;
    if (typeof api === 'string') flag = api;
  } catch {
    // runCommand reports it
  }
  const raw = flag ?? (env.FLYLIGHT_API?.trim() ? env.FLYLIGHT_API.trim() : DEFAULT_API);
  return raw.replace(/\/+$/, '');
}

export async function main(argv: string[]): Promise<number> {
  const env = process.env;
  const apiUrl = apiUrlFrom(argv, env);
  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    // The first asks politely (watch stops, serve shuts down cleanly); the second insists.
    if (signals > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `flylight regions | head -1`: the reader left; that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });

  const io: CommandIO = {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    color: wantsColor(env, process.stdout.isTTY === true),
    signal: controller.signal,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  };
  return runCommand(
    argv,
    {
      api: createApiClient(fetchTransport(apiUrl)),
      subscribe: sseSubscriber(apiUrl),
      apiUrl,
      where: 'cli',
      serve: (flags, cmdIo) => runServe(flags, cmdIo),
    },
    io,
  );
}
