// Builds the host's configuration for `flylight serve` from its flags and the environment.
// Separate from the command so the Electron entry and the tests can build the same config.
// Precedence: flag, then environment variable, then the default.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { builtDashboardDir, defaultDataDir, defaultRegionsFile } from '../main/common/paths';
import { withCredentials } from '../main/common/token';
import { endpointPath } from '../main/host/endpoint';
import { parseManifest } from '../main/store/scenario-manifest';
import type { ServeFlags } from '../shared/cli/env';
import { UsageError } from '../shared/cli/usage-error';
import {
  DEFAULT_FLYD_INTERVAL_MS,
  DEFAULT_NUM_CANDIDATES,
  DEFAULT_PORT,
  type HostConfig,
  SPEED_LIMITS,
} from '../shared/config';
import { hostSettings, type ScenarioFiles, type ScenarioSettings, timingOf } from '../shared/scenario';
import { type EtcdStoreConfig, LEASE_TTL, parseStoreSpec, StoreSpecError } from '../shared/store-spec';
import { DEFAULT_PROFILE, PROFILES, parseTimingProfile, type TimingProfile } from '../shared/timing';
import { loadServeScenario } from './scenario-files';

export type Env = Record<string, string | undefined>;

export interface ServeConfigOptions {
  /** Relative paths are resolved against it. */
  cwd?: string;
  /** Overridable so tests need no real files. */
  defaults?: { regionsFile(): string; dataDir(): string; staticDir(): string | null };
  /** Where the shipped scenarios are (tests); resources/scenarios by default. */
  scenariosDir?: string;
}

export const DEFAULT_HOST = '127.0.0.1';
export const RPC_TIMEOUT_MS = 5000;
const LOG_FORMATS = ['pretty', 'json', 'silent'] as const;

function envInt(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}; got '${raw}'`, 'serve');
  }
  return n;
}

function envText(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Addresses that mean "every interface": a browser on this computer reaches them as loopback. */
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

export function buildServeConfig(flags: ServeFlags, env: Env = process.env, opts: ServeConfigOptions = {}): HostConfig {
  const cwd = opts.cwd ?? process.cwd();
  const defaults = opts.defaults ?? {
    regionsFile: defaultRegionsFile,
    dataDir: defaultDataDir,
    staticDir: builtDashboardDir,
  };

  const port = flags.port ?? envInt(env, 'FLYLIGHT_PORT', 0, 65535) ?? DEFAULT_PORT;
  const flydIntervalMs =
    flags.flydIntervalMs ?? envInt(env, 'FLYLIGHT_FLYD_INTERVAL', 1, 3_600_000) ?? DEFAULT_FLYD_INTERVAL_MS;
  const host = (flags.host ?? DEFAULT_HOST).trim();
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) {
    throw new UsageError(`--listen must be an IP address or host name such as 127.0.0.1; got '${host}'`, 'serve');
  }

  const regionsGiven = flags.regions ?? envText(env, 'FLYLIGHT_REGIONS');
  const regionsFile = regionsGiven === undefined ? defaults.regionsFile() : resolve(cwd, regionsGiven);
  if (regionsGiven !== undefined && !(existsSync(regionsFile) && statSync(regionsFile).isFile())) {
    const from = flags.regions !== undefined ? '--regions' : 'FLYLIGHT_REGIONS';
    throw new UsageError(`${from}: no such file ${regionsFile}`, 'serve');
  }

  if (flags.ephemeral && flags.dataDir !== undefined) {
    throw new UsageError('--ephemeral keeps nothing on disk, so it cannot be combined with --data-dir', 'serve');
  }
  const store = storeConfig(flags, env, cwd);
  const leaseTtlS = flags.leaseTtlS ?? envInt(env, 'FLYLIGHT_LEASE_TTL', LEASE_TTL.min, LEASE_TTL.max);
  if (leaseTtlS !== undefined) {
    const from = flags.leaseTtlS !== undefined ? '--lease-ttl' : 'FLYLIGHT_LEASE_TTL';
    if (!store) throw new UsageError(`${from} is the TTL of a host's etcd lease: it needs --store etcd://…`, 'serve');
    store.leaseTtlS = leaseTtlS;
  }
  if (store && flags.ephemeral) {
    throw new UsageError(
      '--ephemeral keeps the fleet in memory and --store etcd://… keeps it in etcd: give one',
      'serve',
    );
  }
  const dataDirGiven = flags.dataDir ?? envText(env, 'FLYLIGHT_DATA_DIR');
  // With etcd the fleet is not on this disk: a data directory (for logs) only when asked for,
  // so several hosts on one computer need no directory each.
  const dataDir =
    flags.ephemeral || (store && dataDirGiven === undefined)
      ? null
      : dataDirGiven === undefined
        ? defaults.dataDir()
        : resolve(cwd, dataDirGiven);

  const logFormat = envText(env, 'FLYLIGHT_LOG_FORMAT') ?? 'pretty';
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw new UsageError(`FLYLIGHT_LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}; got '${logFormat}'`, 'serve');
  }

  const config: HostConfig = {
    host,
    port,
    regionsFile,
    flydIntervalMs,
    numCandidates: DEFAULT_NUM_CANDIDATES,
    dataDir,
    staticDir: defaults.staticDir(),
    rpcTimeoutMs: RPC_TIMEOUT_MS,
    logFormat: logFormat as HostConfig['logFormat'],
  };
  if (store) config.store = store;
  const timingGiven = flags.timing ?? envText(env, 'FLYLIGHT_TIMING');
  config.timing = timingProfile(timingGiven, cwd, flags.timing !== undefined);
  const speed = flags.speed ?? envText(env, 'FLYLIGHT_SPEED');
  if (speed !== undefined) config.speed = speedOf(speed, flags.speed !== undefined ? '--speed' : 'FLYLIGHT_SPEED');
  if (flags.seed !== undefined) config.seed = flags.seed;
  if (flags.strategy !== undefined) config.strategy = flags.strategy;
  if (flags.compatOpen) config.compatOpen = true;
  const rate = flags.rateLimit ?? envInt(env, 'FLYLIGHT_RATE_LIMIT', 1, 1_000_000);
  if (rate !== undefined) config.limits = { ratePerSec: rate, burst: rate * 2 };
  if (flags.scenario !== undefined) {
    if (regionsGiven !== undefined) {
      throw new UsageError(
        '--scenario brings its own regions and machines: it cannot be combined with --regions',
        'serve',
      );
    }
    const scenario = loadServeScenario(flags.scenario, cwd, opts.scenariosDir);
    // The scenario's settings apply where no flag or variable says otherwise.
    const own = manifestSettings(scenario.files);
    if (timingGiven === undefined && own.timing !== undefined) config.timing = timingOf(own.timing);
    if (flags.strategy === undefined && own.strategy !== undefined) config.strategy = own.strategy;
    if (flags.seed === undefined && typeof own.seed === 'number') config.seed = own.seed;
    config.scenario = { name: scenario.name, files: withSettings(scenario.files, hostSettings(config)) };
  }
  return config;
}

