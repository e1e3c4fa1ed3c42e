// What a command runs with: its IO (a terminal or the console pane's widget) and its
// environment (the API, the event stream and, in a terminal, a token and a way to serve).
// A command decides what it may do from what is here, not from where it runs.

import type { FlylightApi, SubscribeEvents } from '../api';
import type { LoadRunner } from '../load/runners';
import type { FollowLogs } from '../log-follow';
import type { Strategy } from '../placement';
import type { ScenarioFiles } from '../scenario';
import type { Where } from './where';

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
  /**
   * Shows a line that the next status() replaces in place (`load`'s live figures); the next
   * out() or err() clears it first. Absent where nothing can be redrawn (a pipe, a log).
   */
  status?(line: string): void;
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
  /** Placement strategy for launches that name none (the parser checked it is one). */
  strategy?: Strategy;
  /** `--store`: lmdb (default) or etcd://… / etcd+https://… (checked by serve). */
  store?: string;
  etcdCacert?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdUser?: string;
  /** `--lease-ttl`: seconds (the parser checked the range). */
  leaseTtlS?: number;
  /** `--timing`: instant, realistic or a JSON file's path (read by the Node side). */
  timing?: string;
  /** `--speed`, as typed (checked where the config is built). */
  speed?: string;
  /** `--json`: where it listens, as one JSON line, instead of the dashboard line. */
  json?: boolean;
  /** `--scenario NAME|DIR`: a shipped scenario's name or a scenario directory (read by the Node side). */
  scenario?: string;
}

/** A terminal's file system, for `scenario export|import DIR`. */
export interface ScenarioFilesIO {
  /** Writes the files into `dir` (created if need be); answers the path and the names written. */
  write(dir: string, files: ScenarioFiles): Promise<{ dir: string; names: string[] }>;
  /** Reads a scenario directory; a LocalInputError says what is missing. */
  read(dir: string): Promise<{ dir: string; files: ScenarioFiles }>;
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
  /** How commands are written and worded here (see where.ts); never what they may do. */
  where: Where;
  /** Follows the host's log (`logs --follow`); absent where no HTTP stream can be opened. */
  followLogs?: FollowLogs;
  /** Reads and writes scenario directories; only the Node CLI provides it. */
  scenarioFiles?: ScenarioFilesIO;
  /** Runs the headless host; only the Node CLI provides it. */
  serve?: (flags: ServeFlags, io: CommandIO) => Promise<number>;
  /**
   * The token and where it came from; only the Node CLI has one. Without it there is no token
   * to pass and no other API to point at: --api, --token and `token` are refused.
   */
  auth?: CliAuth;
  /**
   * Runs `load` here, against the port (the CLI). Without it `load` asks the host to run it
   * (the console pane), as the dashboard's panel does.
   */
  load?: LoadRunner;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;
