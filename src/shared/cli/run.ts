// Runs one `flylight` command line against a FlylightApi. The Node CLI and the dashboard's
// console pane both call runCommand, so grammar, output and exit codes are identical; only the
// IO (stdout vs a terminal widget) and the transport (HTTP vs IPC) differ.
//
// Exit codes: 0 ok, 1 the command failed, 2 the command was written wrong, 130 interrupted.

import { type FlylightApi, isUnreachable, type SubscribeEvents } from '../api';
import { ApiError } from '../errors';
import type { LaunchRequest, StoreEvent, Vm } from '../types';
import { checkIdempotencyKey, checkRegion, validateLaunchQuery } from '../validation';
import { VERSION } from '../version';
import {
  destroyedLine,
  eventLine,
  jsonLines,
  launchedLine,
  machinesTable,
  paint,
  regionsTable,
  resetLine,
  sortKeys,
  statusLines,
  vmsTable,
} from './format';
import { type CommandName, type FlagValues, parseArgs, UsageError } from './grammar';
import { commandHelp, overviewHelp } from './help';
import { tokenCommand } from './token';

export interface CommandIO {
  /** One whole line, without a trailing newline. */
  out(text: string): void;
  err(text: string): void;
  color: boolean;
  /** Aborted by Ctrl+C: `watch` stops (exit 0), anything else gives up waiting (exit 130). */
  signal?: AbortSignal;
  /** Terminal width; long tables shrink their text columns to fit. */
  columns?: number;
  /**
   * Asks one question at a terminal and resolves with the answer line (null on end of input).
   * Absent when nobody can answer (no TTY, the console pane): then `reset` needs --yes.
   */
  prompt?(question: string): Promise<string | null>;
}

/** `flylight serve`'s options, already parsed and range-checked. */
export interface ServeFlags {
  port?: number;
  host?: string;
  regions?: string;
  flydIntervalMs?: number;
  dataDir?: string;
  ephemeral?: boolean;
  seed?: number;
  compatOpen?: boolean;
  /** Requests per second per token (burst: twice that). */
  rateLimit?: number;
}

export type TokenSource = 'flag' | 'env' | 'file';

/** The CLI's credentials. The console pane has none: its window needs no token. */
export interface CliAuth {
  /** Where the token sent with every call came from; null when none is sent. */
  source: TokenSource | null;
  /** The token file, for messages. */
  file: string;
  /** True when the file's token was not sent because --api points away from this computer. */
  withheld?: boolean;
  /** Why the given token cannot be used (a usage error), reported before any call. */
  problem?: string;
  /** The token in the file now, or null when there is none yet (`flylight token`). */
  stored(): string | null;
  /**
   * `flylight token --rotate`: a new token from the running host (or, when none answers, in the
   * file), which voids the old one. Resolves with the new token and where it was made.
   */
  rotate?(): Promise<{ token: string; via: 'host' | 'file' }>;
}

export interface CommandEnv {
  api: FlylightApi;
  subscribe: SubscribeEvents;
  /** Where the API is, for messages (and `--api` has already been applied by the caller). */
  apiUrl: string;
  where: 'cli' | 'console';
  /** Runs the headless host; only the Node CLI provides it. */
  serve?: (flags: ServeFlags, io: CommandIO) => Promise<number>;
  /** Only the Node CLI has a token; the console pane's window needs none. */
  auth?: CliAuth;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export function nothingListening(apiUrl: string, where: 'cli' | 'console'): string {
  const hint = where === 'cli' ? ' (or pass --api URL)' : '';
  return `nothing is listening at ${apiUrl} — start Flylight with \`npm start\` or \`flylight serve\`${hint}`;
}

/** Checks an --api / FLYLIGHT_API value; returns it without a trailing slash. */
export function checkApiUrl(raw: string, label = '--api'): string {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new UsageError(`${label} must be an http:// or https:// URL such as http://127.0.0.1:3030; got '${raw}'`);
  }
  return raw.replace(/\/+$/, '');
}

class Interrupted extends Error {}

/** Local checks that failed before anything was sent: the command line was wrong (exit 2). */
class LocalInputError extends Error {}

