// The Node side of the `flylight` CLI: real stdout/stderr, signals, HTTP transport and SSE.
// Everything about commands — grammar, help, output — is in src/shared/cli.

import { defaultConfigDir } from '../main/common/paths';
import { readToken, TOKEN_PATTERN, tokenPath } from '../main/common/token';
import { endpointPath, liveEndpoint } from '../main/host/endpoint';
import { type ConnectionState, createApiClient, type EventSubscription } from '../shared/api';
import type { CliAuth, CommandIO } from '../shared/cli/env';
import { asksForJson } from '../shared/cli/failure-report';
import { parseArgs } from '../shared/cli/parse-args';
import { runCommand } from '../shared/cli/run';
import { DEFAULT_API } from '../shared/config';
import type { LogRecord } from '../shared/host-log';
import { logFollower } from '../shared/log-follow';
import { sseSubscriber } from '../shared/sse';
import { proveHost, provenTransport } from './hello';
import { httpTransport } from './http-transport';
import { cliLoadRunner, liveLines } from './load';
import { terminalPrompt } from './prompt';
import { rotateToken } from './rotate';
import { scenarioFilesIO } from './scenario-files';
import { isLoopback } from './serve-config';

export type Env = Record<string, string | undefined>;

/** Colour only for a person at a terminal: https://no-color.org, and FORCE_COLOR for CI logs. */
export function wantsColor(env: Env, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

/**
 * --api wins over FLYLIGHT_API; without either, the address a running host published beside
 * the token (it may have moved off 3030), else the default. A line that does not parse is
 * reported by runCommand.
 */
export function apiUrlFrom(argv: string[], env: Env, configDir: string = defaultConfigDir()): string {
  let flag: string | undefined;
  try {
    const api = parseArgs(argv).flags.api;
    if (typeof api === 'string') flag = api;
  } catch {
    // runCommand reports it
  }
  const given = flag ?? (env.FLYLIGHT_API?.trim() ? env.FLYLIGHT_API.trim() : undefined);
  const raw = given ?? liveEndpoint(endpointPath(configDir))?.url ?? DEFAULT_API;
  return raw.replace(/\/+$/, '');
}

/** Opens the event stream (which carries the token) only after the host's proof. */
function provenSubscriber<T>(
  subscribe: (onEvent: (e: T) => void, onState?: (s: ConnectionState, detail?: string) => void) => EventSubscription,
  prove: () => Promise<void>,
): typeof subscribe {
  return (onEvent, onState) => {
    let inner: EventSubscription | null = null;
    let closed = false;
    prove().then(
      () => {
        if (!closed) inner = subscribe(onEvent, onState);
      },
      (err: unknown) => {
        if (!closed) onState?.('closed', err instanceof Error ? err.message : String(err));
      },
    );
    return {
      close: () => {
        closed = true;
        inner?.close();
      },
    };
  };
}

/**
 * The token to send: --token, then FLYLIGHT_TOKEN, then the file the host created. The file's
 * token goes only to this computer's own addresses: pointing --api elsewhere must not hand
 * the local host's key to another machine (pass that machine's token explicitly).
 */
export function resolveToken(
  argv: string[],
  env: Env,
  apiUrl: string,
  configDir: string = defaultConfigDir(),
): { token: string | null; auth: CliAuth } {
  const file = tokenPath(configDir);
  const stored = (): string | null => {
    try {
      return readToken(configDir);
    } catch (err) {
      throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  let flag: string | undefined;
  try {
    const t = parseArgs(argv).flags.token;
    if (typeof t === 'string') flag = t;
  } catch {
    // runCommand reports it
  }
  const fromEnv = env.FLYLIGHT_TOKEN?.trim() ? env.FLYLIGHT_TOKEN.trim() : undefined;
  const given =
    flag !== undefined
      ? { token: flag.trim(), source: 'flag' as const }
      : fromEnv !== undefined
        ? { token: fromEnv, source: 'env' as const }
        : null;
  if (given) {
    if (TOKEN_PATTERN.test(given.token)) return { token: given.token, auth: { source: given.source, file, stored } };
    // Never echo the value: it may be a real token with a typo, or some other secret.
    const what = given.source === 'flag' ? '--token' : 'FLYLIGHT_TOKEN';
    const problem = `${what} is not a Flylight token (43 letters, digits, - and _; \`flylight token\` prints the right one)`;
    return { token: null, auth: { source: null, file, stored, problem } };
  }
  let local = false;
  try {
    local = isLoopback(new URL(apiUrl).hostname);
  } catch {
    // a malformed --api is reported by runCommand
  }
  let token: string | null = null;
  try {
    token = stored();
  } catch {
    // unreadable: `flylight token` says why; other commands go without and get the 401 hint
  }
  if (token && !local) return { token: null, auth: { source: null, file, stored, withheld: true } };
  return { token, auth: { source: token ? 'file' : null, file, stored } };
}

export async function main(argv: string[]): Promise<number> {
  // A local tool outside the API grammar (no host, no token): see gen-fleet.ts.
  if (argv[0] === 'gen-fleet') return (await import('./gen-fleet')).genFleetMain(argv.slice(1));
  const env = process.env;
  const apiUrl = apiUrlFrom(argv, env);
  const { token, auth } = resolveToken(argv, env, apiUrl);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  // The token goes nowhere until the server proves it holds it too: one round trip per process.
  // A failed check is asked again next time (a restarting host may answer a retry); a refused
  // proof is not retried by anyone, since launch retries only unavailable answers.
  let proof: Promise<void> | null = null;
  const prove = () => {
    if (!proof) {
      const p = token ? proveHost(apiUrl, token) : Promise.resolve();
      proof = p;
      p.catch(() => {
        if (proof === p) proof = null;
      });
    }
    return proof;
  };
  auth.rotate = () =>
    rotateToken({
      // Proven first, like every other call that carries the token.
      transport: provenTransport(httpTransport(apiUrl, headers), prove),
      hasToken: token !== null,
      configDir: defaultConfigDir(),
    });
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
  // `flylight regions | head -1`: the reader left; that is not an error. `serve` then stops as
  // on Ctrl+C (FlyD's queues flushed, the store closed) instead of dropping everything at once.
  let serving = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') return;
    if (serving) controller.abort();
    else process.exit(0);
  });

  // On a terminal a status line (load's live figures) is redrawn in place.
  const lines = process.stdout.isTTY ? liveLines(process.stdout, process.stderr) : null;
  const io: CommandIO = {
    out: lines?.out ?? ((line) => void process.stdout.write(`${line}\n`)),
    err: lines?.err ?? ((line) => void process.stderr.write(`${line}\n`)),
    status: lines?.status,
    color: wantsColor(env, process.stdout.isTTY === true),
    signal: controller.signal,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  };
  // Only a person at a terminal can confirm; a script has to say --yes.
  if (process.stdin.isTTY) {
    io.prompt = terminalPrompt({
      input: process.stdin,
      output: process.stderr,
      signal: controller.signal,
      onInterrupt: onSignal,
    });
  }
  // A shared fleet's host cut off from etcd's quorum still answers reads from its own copy: say so, once.
  let warnedStale = false;
  const onStale = (reason: string | null) => {
    if (reason === null || warnedStale) return;
    warnedStale = true;
    const line = `warning: this host's copy of the fleet may be stale: ${reason}`;
    io.err(asksForJson(argv) ? JSON.stringify({ note: line }) : line);
  };
  return runCommand(
    argv,
    {
      api: createApiClient(provenTransport(httpTransport(apiUrl, headers), prove), onStale),
      subscribe: provenSubscriber(sseSubscriber(apiUrl, { headers }), prove),
      followLogs: (q, onRecord, onState) =>
        provenSubscriber(
          (on: (r: LogRecord) => void, st?: (s: ConnectionState, d?: string) => void) =>
            logFollower(apiUrl, { headers })(q, on, st),
          prove,
        )(onRecord, onState),
      apiUrl,
      where: 'cli',
      // The host's code loads only for `serve`: every other command stays a small client.
      serve: async (flags, cmdIo) => {
        serving = true;
        return (await import('./serve')).runServe(flags, cmdIo);
      },
      scenarioFiles: scenarioFilesIO(),
      auth,
      load: cliLoadRunner(apiUrl, headers, prove),
    },
    io,
  );
}