/** The settings scenario.json names, when it is valid (else the store refuses it, with its lines). */
function manifestSettings(files: ScenarioFiles): Partial<ScenarioSettings> {
  return parseManifest(files['scenario.json'], [])?.settings ?? {};
}

/** scenario.json carrying the settings the host will run with, so the import stores those. */
function withSettings(files: ScenarioFiles, settings: ScenarioSettings): ScenarioFiles {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(files['scenario.json'] ?? '{}');
  } catch {
    return files; // left as it is: the store refuses it with its line
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) return files;
  return { ...files, 'scenario.json': JSON.stringify({ ...manifest, settings }) };
}

/** `--store` (or FLYLIGHT_STORE) with its TLS files and user, checked; null for the embedded store. */
function storeConfig(flags: ServeFlags, env: Env, cwd: string): EtcdStoreConfig | null {
  const file = (flag: string, given: string | undefined) => {
    if (given === undefined) return undefined;
    const path = resolve(cwd, given);
    if (!(existsSync(path) && statSync(path).isFile())) throw new UsageError(`${flag}: no such file ${path}`, 'serve');
    return path;
  };
  try {
    return parseStoreSpec(flags.store ?? envText(env, 'FLYLIGHT_STORE'), {
      tls: {
        caFile: file('--etcd-cacert', flags.etcdCacert),
        certFile: file('--etcd-cert', flags.etcdCert),
        keyFile: file('--etcd-key', flags.etcdKey),
      },
      user: flags.etcdUser,
      password: envText(env, 'FLYLIGHT_ETCD_PASSWORD'),
    });
  } catch (err) {
    if (err instanceof StoreSpecError) throw new UsageError(err.message, 'serve');
    throw err;
  }
}

/** `--timing instant|realistic|FILE`: a named profile, or a JSON file checked field by field. */
export function timingProfile(given: string | undefined, cwd: string, fromFlag = true): TimingProfile {
  const name = given?.trim() || DEFAULT_PROFILE;
  const named = PROFILES[name.toLowerCase()];
  if (named) return named;
  const from = fromFlag ? '--timing' : 'FLYLIGHT_TIMING';
  const file = resolve(cwd, name);
  if (!(existsSync(file) && statSync(file).isFile())) {
    throw new UsageError(
      `${from} must be instant, realistic or a JSON file of stage timings; no such file ${file}`,
      'serve',
    );
  }
  try {
    return parseTimingProfile(readFileSync(file, 'utf8'), file);
  } catch (err) {
    throw new UsageError(`${from}: ${(err as Error).message}`, 'serve');
  }
}

function speedOf(raw: string, from: string): number {
  const n = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!(n >= SPEED_LIMITS.min && n <= SPEED_LIMITS.max)) {
    throw new UsageError(
      `${from} must be a number from ${SPEED_LIMITS.min} to ${SPEED_LIMITS.max} (how many times faster the clock runs); got '${raw}'`,
      'serve',
    );
  }
  return n;
}

/**
 * The config with the API token, created in `configDir` (mode 0600) on first start. Apart from
 * buildServeConfig so that stays a pure function of flags and environment. FLYLIGHT_TOKEN is
 * deliberately not read: it says which token a client sends, not which one the host accepts.
 */
export function withToken(config: HostConfig, configDir: string): HostConfig {
  return { ...config, ...withCredentials(configDir), endpointFile: endpointPath(configDir) };
}

/** The one line `serve` prints for people: the dashboard link that signs a browser in. */
export function dashboardUrl(hostUrl: string, token: string): string {
  const url = new URL(hostUrl);
  if (WILDCARD.has(url.hostname)) url.hostname = url.hostname.includes(':') ? '[::1]' : '127.0.0.1';
  url.pathname = '/';
  url.search = `?token=${encodeURIComponent(token)}`;
  return url.toString();
}
