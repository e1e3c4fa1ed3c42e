// The proxy assembled from its parts, without the worker thread around it, so tests can run
// the very same server in-process against fake peers.

import type { HostConfig } from '../../shared/config';
import type { Remote } from '../../shared/rpc';
import type { GateRequest, GateResponse, HostService, OrchestratorService, StoreService } from '../../shared/services';
import type { StoreEvent } from '../../shared/types';
import type { Logger } from '../host/log';
import { EventHub } from './events';
import { Gate } from './gate';
import { type Address, createProxyServer } from './http-server';
import { StaticFiles } from './static';

export interface ProxyDeps {
  store: Remote<StoreService>;
  orchestrator: Remote<OrchestratorService>;
  host: Remote<HostService>;
  config: Pick<HostConfig, 'host' | 'port' | 'staticDir' | 'flydIntervalMs'>;
  log: Logger;
}

export interface ProxyInstance {
  gate: Gate;
  hub: EventHub;
  /** What the worker serves over RPC (the host's IPC bridge calls `handle`). */
  service: { handle(req: GateRequest): Promise<GateResponse>; address(): Address };
  publish(e: StoreEvent): void;
  listen(): Promise<Address>;
  close(): Promise<void>;
}

export function createProxy(deps: ProxyDeps): ProxyInstance {
  const { config, log } = deps;
  let address: Address = { host: config.host, port: config.port, url: `http://${config.host}:${config.port}` };
  const gate = new Gate({
    store: deps.store,
    orchestrator: deps.orchestrator,
    host: deps.host,
    config,
    address: () => address,
    log,
  });
  const hub = new EventHub();
  const server = createProxyServer({ gate, hub, files: new StaticFiles(config.staticDir), log });
  return {
    gate,
    hub,
    service: { handle: (req) => gate.handle(req), address: () => address },
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
