// The one API interface every client uses — the CLI, the console pane, the dashboard — and the
// one client implementation, over a transport that is HTTP (fetch) or Electron IPC. Both
// transports end in the proxy worker's gate, so validation, metrics and logs are the same.

import type { ActivityPage } from './activity';
import { shapes } from './api-shapes';
import type { ClusterView } from './cluster';
import { ApiError, isErrorBody } from './errors';
import type { ChaosRun, KillReport, MachineAction, MachineActionReport } from './faults';
import type { LogPage, LogQuery } from './host-log';
import { checkLoadStatus, type LoadStatusView } from './load/keeper';
import { type LoadSpec, loadBody } from './load/spec';
import type { MachineHistory } from './machine-history';
import { decodeMachineColumns, type MachineForm } from './machine-wire';
import type { SamplePage } from './samples';
import type { ScenarioExport, ScenarioFiles, ScenarioImportReport } from './scenario';
import type { FailRequest, KillRequest } from './services';
import type {
  Health,
  LaunchBatch,
  LaunchRequest,
  Machine,
  PlacementReport,
  Region,
  StatusReport,
  StoreEvent,
  Vm,
} from './types';
import { IDEMPOTENCY_HEADER } from './validation';
import type { VmHistory } from './vm-history';
import { type VmPage, type VmQuery, vmQueryString } from './vm-query';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path with query, e.g. `/v1/vms?region=SIN`. */
  path: string;
  /** JSON-serialisable body (POST only). */
  body?: unknown;
  /** Sent as the Idempotency-Key header (launch only). */
  idempotencyKey?: string;
}

export interface ApiResponse {
  status: number;
  /** Parsed JSON body (null when empty). */
  body: unknown;
  /** The answer is a launch an earlier request made under the same Idempotency-Key. */
  replayed?: boolean;
  /** A read from a host that cannot confirm its copy of a shared fleet is current: why (STALE_HEADER). */
  stale?: string;
}

/**
 * On a read answered from a shared fleet's host that cannot renew its etcd lease (no quorum, or
 * cut off): why what it answers may be stale. Reads still answer, from the host's own copy.
 */
export const STALE_HEADER = 'flylight-stale';

/** Answers (launch, launchBatch) that an Idempotency-Key replayed rather than launched now. */
const replayedAnswers = new WeakSet<object>();

/** Whether `launch`/`launchBatch` returned this VM (or batch) from an earlier launch under its key. */
export function wasReplayed(answer: object): boolean {
  return replayedAnswers.has(answer);
}

/** Carries one request to the proxy's gate. Rejects only when the gate cannot be reached. */
export type Transport = (req: ApiRequest) => Promise<ApiResponse>;

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** A live feed of store events. The implementation reconnects; `onState` says when. */
export interface EventSubscription {
  close(): void;
}
export type SubscribeEvents = (
  onEvent: (e: StoreEvent) => void,
  onState?: (s: ConnectionState, detail?: string) => void,
) => EventSubscription;

