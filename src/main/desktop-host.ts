// The desktop app's host: its configuration (from the environment and Electron's userData
// directory) and its start, which moves to a free port when the default one is taken and says
// where it went. Plain Node, so it is tested without Electron.

import { join } from 'node:path';
import { DEFAULT_FLYD_INTERVAL_MS, DEFAULT_NUM_CANDIDATES, DEFAULT_PORT, type HostConfig } from '../shared/config';
import { builtDashboardDir, defaultConfigDir, defaultRegionsFile } from './common/paths';
import { withCredentials } from './common/token';
import { endpointPath } from './host/endpoint';
import { FleetInUseError, fleetInUseMessage } from './host/fleet-lock';
// Types only: host.ts pulls in the worker bundles, which the caller passes in with startHost.
import type { RunningHost } from './host/host';

/**
 * FLYLIGHT_PORT: a fixed port (0: any free one), else the seed's 3030; FLYLIGHT_REGIONS: the
 * bootstrap CSV; FLYLIGHT_FLYD_INTERVAL: FlyD's interval in ms.
 */
export function desktopHostConfig(env: Record<string, string | undefined>, userData: string): HostConfig {
  const envPort = env.FLYLIGHT_PORT === undefined || env.FLYLIGHT_PORT === '' ? Number.NaN : Number(env.FLYLIGHT_PORT);
  const interval = Number(env.FLYLIGHT_FLYD_INTERVAL);
  return {
    host: '127.0.0.1',
    port: Number.isInteger(envPort) && envPort >= 0 && envPort <= 65535 ? envPort : DEFAULT_PORT,
    regionsFile: env.FLYLIGHT_REGIONS || defaultRegionsFile(),
    flydIntervalMs: Number.isInteger(interval) && interval > 0 ? interval : DEFAULT_FLYD_INTERVAL_MS,
    numCandidates: DEFAULT_NUM_CANDIDATES,
    dataDir: join(userData, 'data'),
    staticDir: builtDashboardDir(),
    rpcTimeoutMs: 5000,
    logFormat: 'pretty',
    // The window talks over IPC and needs no token; the CLI and browsers on the port do.
    ...withCredentials(defaultConfigDir()),
    // Where this app listens (it may have moved off 3030), for the CLI to find and verify.
    endpointFile: endpointPath(defaultConfigDir()),
  };
}

/** The proxy's words for a taken port (see listenErrorMessage); matched, as errors cross threads as text. */
const PORT_IN_USE = /\bport \d+ is in use\b/;

/**
 * Starts the host on the configured port; when that port is taken, on a free one instead, and
 * `moved` says so in one line.
 */
export async function startDesktopHost(
  config: HostConfig,
  host: { start: (c: HostConfig) => Promise<RunningHost>; messageOf: (err: unknown) => string },
): Promise<{ host: RunningHost; moved?: string }> {
  const { start, messageOf } = host;
  try {
    return { host: await start(config) };
  } catch (err) {
    if (config.port === 0 || !PORT_IN_USE.test(messageOf(err))) throw err;
  }
  const moved = await start({ ...config, port: 0 });
  return {
    host: moved,
    // The CLI finds it through the endpoint file; people reading the terminal, through this.
    moved: `Port ${config.port} is in use, so Flylight is listening on ${moved.url} instead`,
  };
}

/**
 * A failed start in the words of the desktop app: a fleet held by another Flylight names it and
 * says what to do from a window (there is no --data-dir to type), everything else as the CLI says it.
 */
export function desktopStartMessage(err: unknown, messageOf: (err: unknown) => string): string {
  if (err instanceof FleetInUseError) {
    const open = err.owner?.url ? `, or use it from its dashboard at ${err.owner.url}` : '';
    return fleetInUseMessage(err.dataDir, err.owner, `quit that Flylight first${open}`);
  }
  return messageOf(err);
}
