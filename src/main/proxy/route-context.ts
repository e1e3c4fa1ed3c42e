// What a route handler is given and what it answers. Handlers see the request already routed
// and inside the gate's lifecycle (cap, deadline, log line, metrics): they only answer it.

import { type HostConfig, LIMITS } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import type { Remote } from '../../shared/rpc';
import type { GateRequest, GateResponse, HostService, OrchestratorService, StoreService } from '../../shared/services';
import type { LaunchRequest } from '../../shared/types';
import { checkJsonContentType, checkRegionList, parseJsonBody } from '../../shared/validation';
import type { Logger } from '../common/log';
import type { CircuitBreaker } from './breaker';
import type { CredentialService } from './credentials';
import type { ProxyMetrics } from './metrics';
import type { RecentAnswer } from './recent-answer';
import type { RegionCache } from './region-cache';
import { headerOf } from './responses';
import type { RouteMatch, RouteName } from './routes';

/** The workers a gate answers from, and what it says about its host. */
export interface GatePeers {
  store: Remote<StoreService>;
  orchestrator: Remote<OrchestratorService>;
  host: Remote<HostService>;
  config: Pick<HostConfig, 'flydIntervalMs'>;
  /** The proxy's bound address (known once it listens). */
  address: () => { url: string };
  log: Logger;
  /** Dashboard sign-in and token rotation (credentials.ts); absent, those routes answer 404. */
  credentials?: CredentialService;
}

/** The workers and the gate's own parts that handlers call on. */
export interface GateServices extends GatePeers {
  metrics: ProxyMetrics;
  breaker: CircuitBreaker;
  regions: RegionCache;
  /** `GET /v1/cluster`, shared by every dashboard and CLI asking within CLUSTER_VIEW_TTL_MS. */
  cluster: RecentAnswer<import('../../shared/cluster').ClusterView>;
}

export interface RouteContext {
  match: RouteMatch;
  req: GateRequest;
  /** The request's method, with HEAD answered as GET. */
  method: string;
  requestId: string;
  services: GateServices;
}

/** What a route answers, plus the facts the log line and the counters want. */
export interface Outcome {
  response: GateResponse;
  code?: string;
  vmId?: string;
}

export type RouteHandler = (ctx: RouteContext) => Promise<Outcome>;

/** Every route's handler, by the names routes.ts gives them. */
export type RouteTable = Readonly<Record<RouteName, RouteHandler>>;

/** A POST body: JSON by its Content-Type, within the size limit, parsed. */
export function jsonBody(req: GateRequest, limit: number = LIMITS.bodyBytes): unknown {
  const type = headerOf(req.headers, 'content-type');
  // Electron IPC builds its requests itself; over HTTP the type is what keeps form posts out.
  if (req.via === 'http' || type !== undefined) checkJsonContentType(type);
  const body = req.body ?? '';
  if (Buffer.byteLength(body) > limit) {
    throw new ApiError('payload_too_large', `the request body is larger than ${limit / 1024} KB`);
  }
  return parseJsonBody(body);
}

/**
 * Shape first (no store call for nonsense), then the region against the store's list: at once
 * while the cached list is fresh (a launch then awaits nothing before its orchestrator call).
 */
export function withKnownRegion(
  services: GateServices,
  req: LaunchRequest,
  name = 'region',
): LaunchRequest | Promise<LaunchRequest> {
  const known = services.regions.codesNow();
  if (known !== undefined) return { ...req, region: checkRegionList(req.region, known, name) };
  return services.regions.codes().then((codes) => ({ ...req, region: checkRegionList(req.region, codes, name) }));
}
