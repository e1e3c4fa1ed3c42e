// The one gate: every API request — HTTP or Electron IPC — is taken apart, validated, sent to
// the worker that owns the answer, counted and logged here. It knows nothing about sockets, so
// the HTTP server and the host's IPC bridge feed it the same GateRequest. Who may send a
// request over HTTP is settled before it gets here (admission.ts); what protects the workers
// from every caller is here: the concurrency cap, the request deadline and the breaker.

import { performance } from 'node:perf_hooks';
import type { ResetReport } from '../../shared/api';
import { GATE_DEFAULTS, type GateLimits, type HostConfig, LIMITS } from '../../shared/config';
import { ApiError, httpStatusOf, toErrorBody } from '../../shared/errors';
import type { Remote } from '../../shared/rpc';
import type { GateRequest, GateResponse, HostService, OrchestratorService, StoreService } from '../../shared/services';
import {
  EMPTY_FLEET,
  type LaunchRequest,
  type Machine,
  type StatusReport,
  type StoreEvent,
  type Vm,
} from '../../shared/types';
import {
  checkIdempotencyKey,
  checkJsonContentType,
  checkKnownKeys,
  checkQuery,
  checkRegion,
  checkVmId,
  clip,
  IDEMPOTENCY_HEADER,
  parseJsonBody,
  validateLaunchBody,
  validateLaunchQuery,
} from '../../shared/validation';
import { VERSION } from '../../shared/version';
import type { Logger } from '../host/log';
import { CircuitBreaker } from './breaker';
import type { CredentialService } from './credentials';
import { ProxyMetrics } from './metrics';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id';
import { matchRoute, parseTarget, type RouteMatch, type RouteName } from './routes';

export interface GateDeps {
  store: Remote<StoreService>;
  orchestrator: Remote<OrchestratorService>;
  host: Remote<HostService>;
  config: Pick<HostConfig, 'flydIntervalMs'>;
  /** The proxy's bound address (known once it listens). */
  address: () => { url: string };
  log: Logger;
  metrics?: ProxyMetrics;
  /** How long the store's region codes are trusted before they are asked for again. */
  regionTtlMs?: number;
  /** Concurrency cap, request deadline and breaker settings; GATE_DEFAULTS fill the rest. */
  limits?: Partial<GateLimits>;
  /** Dashboard sign-in and token rotation (credentials.ts); absent, those routes answer 404. */
  credentials?: CredentialService;
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

/** What a route answers, plus the facts the log line and the counters want. */
interface Outcome {
  response: GateResponse;
  code?: string;
  vmId?: string;
}

/** How long a /metrics scrape waits for each worker before it reports the source as down. */
const SCRAPE_WAIT_MS = 1000;

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

const METHOD = /^[A-Z]{1,16}$/;

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): GateResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(value) };
}

/**
 * The `{"error": {...}}` response for anything thrown: 405s carry their Allow header, refusals
 * that say when to come back a Retry-After, and admission's refusals their own headers.
 */
export function errorResponse(err: unknown): GateResponse {
  const body = toErrorBody(err);
  const headers: Record<string, string> = {};
  const allow = body.details?.allow;
  if (body.code === 'method_not_allowed' && Array.isArray(allow)) headers.allow = allow.join(', ');
  const retry = body.details?.retry_after_s;
  if (typeof retry === 'number' && Number.isFinite(retry))
    headers['retry-after'] = String(Math.max(1, Math.ceil(retry)));
  const own = (err as { headers?: unknown }).headers;
  if (err instanceof ApiError && typeof own === 'object' && own !== null) Object.assign(headers, own);
  return jsonResponse(httpStatusOf(body.code), { error: body }, headers);
}

function header(headers: Record<string, string>, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const v = headers[name];
  if (typeof v === 'string') return v;
  for (const [k, val] of Object.entries(headers)) if (k.toLowerCase() === name && typeof val === 'string') return val;
  return undefined;
}

/** The path part of a target, safe for a log line whatever the client sent. */
function logPath(url: unknown): string {
  if (typeof url !== 'string') return '?';
  const q = url.indexOf('?');
  return clip(q === -1 ? url : url.slice(0, q), 200);
}