export interface FlylightApi {
  health(): Promise<Health>;
  regions(): Promise<Region[]>;
  /**
   * A region's machines. `form: 'columns'` asks for the compact form (shared/machine-wire.ts),
   * decoded here: the same machines for a fraction of the bytes (the dashboard's, for 10k regions).
   * `limit`: the first machines by id only (a first screenful while the rest is on its way).
   */
  machines(region: string, options?: { form?: MachineForm; limit?: number }): Promise<Machine[]>;
  /**
   * With an idempotency key, a repeat of the same launch returns the VM the key first launched.
   * `wait: 'started'` answers once the VM has started or failed, instead of once it is created.
   */
  launch(req: LaunchRequest, options?: { idempotencyKey?: string; wait?: 'started' }): Promise<Vm>;
  /** The batch form (`count`, `explain`): every VM launched, and the plans when asked. */
  launchBatch(req: LaunchRequest, options?: { idempotencyKey?: string }): Promise<LaunchBatch>;
  /** A dry run: where a launch would go and why, placing nothing. */
  place(req: LaunchRequest): Promise<PlacementReport>;
  vms(region?: string): Promise<Vm[]>;
  vm(id: string): Promise<Vm>;
  /** One page of the VMs matching the query, sorted, with how many match in all. */
  vmPage(q: Partial<VmQuery> & { limit: number }): Promise<VmPage>;
  /** A VM's recent transitions and why placement chose its machine. */
  vmHistory(id: string): Promise<VmHistory>;
  machine(id: string): Promise<Machine>;
  /** A machine's allocation and status over the last ten minutes, as the host recorded them. */
  machineHistory(id: string): Promise<MachineHistory>;
  /** The seed's destroy forces (any state); `force: false` refuses a started VM, as fly does. */
  destroy(id: string, options?: { force?: boolean }): Promise<Vm>;
  /** start, stop, suspend or restart a VM: answers with it in its new (transient) state. */
  operate(id: string, op: 'start' | 'stop' | 'suspend' | 'restart'): Promise<Vm>;
  /** The VM once it is in `state`; rejects with `timeout` after `timeoutS` seconds (1–60). */
  wait(id: string, state: string, timeoutS?: number): Promise<Vm>;
  status(): Promise<StatusReport>;
  /** A shared fleet's hosts, leases and etcd members (`not_found` on a host with its own store). */
  cluster(): Promise<ClusterView>;
  /** Back to the bootstrap fleet: every VM gone, nothing allocated. */
  reset(): Promise<ResetReport>;
  /** The host's event log after `since` (its seq). */
  /** `limit` (1–5000, default 5000) caps the events; `last_seq`, `oldest_seq` come whatever it is. */
  activity(since?: number, limit?: number): Promise<ActivityPage>;
  /** The charts' samples the host took after `since` (ms since the epoch). */
  samples(since?: number): Promise<SamplePage>;
  /** The newest records of the host's log. */
  logs(q?: Partial<LogQuery>): Promise<LogPage>;
  /** drain | offline | online a machine; `evacuate` (offline) re-places its failed VMs. */
  machineAction(id: string, action: MachineAction, options?: { evacuate?: boolean }): Promise<MachineActionReport>;
  /** Sets a region's status: operational, degraded or down (any case). */
  setRegionStatus(code: string, status: string): Promise<Region>;
  killActors(req: KillRequest): Promise<KillReport>;
  failMachines(req: FailRequest): Promise<ChaosRun>;
  chaosRun(id: string): Promise<ChaosRun>;
  /** Asks the host to run a load run (one at a time: `load_running` otherwise). */
  loadStart(spec: LoadSpec): Promise<LoadStatusView>;
  /** The host's running or last load run. */
  loadStatus(): Promise<LoadStatusView>;
  /** Stops the host's load run; it still destroys what it launched. */
  loadStop(): Promise<LoadStatusView>;
  /** The whole fleet as a scenario's files (`GET /v1/scenario`). */
  exportScenario(): Promise<ScenarioExport>;
  /** Replaces the whole fleet with a scenario's, all or nothing (`POST /v1/scenario`). */
  importScenario(files: ScenarioFiles): Promise<ScenarioImportReport>;
}

export interface ResetReport {
  reset: true;
  regions: number;
  machines: number;
}

/**
 * `onStale`: told, for every read answered (a GET below 400, the answers the gate marks), its
 * STALE_HEADER reason, or null when it came from a host whose copy is current: the CLI warns
 * once, the dashboard shows a banner until reads are current again.
 */