export async function runCommand(argv: string[], env: CommandEnv, io: CommandIO): Promise<number> {
  const args = env.where === 'console' && argv[0] === 'flylight' ? argv.slice(1) : argv;
  try {
    const parsed = parseArgs(args);
    const color = io.color && !parsed.flags['no-color'];
    const ctx: Ctx = { env, io, color, flags: parsed.flags, json: parsed.flags.json === true };
    if (parsed.flags.version || parsed.command === 'version') {
      io.out(`flylight ${VERSION}`);
      return EXIT.ok;
    }
    if (parsed.flags.help) return print(io, commandHelp(parsed.command ?? '', env.where, color));
    if (parsed.command === 'help') return print(io, commandHelp(parsed.positionals[0] ?? '', env.where, color));
    if (!parsed.command) {
      if (Object.keys(parsed.flags).length === 0) return print(io, overviewHelp(env.where, color));
      throw new UsageError('missing command (see `help`)');
    }
    if (parsed.flags.api !== undefined && env.where === 'console') {
      throw new UsageError('--api is not available in the console: it always talks to this app', parsed.command);
    }
    if (parsed.flags.token !== undefined && env.where === 'console') {
      throw new UsageError('--token is not available in the console: this window needs no token', parsed.command);
    }
    if (parsed.command === 'serve') return await serve(ctx);
    if (parsed.command === 'token') return await tokenCommand(ctx);
    if (env.where === 'cli') checkApiUrl(env.apiUrl, parsed.flags.api !== undefined ? '--api' : 'FLYLIGHT_API');
    if (env.auth?.problem) throw new UsageError(env.auth.problem, parsed.command);
    return await dispatch(parsed.command, parsed.positionals, ctx);
  } catch (err) {
    return fail(err, env, io);
  }
}

interface Ctx {
  env: CommandEnv;
  io: CommandIO;
  color: boolean;
  flags: FlagValues;
  json: boolean;
}

function print(io: CommandIO, lines: string[]): number {
  for (const l of lines) io.out(l);
  return EXIT.ok;
}

function fail(err: unknown, env: CommandEnv, io: CommandIO): number {
  if (err instanceof Interrupted) return EXIT.interrupted;
  if (err instanceof UsageError || err instanceof LocalInputError) {
    io.err(`error: ${oneLine(err.message)}`);
    return EXIT.usage;
  }
  let message = err instanceof Error ? err.message : String(err);
  if (isUnreachable(err)) {
    message = nothingListening(env.apiUrl, env.where);
  }
  // The proxy's own 401 text is for any client; the CLI knows where its token came from.
  if (err instanceof ApiError && err.code === 'unauthorized') message = tokenRefused(env);
  io.err(`error: ${oneLine(message)}`);
  return EXIT.failed;
}

/** One line for a 401: which token was refused and how to get the right one. Never the token. */
export function tokenRefused(env: Pick<CommandEnv, 'where' | 'auth' | 'apiUrl'>): string {
  const how = '`flylight token` prints the right one';
  const auth = env.auth;
  if (env.where === 'console' || !auth) {
    return "the API refused this page's session: open the dashboard link that `flylight serve` prints, or run `flylight token` in a terminal";
  }
  switch (auth.source) {
    case 'flag':
      return `the API refused the token given with --token: ${how}`;
    case 'env':
      return `the API refused the token in FLYLIGHT_TOKEN: ${how}`;
    case 'file':
      return `the API refused the token in ${auth.file}: is ${env.apiUrl} another Flylight? Pass its token with --token or FLYLIGHT_TOKEN (\`flylight token\` prints it on that host)`;
    default:
      if (auth.withheld) {
        return `the API needs a token: the one in ${auth.file} is sent only to this computer's own addresses, so pass the token of ${env.apiUrl} with --token or FLYLIGHT_TOKEN`;
      }
      return `the API needs a token and none was found: start Flylight once (\`npm start\` or \`flylight serve\`) to create ${auth.file}, or pass one with --token or FLYLIGHT_TOKEN`;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Waits for `p`, or throws Interrupted as soon as the IO's signal aborts. */
function interruptible<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Pauses before each retry of a launch that met a restarting worker: about 4 s in all. */
export const LAUNCH_RETRY_MS: readonly number[] = [250, 500, 1000, 2000];

/**
 * A launch that a restarting worker refused (503), that timed out (504), or whose connection
 * dropped before the answer, is retried under the same Idempotency-Key: the proxy returns the
 * VM if the first try did launch it, so a retry never starts a second one.
 */
async function launchRetrying(api: FlylightApi, req: LaunchRequest, key: string, ctx: Ctx): Promise<Vm> {
  const { io, color } = ctx;
  // Once a host has answered, a refused connection is its proxy restarting, not a missing host.
  let reached = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await interruptible(api.launch(req, { idempotencyKey: key }), io.signal);
    } catch (err) {
      const wait = LAUNCH_RETRY_MS[attempt];
      const refused = isUnreachable(err);
      if (wait === undefined || !(worthRetrying(err) || (refused && reached))) throw err;
      reached ||= !refused;
      io.err(paint(`${oneLine((err as Error).message)}; retrying in ${wait / 1000} s`, 'dim', color));
      await interruptible(new Promise((r) => setTimeout(r, wait)), io.signal);
    }
  }
}

