// Host configuration, built once by the CLI or the Electron entry and handed to every worker.

import type { Strategy } from './placement';
import type { ScenarioFiles } from './scenario';
import type { EtcdStoreConfig } from './store-spec';
import type { TimingProfile } from './timing';

export interface HostConfig {
  /** Address the proxy binds; loopback unless the user explicitly asks otherwise. */
  host: string;
  /** 0 lets the OS pick. */
  port: number;
  /** Absolute path of the bootstrap CSV. */
  regionsFile: string;
  flydIntervalMs: number;
  /** Candidates the orchestrator asks the store for. */
  numCandidates: number;
  /** Seeds the store's shuffle, the orchestrator's placement and the lifecycle's timing draws so a run replays; undefined = random. */
  seed?: number;
  /** Placement strategy for launches that name none (`serve --strategy`); default random. */
  strategy?: Strategy;
  /**
   * How long lifecycle stages take and how often they fail (`--timing instant|realistic|FILE`);
   * absent means the realistic profile.
   */
  timing?: TimingProfile;
  /** The simulated clock runs this many times faster than the wall (`--speed`); default 1. */
  speed?: number;
  /**
   * `serve --scenario`: the host starts from this scenario (its files' text, read by the CLI).
   * Its regions and machines replace the regions file as the bootstrap fleet (what a reset
   * returns to); its VMs and statuses are imported once, when the host starts.
   */
  scenario?: { name: string; files: ScenarioFiles };
  /** Durable data directory; null keeps everything in memory (`--ephemeral`). */
  dataDir: string | null;
  /**
   * A fleet shared with other hosts through etcd (`--store etcd://…`); the data directory then
   * holds only logs. Absent or null: the embedded store in dataDir.
   */
  store?: EtcdStoreConfig | null;
  /** Directory of the built dashboard, served by the proxy at `/`; null serves none. */
  staticDir: string | null;
  /** Deadline of one worker RPC call. */
  rpcTimeoutMs: number;
  /** Pretty logs for a terminal, JSON lines otherwise. */
  logFormat: 'pretty' | 'json' | 'silent';
  /** Print the "Flylight proxy listening on URL" line (default true); `serve --json` prints JSON instead. */
  banner?: boolean;
  /**
   * The API token every /v1 call, the event stream and /metrics must carry. Created by the
   * host in the config directory; absent only in unit tests of code below the gate.
   */
  token?: string | null;
  /** Seed-compatible /regions and /launch without a token (off by default). */
  compatOpen?: boolean;
  /**
   * Where the host publishes the address it listens on (mode 0600, beside the token), so the
   * CLI finds it on any port; removed on stop. Null or absent publishes nothing.
   */
  endpointFile?: string | null;
  /** Gate limits; defaults in GATE_DEFAULTS. */
  limits?: Partial<GateLimits>;
  /**
   * Signs the dashboard's sessions: random, kept beside the token so restarted proxy workers
   * and restarted hosts keep browsers signed in; without it the host makes one for its run.
   */
  sessionKey?: string;
  /**
   * The config directory holding the token and session key files. The proxy reads them from
   * there when it starts (so a restarted proxy sees a rotation) and `POST /v1/token/rotate`
   * rewrites them; without it the token cannot be rotated.
   */
  tokenDir?: string | null;
  /**
   * How much event history the host keeps for GET /v1/activity: the last `maxAgeMs`, at most
   * `maxEvents` (defaults in ACTIVITY_BOUNDS: 10 minutes, 5000 events).
   */
  activityBounds?: { maxEvents?: number; maxAgeMs?: number };
}

export interface GateLimits {
  /** Token bucket per token: sustained requests per second and burst. */
  ratePerSec: number;
  burst: number;
  /** Requests being handled at once; more get 503 at once. */
  maxConcurrent: number;
  /** A request that takes longer is answered 504. */
  requestTimeoutMs: number;
  /** Headers must arrive within it (slow-loris). */
  headersTimeoutMs: number;
  maxHeaderBytes: number;
  /** Wrong tokens from one client address within authWindowMs before it is slowed down (429). */
  authFailures: number;
  authWindowMs: number;
  /** How long such an address gets 429 for any token it presents. */
  authLockoutMs: number;
  /**
   * Requests that carry no valid credential (401s, open routes, refusals of Host or Origin), all
   * callers together: one bucket, so a flood costs a counter increment, not a log line each.
   */
  anonRatePerSec: number;
  anonBurst: number;
  /** The dashboard's files, by anyone not signed in: a bucket of their own. */
  staticRatePerSec: number;
  staticBurst: number;
  /** Open connections at once; past it idle ones are closed first, then new ones get 503. */
  maxConnections: number;
  /** At the cap, a reply unread (or a new connection silent) this long may be closed to make room. */
  connectionGraceMs: number;
  /** A connection with no bytes moving either way for this long is closed (a reply nobody reads). */
  idleTimeoutMs: number;
  /** How long a kept-alive connection may wait for its next request. */
  keepAliveTimeoutMs: number;
  /** Consecutive orchestrator failures (unavailable/timeout) that open the circuit breaker. */
  breakerFailures: number;
  /** How long an open breaker fails fast before one request probes the orchestrator again. */
  breakerCooldownMs: number;
}

export const GATE_DEFAULTS: GateLimits = {
  ratePerSec: 500,
  burst: 1000,
  maxConcurrent: 256,
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  authFailures: 10,
  authWindowMs: 60_000,
  authLockoutMs: 30_000,
  breakerFailures: 5,
  breakerCooldownMs: 2_000,
  anonRatePerSec: 100,
  anonBurst: 200,
  staticRatePerSec: 200,
  staticBurst: 400,
  // Half of the usual `ulimit -n` of 1024, leaving the rest for LMDB, logs and workers.
  maxConnections: 512,
  connectionGraceMs: 1000,
  idleTimeoutMs: 20_000,
  keepAliveTimeoutMs: 5_000,
};

export const DEFAULT_PORT = 3030;
export const DEFAULT_FLYD_INTERVAL_MS = 1000;
export const DEFAULT_NUM_CANDIDATES = 5;
export const DEFAULT_API = `http://127.0.0.1:${DEFAULT_PORT}`;

/** `--speed`: from a tenth of real time to ten thousand times faster. */
export const SPEED_LIMITS = { min: 0.1, max: 10_000 } as const;

export const LIMITS = {
  memoryGb: { min: 1, max: 256 },
  cores: { min: 1, max: 32 },
  numCandidates: { min: 1, max: 100 },
  bodyBytes: 64 * 1024,
  /** `POST /v1/scenario` carries a whole fleet: room for ~100k machines and as many VMs. */
  scenarioBodyBytes: 32 * 1024 * 1024,
} as const;