export function createApiClient(transport: Transport, onStale?: (reason: string | null) => void): FlylightApi {
  const call = async <T>(
    req: ApiRequest,
    pick: (where: string, body: Record<string, unknown>) => unknown,
  ): Promise<T> => {
    const res = await transport(req);
    if (req.method === 'GET' && res.status < 400) onStale?.(res.stale ?? null);
    const where = `${req.method} ${req.path.split('?')[0]}`;
    if (res.status >= 400) {
      const err = (res.body as { error?: unknown } | null)?.error;
      if (isErrorBody(err)) throw ApiError.from(err);
      throw new ApiError('internal', `unexpected ${res.status} from ${where}`);
    }
    if (typeof res.body !== 'object' || res.body === null || Array.isArray(res.body)) {
      const what =
        res.body === null ? 'an empty body' : Array.isArray(res.body) ? 'a JSON array' : `a JSON ${typeof res.body}`;
      throw new ApiError('internal', `${where} answered ${res.status} with ${what}, not a JSON object`);
    }
    const picked = pick(where, res.body as Record<string, unknown>) as T;
    if (res.replayed && typeof picked === 'object' && picked !== null) replayedAnswers.add(picked);
    return picked;
  };
  const enc = encodeURIComponent;
  return {
    health: () => call({ method: 'GET', path: '/healthz' }, shapes.health),
    regions: () => call({ method: 'GET', path: '/v1/regions' }, shapes.regions),
    machines: (region, options) => {
      const limit = options?.limit === undefined ? '' : `limit=${options.limit}`;
      return options?.form === 'columns'
        ? call(
            { method: 'GET', path: `/v1/regions/${enc(region)}/machines?form=columns${limit && `&${limit}`}` },
            decodeMachineColumns,
          )
        : call({ method: 'GET', path: `/v1/regions/${enc(region)}/machines${limit && `?${limit}`}` }, shapes.machines);
    },
    launch: (req, options) =>
      call(
        {
          method: 'POST',
          path: options?.wait ? `/v1/vms?wait=${enc(options.wait)}` : '/v1/vms',
          body: req,
          idempotencyKey: options?.idempotencyKey,
        },
        shapes.vm,
      ),
    launchBatch: (req, options) =>
      call({ method: 'POST', path: '/v1/vms', body: req, idempotencyKey: options?.idempotencyKey }, shapes.batch),
    place: (req) => call({ method: 'POST', path: '/v1/place', body: req }, shapes.place),
    vms: (region) => call({ method: 'GET', path: region ? `/v1/vms?region=${enc(region)}` : '/v1/vms' }, shapes.vms),
    vm: (id) => call({ method: 'GET', path: `/v1/vms/${enc(id)}` }, shapes.vm),
    vmPage: (q) => call({ method: 'GET', path: `/v1/vms${vmQueryString(q)}` }, shapes.vmPage),
    vmHistory: (id) => call({ method: 'GET', path: `/v1/vms/${enc(id)}/history` }, shapes.vmHistory),
    machine: (id) => call({ method: 'GET', path: `/v1/machines/${enc(id)}` }, shapes.machine),
    machineHistory: (id) => call({ method: 'GET', path: `/v1/machines/${enc(id)}/history` }, shapes.machineHistory),
    destroy: (id, options) =>
      call({ method: 'DELETE', path: `/v1/vms/${enc(id)}?force=${options?.force ?? true}` }, shapes.vm),
    operate: (id, op) => call({ method: 'POST', path: `/v1/vms/${enc(id)}/${enc(op)}` }, shapes.vm),
    wait: (id, state, timeoutS) =>
      call(
        {
          method: 'GET',
          path: `/v1/vms/${enc(id)}/wait?state=${enc(state)}${timeoutS === undefined ? '' : `&timeout=${timeoutS}`}`,
        },
        shapes.vm,
      ),
    status: () => call({ method: 'GET', path: '/v1/status' }, shapes.status),
    cluster: () => call({ method: 'GET', path: '/v1/cluster' }, shapes.cluster) as Promise<ClusterView>,
    reset: () => call({ method: 'POST', path: '/v1/reset', body: {} }, shapes.reset),
    activity: (since = 0, limit) =>
      call(
        { method: 'GET', path: `/v1/activity?since=${since}${limit === undefined ? '' : `&limit=${limit}`}` },
        shapes.activity,
      ),
    samples: (since = 0) => call({ method: 'GET', path: `/v1/samples?since=${since}` }, shapes.samples),
    logs: (q = {}) => {
      const query = new URLSearchParams();
      if (q.lines !== undefined) query.set('lines', String(q.lines));
      if (q.level !== undefined) query.set('level', q.level);
      const qs = query.toString();
      return call({ method: 'GET', path: `/v1/logs${qs ? `?${qs}` : ''}` }, shapes.logs);
    },
    machineAction: (id, action, options) =>
      call(
        { method: 'POST', path: `/v1/machines/${enc(id)}/${enc(action)}`, body: options ?? {} },
        shapes.machineAction,
      ),
    setRegionStatus: (code, status) =>
      call({ method: 'POST', path: `/v1/regions/${enc(code)}/status`, body: { status } }, shapes.region),
    killActors: (req) => call({ method: 'POST', path: '/v1/chaos/kill-actors', body: req }, shapes.kill),
    failMachines: (req) => call({ method: 'POST', path: '/v1/chaos/fail-machines', body: req }, shapes.chaosRun),
    chaosRun: (id) => call({ method: 'GET', path: `/v1/chaos/runs/${enc(id)}` }, shapes.chaosRun),
    loadStart: (spec) => call({ method: 'POST', path: '/v1/load', body: loadBody(spec) }, checkLoadStatus),
    loadStatus: () => call({ method: 'GET', path: '/v1/load' }, checkLoadStatus),
    loadStop: () => call({ method: 'DELETE', path: '/v1/load' }, checkLoadStatus),
    exportScenario: () => call({ method: 'GET', path: '/v1/scenario' }, shapes.scenarioExport),
    importScenario: (files) => call({ method: 'POST', path: '/v1/scenario', body: { files } }, shapes.scenarioImport),
  };
}