function worthRetrying(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.code === 'timeout') return true;
  // "Nothing answers" on the first try means no host runs there: say so at once, not in 4 s.
  return err.code === 'unavailable' && !isUnreachable(err);
}

/** 128 random bits; getRandomValues works in every context (randomUUID needs a secure one). */
export function newIdempotencyKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return `cli-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function str(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

function num(flags: FlagValues, name: string): number | undefined {
  const v = flags[name];
  return typeof v === 'number' ? v : undefined;
}

async function dispatch(command: CommandName, positionals: string[], ctx: Ctx): Promise<number> {
  const { env, io, color, json, flags } = ctx;
  const call = <T>(p: Promise<T>) => interruptible(p, io.signal);
  const opts = { color, width: io.columns };
  switch (command) {
    case 'regions': {
      let regions = await call(env.api.regions());
      const filter = str(flags, 'filter');
      if (filter) regions = regions.filter((r) => r.status.toLowerCase().includes(filter.toLowerCase()));
      const key = (str(flags, 'sort') ?? 'code') as 'code' | 'location' | 'status';
      regions = [...regions].sort((a, b) => a[key].localeCompare(b[key]) || a.code.localeCompare(b.code));
      if (json) return print(io, jsonLines({ regions }));
      if (regions.length === 0) {
        return print(io, [filter ? `No region has a status matching '${filter}'.` : 'No regions are loaded.']);
      }
      return print(io, regionsTable(regions, opts));
    }
    case 'machines': {
      const machines = await call(env.api.machines(positionals[0]));
      if (json) return print(io, jsonLines({ machines }));
      if (machines.length === 0) return print(io, [`Region ${positionals[0].toUpperCase()} has no machines.`]);
      return print(io, machinesTable(machines, opts));
    }
    case 'launch': {
      const query = new URLSearchParams();
      query.set('vm_region', str(flags, 'vm-region') ?? '');
      query.set('vm_memory', str(flags, 'vm-memory') ?? '');
      query.set('vm_cores', str(flags, 'vm-cores') ?? '');
      const n = str(flags, 'num-candidates');
      if (n !== undefined) query.set('num_candidates', n);
      let req: ReturnType<typeof validateLaunchQuery>;
      try {
        // The seed's /launch parameters are exactly these flags, so its validation — and its
        // messages, word for word — apply before anything is sent.
        req = validateLaunchQuery(query);
      } catch (err) {
        throw new LocalInputError(err instanceof Error ? err.message : String(err));
      }
      let key: string;
      try {
        key = checkIdempotencyKey(str(flags, 'idempotency-key')) ?? newIdempotencyKey();
      } catch (err) {
        throw new LocalInputError(err instanceof Error ? err.message : String(err));
      }
      const vm = await launchRetrying(env.api, req, key, ctx);
      if (json) return print(io, jsonLines(vm));
      return print(io, [launchedLine(vm, color)]);
    }
    case 'vms': {
      const region = str(flags, 'vm-region');
      const vms = await call(env.api.vms(region));
      if (json) return print(io, jsonLines({ vms }));
      if (vms.length === 0) return print(io, [region ? `No VMs in ${region.toUpperCase()}.` : 'No VMs.']);
      return print(io, vmsTable(vms, opts));
    }
    case 'destroy': {
      const vm = await call(env.api.destroy(positionals[0]));
      if (json) return print(io, jsonLines(vm));
      return print(io, [destroyedLine(vm, color)]);
    }
    case 'status': {
      const st = await call(env.api.status());
      if (json) return print(io, jsonLines(st));
      return print(io, statusLines(st, color));
    }
    case 'watch':
      return watch(ctx);
    case 'reset':
      return reset(ctx);
    default:
      throw new UsageError(`${command} cannot run here`);
  }
}

async function watch(ctx: Ctx): Promise<number> {
  const { env, io, color, json, flags } = ctx;
  const asked = str(flags, 'vm-region');
  // Ask once first: a dead API, a refused token or an unknown region is an error now, not an
  // endless retry loop. (The region list needs the token; /healthz would not tell.)
  let region: string | null = null;
  const regions = await interruptible(env.api.regions(), io.signal);
  if (asked !== undefined) {
    region = checkRegion(
      asked,
      regions.map((r) => r.code),
      'vm_region',
    );
  }
  if (io.signal?.aborted) return EXIT.ok;

  // Progress notes go to stderr under --json so stdout stays one JSON event per line.
  const note = (text: string) => (json ? io.err(text) : io.out(paint(text, 'gray', color)));
  return new Promise<number>((resolve) => {
    let opened = false;
    let lost = false;
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      io.signal?.removeEventListener('abort', stop);
      sub.close();
      resolve(code);
    };
    const stop = () => finish(EXIT.ok);
    const onEvent = (e: StoreEvent) => {
      if (done) return;
      if (region && e.type === 'machine' && e.machine.region.toUpperCase() !== region.toUpperCase()) return;
      io.out(json ? JSON.stringify(sortKeys(e)) : eventLine(e, color));
    };
    const sub = env.subscribe(onEvent, (state, detail) => {
      if (done) return;
      if (state === 'open') {
        if (!opened)
          note(
            `Watching ${region ?? 'every region'} at ${env.apiUrl}${env.where === 'cli' ? ' (Ctrl+C to stop)' : ''}`,
          );
        else if (lost) note('Reconnected.');
        opened = true;
        lost = false;
      } else if (state === 'connecting' && detail) {
        lost = true;
        note(`${opened ? 'Connection lost' : 'Cannot open the event stream'}: ${detail}`);
      } else if (state === 'closed' && detail) {
        io.err(
          `error: ${/\banswered 401\b/.test(detail) ? tokenRefused(env) : `the event stream closed: ${oneLine(detail)}`}`,
        );
        finish(EXIT.failed);
      }
    });
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
}

async function reset(ctx: Ctx): Promise<number> {
  const { env, io, flags, json, color } = ctx;
  const call = <T>(p: Promise<T>) => interruptible(p, io.signal);
  if (flags.yes !== true) {
    if (env.where === 'console') {
      throw new UsageError(
        "reset destroys every VM and returns the fleet to its bootstrap state: type `reset --yes` to do it (or use Reset fleet… in the dashboard's menu)",
        'reset',
      );
    }
    if (!io.prompt) {
      throw new UsageError(
        'reset destroys every VM, and there is no terminal here to confirm it: pass --yes to reset without asking',
        'reset',
      );
    }
    const vms = (await call(env.api.status())).fleet.vms;
    const answer = await call(io.prompt(resetQuestion(vms)));
    if (answer?.trim() !== 'reset') {
      io.err('Reset cancelled: nothing was changed.');
      return EXIT.failed;
    }
  }
  const report = await call(env.api.reset());
  if (json) return print(io, jsonLines(report));
  return print(io, [resetLine(report, color)]);
}

export function resetQuestion(vms: number): string {
  const what =
    vms === 0
      ? 'There are no VMs. This returns every machine to its bootstrap state.'
      : vms === 1
        ? 'This destroys the one VM and returns the fleet to its bootstrap state.'
        : `This destroys all ${vms} VMs and returns the fleet to its bootstrap state.`;
  return `${what} Type 'reset' to confirm: `;
}

async function serve(ctx: Ctx): Promise<number> {
  const { env, io, flags } = ctx;
  if (env.where === 'console' || !env.serve) {
    io.err('error: serve is only available from a terminal: run `flylight serve` there');
    return EXIT.failed;
  }
  if (flags.token !== undefined) {
    throw new UsageError(
      'serve takes no --token: it uses the token in the config directory, creating it on first start (`flylight token` prints it)',
      'serve',
    );
  }
  return env.serve(
    {
      port: num(flags, 'port'),
      host: str(flags, 'listen'),
      regions: str(flags, 'regions'),
      flydIntervalMs: num(flags, 'flyd-interval'),
      dataDir: str(flags, 'data-dir'),
      ephemeral: flags.ephemeral === true ? true : undefined,
      seed: num(flags, 'seed'),
      compatOpen: flags['compat-open'] === true ? true : undefined,
      rateLimit: num(flags, 'rate-limit'),
    },
    io,
  );
}