export class Gate {
  readonly metrics: ProxyMetrics;
  readonly breaker: CircuitBreaker;
  readonly limits: GateLimits;
  private regionCodes: { codes: string[]; at: number } | null = null;
  private regionFetch: Promise<string[]> | null = null;
  private readonly ttl: number;
  private inFlight = 0;

  constructor(private readonly deps: GateDeps) {
    this.metrics = deps.metrics ?? new ProxyMetrics();
    this.ttl = deps.regionTtlMs ?? 10_000;
    this.limits = { ...GATE_DEFAULTS, ...deps.limits };
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
  }

  /** Never rejects: whatever arrives, the answer is a GateResponse (with its X-Request-Id). */
  async handle(req: GateRequest): Promise<GateResponse> {
    const started = performance.now();
    const input = (typeof req === 'object' && req !== null ? req : {}) as Partial<GateRequest>;
    const via = input.via === 'http' ? 'http' : 'ipc';
    const method = typeof input.method === 'string' ? clip(input.method, 16) : '?';
    const path = logPath(input.url);
    const requestId = requestIdOf(header(input.headers as Record<string, string>, REQUEST_ID_HEADER));
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
        outcome = await this.withDeadline(this.run(input, route, requestId, method, path));
      } finally {
        this.inFlight--;
        this.metrics.inFlight = this.inFlight;
      }
    }
    const res = outcome.response;
    res.headers[REQUEST_ID_HEADER] = requestId;
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

  /** Routes and dispatches; every failure becomes its error response. */
  private async run(
    input: Partial<GateRequest>,
    route: { name: RouteName | 'invalid' },
    requestId: string,
    method: string,
    path: string,
  ): Promise<Outcome> {
    try {
      const m = this.resolve(input);
      route.name = m.route;
      return await this.dispatch(m, input as GateRequest, requestId);
    } catch (err) {
      return { response: this.errorOutcome(err, method, path), code: toErrorBody(err).code };
    }
  }

  /** A request that outlives requestTimeoutMs is answered 504; its worker call may still finish. */
  private withDeadline(work: Promise<Outcome>): Promise<Outcome> {
    const ms = this.limits.requestTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => {
        const err = new ApiError(
          'timeout',
          `the request took longer than ${ms} ms; its outcome is unknown (a launch may still finish: check \`flylight vms\` before retrying)`,
        );
        resolve({ response: errorResponse(err), code: err.code });
      }, ms);
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }

  /** Parses and routes a request: throws the 400/404/405 a bad target or method earns. */
  resolve(req: Partial<GateRequest>): RouteMatch {
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

  /** Store events that change what the gate caches. */
  onStoreEvent(e: StoreEvent): void {
    if (e?.type === 'reset') this.regionCodes = null;
  }

  /** The store's region codes, cached; a stale list beats none when the store is restarting. */
  async knownRegions(): Promise<string[]> {
    const cached = this.regionCodes;
    if (cached && performance.now() - cached.at < this.ttl) return cached.codes;
    if (!this.regionFetch) {
      this.regionFetch = this.deps.store
        .regions()
        .then((regions) => {
          const codes = regions.map((r) => r.code);
          this.regionCodes = { codes, at: performance.now() };
          return codes;
        })
        .finally(() => {
          this.regionFetch = null;
        });
    }
    try {
      return await this.regionFetch;
    } catch (err) {
      if (cached) return cached.codes;
      throw err;
    }
  }

  private async dispatch(m: RouteMatch, req: GateRequest, requestId: string): Promise<Outcome> {
    const { store, orchestrator } = this.deps;
    const { query } = m.target;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    switch (m.route) {
      case 'health':
        checkQuery(query, []);
        return { response: jsonResponse(200, { ok: true, version: VERSION }) };
      case 'regions': {
        checkQuery(query, []);
        const regions = await store.regions();
        this.regionCodes = { codes: regions.map((r) => r.code), at: performance.now() };
        return { response: jsonResponse(200, { regions }) };
      }
      case 'region_machines': {
        checkQuery(query, []);
        const code = checkRegion(m.params.code, await this.knownRegions());
        return { response: jsonResponse(200, { machines: await store.machines(code) }) };
      }
      case 'vms':
        if (method === 'POST') {
          const key = checkIdempotencyKey(header(req.headers, IDEMPOTENCY_HEADER));
          const launch = await this.withKnownRegion(validateLaunchBody(this.jsonBody(req)));
          return this.launch(launch, 'v1', requestId, key);
        }
        checkQuery(query, ['region']);
        if (query.has('region')) {
          const region = checkRegion(query.get('region'), await this.knownRegions());
          return { response: jsonResponse(200, { vms: await store.vms(region) }) };
        }
        return { response: jsonResponse(200, { vms: await store.vms() }) };
      case 'vm': {
        checkQuery(query, []);
        const id = checkVmId(m.params.id);
        const vm: Vm =
          method === 'DELETE'
            ? await this.breaker.call(() => orchestrator.destroy(id, { request_id: requestId }))
            : await store.vm(id);
        return { response: jsonResponse(200, vm), vmId: vm.id };
      }
      case 'status':
        checkQuery(query, []);
        return { response: jsonResponse(200, await this.status()) };
      case 'reset':
        checkQuery(query, []);
        return { response: jsonResponse(200, await this.reset(req)) };
      case 'seed_regions':
        checkQuery(query, []);
        return { response: jsonResponse(200, { data: await this.seedRegions() }) };
      case 'seed_launch':
        return this.launch(await this.withKnownRegion(validateLaunchQuery(query), 'vm_region'), 'seed', requestId);
      case 'metrics':
        checkQuery(query, []);
        if (req.via !== 'http') throw new ApiError('bad_request', 'metrics are served over HTTP only (GET /metrics)');
        return {
          response: {
            status: 200,
            headers: { 'content-type': this.metrics.contentType, 'cache-control': 'no-store' },
            body: await this.scrape(),
          },
        };
      case 'events':
        throw new ApiError(
          'bad_request',
          'the event stream is served over HTTP only (GET /v1/events); the desktop app receives events on its own channel',
        );
      case 'session':
      case 'token_rotate': {
        checkQuery(query, []);
        const creds = this.deps.credentials;
        if (!creds) throw new ApiError('not_found', 'this host has no API token, so there is nothing to sign in with');
        const result = m.route === 'session' ? creds.issueSession() : await creds.rotate();
        return { response: jsonResponse(m.route === 'session' ? 201 : 200, result) };
      }
      case 'static':
        throw new ApiError('not_found', 'the dashboard is served over HTTP only');
      case 'hello':
        throw new ApiError('not_found', 'the identity check is served over HTTP only (GET /v1/hello)');
    }
  }

  /**
   * Back to the bootstrap fleet. The store forgets every VM first; then the orchestrator drops
   * its actors and queues and rebuilds from the store, so no stale FlyD update outlives it.
   */
  private async reset(req: GateRequest): Promise<ResetReport> {
    const body = req.body?.trim() ? this.jsonBody(req) : {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ApiError('bad_request', 'the reset body must be an empty JSON object ({}) or nothing');
    }
    checkKnownKeys(Object.keys(body), [], 'field');
    const { store, orchestrator } = this.deps;
    await store.reset();
    const { machines } = await this.breaker.call(() => orchestrator.resync());
    this.regionCodes = null;
    return { reset: true, regions: (await store.regions()).length, machines };
  }

  /** Shape first (no store call for nonsense), then the region against the store's list. */
  private async withKnownRegion(req: LaunchRequest, name = 'region'): Promise<LaunchRequest> {
    return { ...req, region: checkRegion(req.region, await this.knownRegions(), name) };
  }

  /** A POST body: JSON by its Content-Type, within the size limit, parsed. */
  private jsonBody(req: GateRequest): unknown {
    const type = header(req.headers, 'content-type');
    // Electron IPC builds its requests itself; over HTTP the type is what keeps form posts out.
    if (req.via === 'http' || type !== undefined) checkJsonContentType(type);
    const body = req.body ?? '';
    if (Buffer.byteLength(body) > LIMITS.bodyBytes) {
      throw new ApiError('payload_too_large', `the request body is larger than ${LIMITS.bodyBytes / 1024} KB`);
    }
    return parseJsonBody(body);
  }

  private async launch(req: LaunchRequest, style: 'v1' | 'seed', requestId: string, key?: string): Promise<Outcome> {
    const { orchestrator } = this.deps;
    const meta = { request_id: requestId };
    let vm: Vm;
    let replayed = false;
    try {
      if (key === undefined) vm = await this.breaker.call(() => orchestrator.launch(req, meta));
      else ({ vm, replayed } = await this.breaker.call(() => orchestrator.launchIdempotent(req, key, meta)));
    } catch (err) {
      const body = toErrorBody(err);
      this.metrics.launch(req.region, body.details?.breaker ? 'breaker_open' : body.code);
      throw err;
    }
    // A replay is the answer to a launch already counted.
    if (!replayed) this.metrics.launch(req.region, null);
    if (style === 'v1') {
      // As the first answer was, so a retrying client cannot tell a replay from the original.
      const headers: Record<string, string> = { location: `/v1/vms/${vm.id}` };
      if (replayed) headers['idempotent-replayed'] = 'true';
      return { response: jsonResponse(201, vm, headers), vmId: vm.id };
    }
    // The VM exists whatever happens next: a store hiccup must not turn it into an error.
    let machine: Machine | null = null;
    try {
      machine = await this.deps.store.machine(vm.machine_id);
    } catch (err) {
      this.deps.log.warn('launched, but could not read the machine back', {
        vm_id: vm.id,
        error: toErrorBody(err).message,
      });
    }
    return { response: jsonResponse(200, { data: { machine, vm } }), vmId: vm.id };
  }

  /** Prometheus text; a worker that does not answer within SCRAPE_WAIT_MS is reported down. */
  private scrape(): Promise<string> {
    const { store, orchestrator, host } = this.deps;
    const soon = <T>(p: Promise<T>) => withTimeout(p, SCRAPE_WAIT_MS);
    return this.metrics.render({
      regions: () => soon(store.regions()),
      // An open breaker means the orchestrator is not answering: do not queue behind it.
      stats: () =>
        this.breaker.status().state === 'open'
          ? Promise.reject(new ApiError('unavailable', 'breaker open'))
          : soon(orchestrator.stats()),
      workers: () => soon(host.workers()),
      breaker: () => this.breaker.status(),
    });
  }

  /** The seed's `/regions`: each region with its machines and their latest update. */
  private async seedRegions() {
    const [regions, machines] = await Promise.all([this.deps.store.regions(), this.deps.store.allMachines()]);
    const byRegion = new Map<string, Machine[]>();
    for (const m of machines) {
      const list = byRegion.get(m.region);
      if (list) list.push(m);
      else byRegion.set(m.region, [m]);
    }
    return regions.map((r) => {
      const ms = byRegion.get(r.code) ?? [];
      const updated = ms.reduce<string | null>(
        (max, m) => (max === null || m.updated_at > max ? m.updated_at : max),
        null,
      );
      return { code: r.code, location: r.location, status: r.status, machines: ms, updated_at: updated };
    });
  }

  /**
   * Status answers even while a worker restarts: that is when people ask for it. Missing parts
   * fall back (empty fleet, the proxy's own launch counts) and the worker list shows why.
   */
  private async status(): Promise<StatusReport> {
    const { host, store, orchestrator } = this.deps;
    const [workers, uptime, totals, stats] = await Promise.allSettled([
      host.workers(),
      host.uptimeSeconds(),
      store.totals(),
      orchestrator.stats(),
    ]);
    const own = this.metrics.snapshot();
    return {
      version: VERSION,
      uptime_s: uptime.status === 'fulfilled' ? uptime.value : Math.round(process.uptime()),
      api: this.deps.address().url,
      flyd_interval_ms: this.deps.config.flydIntervalMs,
      fleet: totals.status === 'fulfilled' ? totals.value : { ...EMPTY_FLEET },
      workers: workers.status === 'fulfilled' ? workers.value : [],
      requests: {
        total: own.total,
        errors: own.errors,
        launches_ok: stats.status === 'fulfilled' ? stats.value.launches_ok : own.launches_ok,
        launches_failed: stats.status === 'fulfilled' ? stats.value.launches_failed : own.launches_failed,
      },
      breaker: this.breaker.status(),
    };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ApiError('timeout', `no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