/** A Transport over fetch, for the CLI (Node 20 has fetch) and the browser dashboard. */
export function fetchTransport(baseUrl: string, headers: Record<string, string> = {}): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  return async (req) => {
    const init: RequestInit = { method: req.method, headers: { accept: 'application/json', ...headers } };
    if (req.body !== undefined) {
      init.body = JSON.stringify(req.body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    if (req.idempotencyKey !== undefined)
      (init.headers as Record<string, string>)[IDEMPOTENCY_HEADER] = req.idempotencyKey;
    let res: Response;
    try {
      res = await fetch(base + req.path, init);
    } catch (err) {
      throw fetchFailure(base, err);
    }
    const text = await res.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        const where = `${req.method} ${req.path.split('?')[0]}`;
        throw new ApiError('internal', `${where} answered ${res.status} with a body that is not JSON`);
      }
    }
    const answer: ApiResponse = { status: res.status, body };
    if (res.headers.get('idempotent-replayed') === 'true') answer.replayed = true;
    const stale = res.headers.get(STALE_HEADER);
    if (stale) answer.stale = stale;
    return answer;
  };
}

/** Errors whose cause names a refused or unreachable address: nothing is listening there. */
const NOT_LISTENING = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * "Nothing answers" when the connection could not be made; "dropped" when it was made and lost
 * before the answer (a restarting proxy), which is worth retrying. Browsers say neither.
 */
export function fetchFailure(base: string, err: unknown): ApiError {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code !== undefined && !NOT_LISTENING.has(code)) {
    const why = typeof cause?.message === 'string' && cause.message ? cause.message : code;
    return new ApiError('unavailable', `the connection to ${base} dropped before an answer (${why})`, {
      dropped: true,
    });
  }
  return new ApiError('unavailable', `${UNREACHABLE}${base} (${(err as Error).message})`);
}

const UNREACHABLE = 'nothing answers at ';

/** True for fetchTransport's "nothing answers at …": no server listens at that address. */
export function isUnreachable(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'unavailable' && err.message.startsWith(UNREACHABLE);
}
