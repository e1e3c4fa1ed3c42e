// Host configuration, built once by the CLI or the Electron entry and handed to every worker.

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
  /** Seeds the store's shuffle so tests can pin placement; undefined = random. */
  seed?: number;
  /** Durable data directory; null keeps everything in memory (`--ephemeral`). */
  dataDir: string | null;
  /** Directory of the built dashboard, served by the proxy at `/`; null serves none. */
  staticDir: string | null;
  /** Deadline of one worker RPC call. */
  rpcTimeoutMs: number;
  /** Pretty logs for a terminal, JSON lines otherwise. */
  logFormat: 'pretty' | 'json' | 'silent';
}

export const DEFAULT_PORT = 3030;
export const DEFAULT_FLYD_INTERVAL_MS = 1000;
export const DEFAULT_NUM_CANDIDATES = 5;
export const DEFAULT_API = `http://127.0.0.1:${DEFAULT_PORT}`;

export const LIMITS = {
  memoryGb: { min: 1, max: 256 },
  cores: { min: 1, max: 32 },
  numCandidates: { min: 1, max: 100 },
  bodyBytes: 64 * 1024,
} as const;
