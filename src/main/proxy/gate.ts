// The one gate: every API request — HTTP or Electron IPC — is taken apart, validated, sent to
// the worker that owns the answer, counted and logged here. It knows nothing about sockets, so
// the HTTP server and the host's IPC bridge feed it the same GateRequest. Who may send a
// request over HTTP is settled before it gets here (admission.ts); what protects the workers
// from every caller is here: the concurrency cap, the request deadline and the breaker.
//
// This file is the request's lifecycle only; what each route answers is route-handlers.ts.

import { performance } from 'node:perf_hooks';
import { STALE_HEADER } from '../../shared/api';
import { GATE_DEFAULTS, type GateLimits } from '../../shared/config';
import { ApiError, toErrorBody } from '../../shared/errors';
import { clip } from '../../shared/quote';
import { type GateRequest, type GateResponse, LONG_CALLS_MS } from '../../shared/services';
import type { StoreEvent } from '../../shared/types';
import { CircuitBreaker } from './breaker';
import { withDeadline } from './deadline';
import { ProxyMetrics } from './metrics';
import { RecentAnswer } from './recent-answer';
import { RegionCache } from './region-cache';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id';
import { errorResponse, headerOf } from './responses';
import type { GatePeers, GateServices, Outcome } from './route-context';
import { ROUTE_HANDLERS } from './route-handlers';
import { matchRoute, parseTarget, type RouteMatch, type RouteName } from './routes';
import { longPollMs } from './vm-routes';

/**
 * Each cluster view costs a shared fleet's etcd a lease lookup per host, the member list and a
 * status call per member; every open dashboard asks every 2 s. Answering everyone asking within
 * a second from one view keeps that to one a second per host, however many watch.
 */
export const CLUSTER_VIEW_TTL_MS = 1000;

export interface GateDeps extends GatePeers {
  metrics?: ProxyMetrics;
  /** How long the store's region codes are trusted before they are asked for again. */
  regionTtlMs?: number;
  /** How long one shared fleet's cluster view answers every asker (CLUSTER_VIEW_TTL_MS). */
  clusterTtlMs?: number;
  /** Concurrency cap, request deadline and breaker settings; GATE_DEFAULTS fill the rest. */
  limits?: Partial<GateLimits>;
}

/** One finished request, as logged and counted. */
export interface RequestLog {
  method: string;
  path: string;
  via: 'http' | 'ipc';
  status: number;
  started: number;
  route?: RouteName | 'invalid';
  vmId?: string;
  code?: string;
  requestId?: string;
}

const METHOD = /^[A-Z]{1,16}$/;

/** The path part of a target, safe for a log line whatever the client sent. */
export function logPath(url: unknown): string {
  if (typeof url !== 'string') return '?';
  const q = url.indexOf('?');
  return clip(q === -1 ? url : url.slice(0, q), 200);
}

export class Gate {
  readonly metrics: ProxyMetrics;
  readonly breaker: CircuitBreaker;
  readonly limits: GateLimits;
  private readonly regions: RegionCache;
  private readonly services: GateServices;
  private inFlight = 0;
  /** Why this host's copy of a shared fleet may be stale (its etcd lease lapsed); null: current. */
  private stale: string | null = null;

  constructor(private readonly deps: GateDeps) {
    this.metrics = deps.metrics ?? new ProxyMetrics();
    this.limits = { ...GATE_DEFAULTS, ...deps.limits };
    this.regions = new RegionCache(() => deps.store.regions(), deps.regionTtlMs ?? 10_000);
    this.breaker = new CircuitBreaker({
      peer: 'orchestrator',
      failures: this.limits.breakerFailures,
      cooldownMs: this.limits.breakerCooldownMs,
      // Deadlines answer requests while their calls still wait: this many waiting is a pile-up.
      maxInFlight: this.limits.maxConcurrent,
      onChange: (state, reason) => {
        const log = state === 'open' ? deps.log.warn : deps.log.info;
        log.call(deps.log, `circuit breaker ${state.replace('_', '-')}`, { peer: 'orchestrator', reason });
      },
    });
    const { store, orchestrator, host, config, address, log, credentials } = deps;
    this.services = {
      store,
      orchestrator,
      host,
      config,
      address,
      log,
      credentials,
      metrics: this.metrics,
      breaker: this.breaker,
      regions: this.regions,
      cluster: new RecentAnswer(() => store.cluster(), deps.clusterTtlMs ?? CLUSTER_VIEW_TTL_MS),
    };
  }

