// The proxy assembled from its parts, without the worker thread around it, so tests can run
// the very same server in-process against fake peers.

import { GATE_DEFAULTS, type HostConfig } from '../../shared/config';
import type { Remote } from '../../shared/rpc';
import type { GateRequest, GateResponse, HostService, OrchestratorService, StoreService } from '../../shared/services';
import type { StoreEvent } from '../../shared/types';
import type { Logger } from '../common/log';
import { Admission } from './admission';
import { createCredentials, currentCredentials } from './credentials';
import { type DropReason, EventHub } from './events';
import { createFollowStreams, type FollowStreams } from './follow-streams';
import { Gate } from './gate';
import { type Address, createProxyServer } from './http-server';
import { StaticFiles } from './static';

export interface ProxyDeps {
  store: Remote<StoreService>;
  orchestrator: Remote<OrchestratorService>;
  host: Remote<HostService>;
  config: Pick<HostConfig, 'host' | 'port' | 'staticDir' | 'flydIntervalMs'> &
    Partial<Pick<HostConfig, 'token' | 'compatOpen' | 'limits' | 'sessionKey' | 'tokenDir'>>;
  log: Logger;
}

export interface ProxyInstance {
  gate: Gate;
  admission: Admission;
  hub: EventHub;
  /** The host's event log and log, followed by streams (the worker feeds them from the host's topics). */
  follow: FollowStreams;
  /** What the worker serves over RPC (the host's IPC bridge calls `handle`). */
  service: { handle(req: GateRequest): Promise<GateResponse>; address(): Address };
  publish(e: StoreEvent): void;
  listen(): Promise<Address>;
  close(): Promise<void>;
}

export function createProxy(deps: ProxyDeps): ProxyInstance {
  const { config, log } = deps;
  let address: Address = { host: config.host, port: config.port, url: `http://${config.host}:${config.port}` };
  const limits = { ...GATE_DEFAULTS, ...config.limits };
  // The files win over the config the host was started with: the token may have been rotated since.
  const onDisk = config.token ? currentCredentials(config.tokenDir) : null;
  const admission = new Admission(
    {
      token: onDisk?.token ?? config.token,
      compatOpen: config.compatOpen,
      host: config.host,
      sessionKey: onDisk?.sessionKey ?? config.sessionKey,
      limits,
    },
    () => address.port,
  );
  // A stream cut off for being slow is counted (flylight_sse_dropped_total) as well as told why.
  const dropped = (stream: 'events' | 'activity' | 'logs') => (reason: DropReason) =>
    gate.metrics.sseDropped(stream, reason);
  const hub = new EventHub({ onDrop: dropped('events') });
  const credentials = admission.auth
    ? createCredentials({ auth: admission.auth, tokenDir: config.tokenDir, endStreams: () => hub.closeAll(), log })
    : undefined;
  const gate = new Gate({
    store: deps.store,
    orchestrator: deps.orchestrator,
    host: deps.host,
    config,
    address: () => address,
    log,
    limits,
    credentials,
  });
  admission.onAuthFailure = () => gate.metrics.authFailure();
  const follow = createFollowStreams(deps.host, dropped);
  const server = createProxyServer({
    gate,
    hub,
    files: new StaticFiles(config.staticDir),
    log,
    admission,
    limits,
    follow: { ...follow, host: deps.host },
  });
  return {
    gate,
    admission,
    hub,
    follow,
    // Only the host holds this RPC service, for Electron IPC: whatever the caller says, it is IPC.
    service: { handle: (req) => gate.handle({ ...req, via: 'ipc' }), address: () => address },
    publish: (e) => {
      gate.onStoreEvent(e);
      hub.publish(e);
    },
    listen: async () => {
      address = await server.listen(config.host, config.port);
      return address;
    },
    close: () => server.close(),
  };
}