  /**
   * Never rejects: whatever arrives, the answer is a GateResponse (with its X-Request-Id).
   * `routed` is the HTTP server's own match of this very request (it routes before admission),
   * so a request's target is parsed once.
   */
  async handle(req: GateRequest, routed?: RouteMatch): Promise<GateResponse> {
    const started = performance.now();
    const input = (typeof req === 'object' && req !== null ? req : {}) as Partial<GateRequest>;
    const via = input.via === 'http' ? 'http' : 'ipc';
    const method = typeof input.method === 'string' ? clip(input.method, 16) : '?';
    const path = logPath(input.url);
    const requestId = requestIdOf(headerOf(input.headers as Record<string, string>, REQUEST_ID_HEADER));
    const route: { name: RouteName | 'invalid' } = { name: 'invalid' };
    let outcome: Outcome;
    if (this.inFlight >= this.limits.maxConcurrent) {
      const err = new ApiError(
        'unavailable',
        `the proxy is handling ${this.inFlight} requests at once, its limit; retry in a moment`,
        { retry_after_s: 1 },
      );
      outcome = { response: errorResponse(err), code: err.code };
    } else {
      this.inFlight++;
      this.metrics.inFlight = this.inFlight;
      try {
        // A scenario moves the whole fleet: as long as its store and orchestrator calls may take.
        const whole = typeof input.url === 'string' && /^\/v1\/scenario(\?|$)/.test(input.url);
        const extraMs = whole ? 2 * LONG_CALLS_MS.importScenario : longPollMs(input.method, input.url, input.body);
        outcome = await this.withinDeadline(this.run(input, route, requestId, method, path, routed), extraMs);
      } finally {
        this.inFlight--;
        this.metrics.inFlight = this.inFlight;
      }
    }
    const res = outcome.response;
    res.headers['x-request-id'] = requestId; // REQUEST_ID_HEADER, as a literal: a named store
    if (this.stale !== null && (method === 'GET' || method === 'HEAD') && res.status < 400) {
      res.headers[STALE_HEADER] = this.stale;
    }
    this.record({
      method,
      path,
      via,
      status: res.status,
      started,
      route: route.name,
      vmId: outcome.vmId,
      code: outcome.code,
      requestId,
    });
    return res;
  }

  /** Routes and runs the route's handler; every failure becomes its error response. */
  private async run(
    input: Partial<GateRequest>,
    route: { name: RouteName | 'invalid' },
    requestId: string,
    method: string,
    path: string,
    routed?: RouteMatch,
  ): Promise<Outcome> {
    try {
      const match = routed ?? this.routeOf(input);
      route.name = match.route;
      const req = input as GateRequest;
      return await ROUTE_HANDLERS[match.route]({
        match,
        req,
        method: req.method === 'HEAD' ? 'GET' : req.method,
        requestId,
        services: this.services,
      });
    } catch (err) {
      return { response: this.errorOutcome(err, method, path), code: toErrorBody(err).code };
    }
  }

  /** A request that outlives requestTimeoutMs is answered 504; its worker call may still finish. */
  private withinDeadline(work: Promise<Outcome>, extraMs = 0): Promise<Outcome> {
    const ms = this.limits.requestTimeoutMs + extraMs;
    return withDeadline(work, ms, () => {
      const err = new ApiError(
        'timeout',
        `the request took longer than ${ms} ms; its outcome is unknown (a launch may still finish: check \`flylight vms\` before retrying)`,
      );
      return { response: errorResponse(err), code: err.code };
    });
  }

  /** Parses and routes a request: throws the 400/404/405 a bad target or method earns. */
  routeOf(req: Partial<GateRequest>): RouteMatch {
    if (typeof req.method !== 'string' || !METHOD.test(req.method))
      throw new ApiError('bad_request', 'the request method is not valid');
    if (typeof req.url !== 'string')
      throw new ApiError('bad_request', 'the request target must be a path starting with /');
    if (typeof req.headers !== 'object' || req.headers === null)
      throw new ApiError('bad_request', 'the request headers are missing');
    if (req.body !== undefined && typeof req.body !== 'string')
      throw new ApiError('bad_request', 'the request body must be text');
    return matchRoute(req.method, parseTarget(req.url));
  }

  /** Builds an error response; unexpected exceptions are logged with their stack. */
  errorOutcome(err: unknown, method: string, path: string): GateResponse {
    if (!(err instanceof ApiError)) {
      this.deps.log.error('unexpected error in the gate', {
        method,
        path,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
    return errorResponse(err);
  }

  /**
   * Counts and logs one finished request (the HTTP server calls it for streams, files and
   * refusals). The line never holds headers or the query string: that is where tokens travel.
   */
  record(r: RequestLog): void {
    try {
      const ms = performance.now() - r.started;
      this.metrics.record({ route: r.route ?? 'invalid', status: r.status, method: r.method, seconds: ms / 1000 });
      const fields: Record<string, unknown> = {
        method: r.method,
        path: r.path,
        status: r.status,
        duration_ms: Math.round(ms * 10) / 10,
        via: r.via,
      };
      if (r.requestId) fields.request_id = r.requestId;
      if (r.vmId) fields.vm_id = r.vmId;
      if (r.code) fields.code = r.code;
      if (r.status >= 500) this.deps.log.warn('request', fields);
      else this.deps.log.info('request', fields);
    } catch {
      // A log line must never be the reason a request fails.
    }
  }

  /** The store's word on its lease (LEASE_HEALTH): reads answered meanwhile say why they may be stale. */
  leaseHealth(refusal: unknown): void {
    // A header value is one line of visible ASCII: the reason is the store's prose, clipped.
    this.stale = typeof refusal === 'string' && refusal ? clip(refusal.replace(/[^\x20-\x7e]/g, '?'), 300) : null;
  }

  /** Store events that change what the gate caches. */
  onStoreEvent(e: StoreEvent): void {
    if (e?.type !== 'reset') return;
    this.regions.forget();
    this.services.cluster.forget(); // a new fleet: other machines, other owners
  }
}
