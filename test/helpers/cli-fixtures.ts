// A fake FlylightApi and event feed for the CLI tests: real objects implementing the
// interfaces, with data shaped like the proxy's answers.

import type { ActivityEvent } from '../../src/shared/activity';
import type { ConnectionState, FlylightApi, SubscribeEvents } from '../../src/shared/api';
import type { CliAuth, CommandEnv, CommandIO } from '../../src/shared/cli/env';
import type { ClusterView } from '../../src/shared/cluster';
import { ApiError } from '../../src/shared/errors';
import { type ChaosRun, type MachineAction, parseRegionStatus, statusAfter } from '../../src/shared/faults';
import { atLeast, type LogQuery, type LogRecord } from '../../src/shared/host-log';
import type { LoadKeeper } from '../../src/shared/load/keeper';
import type { LoadSpec } from '../../src/shared/load/spec';
import type { PlacementPlan } from '../../src/shared/placement';
import type { ScenarioExport, ScenarioFiles } from '../../src/shared/scenario';
import type { FailRequest, KillRequest } from '../../src/shared/services';
import type { LaunchRequest, Machine, Region, StatusReport, StoreEvent, Vm } from '../../src/shared/types';
import type { VmQuery } from '../../src/shared/vm-query';

export const REGIONS: Region[] = [
  {
    code: 'SIN',
    location: 'Singapore',
    status: 'Operational',
    machine_count: 2,
    vm_count: 0,
    cores_total: 96,
    cores_allocated: 8,
    memory_total_gb: 512,
    memory_allocated_gb: 16,
  },
  {
    code: 'BOM',
    location: 'Mumbai, India',
    status: 'Degraded Performance',
    machine_count: 2,
    vm_count: 0,
    cores_total: 64,
    cores_allocated: 0,
    memory_total_gb: 256,
    memory_allocated_gb: 0,
  },
  {
    code: 'AMS',
    location: 'Amsterdam, Netherlands',
    status: 'Operational',
    machine_count: 3,
    vm_count: 0,
    cores_total: 128,
    cores_allocated: 120,
    memory_total_gb: 1024,
    memory_allocated_gb: 100,
  },
];

export const MACHINES: Machine[] = [
  {
    id: 'consul-node-80',
    region: 'SIN',
    datacenter: 'sin1',
    status: 'allocated',
    cores_total: 64,
    cores_allocated: 8,
    memory_total_gb: 256,
    memory_allocated_gb: 16,
    vm_count: 2,
    updated_at: '2025-11-27T20:47:03.123Z',
  },
  {
    id: 'consul-node-81',
    region: 'SIN',
    datacenter: 'sin1',
    status: 'available',
    cores_total: 32,
    cores_allocated: 0,
    memory_total_gb: 256,
    memory_allocated_gb: 0,
    vm_count: 0,
    updated_at: '2025-11-27T20:40:00.000Z',
  },
];

export const VM: Vm = {
  id: 'vm-3f9c2a71',
  region: 'SIN',
  machine_id: 'consul-node-80',
  memory_gb: 8,
  cores: 4,
  state: 'started',
  created_at: '2025-11-27T20:47:01.000Z',
};

export const CLUSTER: ClusterView = {
  store: 'etcd://127.0.0.1:2379',
  lease_ttl_s: 5,
  hosts: [
    {
      id: 'a1b2c3d4',
      hostname: 'laptop',
      pid: 4242,
      started_at: '2026-01-01T00:00:00.000Z',
      lease: '694d7a1b2c3d4e5f',
      lease_ttl_s: 4,
      lease_granted_ttl_s: 5,
      lapsing: false,
      machines_owned: 215,
      actors: { owned: 215, awake: 12, awake_not_owned: 0, woken: 40, woken_not_owned: 0 },
      self: true,
    },
  ],
  machines: 215,
  unowned: 0,
  etcd: {
    members: [{ name: 'm1', id: '1', client_urls: ['http://127.0.0.1:2379'], healthy: true, leader: true }],
    leader: 'm1',
    revision: '42',
  },
};

export const STATUS: StatusReport = {
  version: '0.1.0',
  uptime_s: 3725,
  api: 'http://127.0.0.1:3030',
  flyd_interval_ms: 1000,
  fleet: {
    regions: 35,
    machines: 120,
    vms: 3,
    cores_total: 4000,
    cores_allocated: 12,
    memory_total_gb: 20000,
    memory_allocated_gb: 24,
  },
  workers: [
    { name: 'store', state: 'ready', restarts: 0 },
    { name: 'orchestrator', state: 'ready', restarts: 1 },
    { name: 'proxy', state: 'ready', restarts: 0 },
  ],
  requests: { total: 42, errors: 2, launches_ok: 3, launches_failed: 1 },
};

/** A plan with a machine refused for each reason, as the dry run answers it. */
export const PLAN: PlacementPlan = {
  region: 'SIN',
  strategy: 'binpack',
  memory_gb: 8,
  cores: 4,
  count: 1,
  placements: ['sin-m02'],
  verdicts: [
    {
      machine_id: 'sin-m02',
      status: 'allocated',
      cores_free: 6,
      memory_free_gb: 24,
      reasons: [],
      rank: 1,
      chosen: 1,
    },
    {
      machine_id: 'sin-m01',
      status: 'available',
      cores_free: 32,
      memory_free_gb: 128,
      reasons: [],
      rank: 2,
      chosen: 0,
    },
    {
      machine_id: 'sin-m03',
      status: 'maintenance',
      cores_free: 32,
      memory_free_gb: 128,
      reasons: [{ code: 'not_schedulable', status: 'maintenance' }],
      rank: null,
      chosen: 0,
    },
    {
      machine_id: 'sin-m04',
      status: 'allocated',
      cores_free: 2,
      memory_free_gb: 64,
      reasons: [{ code: 'cores_short', short_by: 2 }],
      rank: null,
      chosen: 0,
    },
    {
      machine_id: 'sin-m05',
      status: 'allocated',
      cores_free: 16,
      memory_free_gb: 4,
      reasons: [{ code: 'memory_short', short_by_gb: 4 }],
      rank: null,
      chosen: 0,
    },
  ],
  largest_slots: [{ machine_id: 'sin-m01', cores: 32, memory_gb: 128 }],
};

export class FakeApi implements FlylightApi {
  calls: { method: string; args: unknown[] }[] = [];
  /** When set, every call rejects with it (e.g. the transport's "nothing answers"). */
  failWith: Error | null = null;

  private async record<T>(method: string, args: unknown[], value: () => T): Promise<T> {
    this.calls.push({ method, args });
    if (this.failWith) throw this.failWith;
    return value();
  }
  health() {
    return this.record('health', [], () => ({ ok: true, version: '0.1.0' }));
  }
  regions() {
    return this.record('regions', [], () => REGIONS.map((r) => ({ ...r })));
  }
  machines(region: string) {
    return this.record('machines', [region], () => {
      if (region.toUpperCase() === 'SIN') return MACHINES;
      if (REGIONS.some((r) => r.code === region.toUpperCase())) return [];
      throw new ApiError('unknown_region', `unknown region '${region}'`);
    });
  }
  /** The Idempotency-Key of each launch call, in order. */
  keys: (string | undefined)[] = [];
  /** Failures the next launch calls reject with, one each, before launches succeed. */
  launchFailures: Error[] = [];
  launch(req: LaunchRequest, options?: { idempotencyKey?: string; wait?: 'started' }) {
    this.keys.push(options?.idempotencyKey);
    return this.record('launch', options?.wait ? [req, { wait: options.wait }] : [req], () => {
      const failure = this.launchFailures.shift();
      if (failure) throw failure;
      if (req.memory_gb > 200) throw new ApiError('no_capacity', 'no machine in SIN has 250 GB and 4 cores free');
      return { ...VM, region: req.region, memory_gb: req.memory_gb, cores: req.cores };
    });
  }
  launchBatch(req: LaunchRequest, options?: { idempotencyKey?: string }) {
    this.keys.push(options?.idempotencyKey);
    return this.record('launchBatch', [req], () => {
      const vms = Array.from({ length: req.count ?? 1 }, (_, i) => ({
        ...VM,
        id: `${VM.id}${i}`,
        region: req.region.split(',')[0],
        memory_gb: req.memory_gb,
        cores: req.cores,
      }));
      return req.explain ? { vms, plans: [PLAN] } : { vms };
    });
  }
  place(req: LaunchRequest) {
    return this.record('place', [req], () => ({ region: 'SIN', plans: [PLAN] }));
  }
  vms(region?: string) {
    return this.record('vms', [region], () => (region && region.toUpperCase() !== 'SIN' ? [] : [VM]));
  }
  vmPage(q: Partial<VmQuery> & { limit: number }) {
    return this.record('vmPage', [q], () => ({ vms: [VM], total: 1, offset: 0, limit: q.limit }));
  }
  vmHistory(id: string) {
    return this.record('vmHistory', [id], () => ({ vm_id: id, vm: VM, transitions: [], dropped: 0, placement: null }));
  }
  machine(id: string) {
    return this.record('machine', [id], () => {
      throw new ApiError('not_found', `no machine with id '${id}'`);
    });
  }
  machineHistory(id: string) {
    return this.record('machineHistory', [id], () => ({
      machine_id: id,
      since: 0,
      window_ms: 600_000,
      points: [],
      dropped: 0,
    }));
  }
  vm(id: string) {
    return this.record('vm', [id], () => VM);
  }
  destroy(id: string, options?: { force?: boolean }) {
    return this.record('destroy', options === undefined ? [id] : [id, options], () => {
      if (id !== VM.id) throw new ApiError('not_found', `no VM with id "${id}"`);
      return { ...VM, state: 'destroyed' as const };
    });
  }
  operate(id: string, op: string) {
    return this.record('operate', [id, op], () => {
      if (id !== VM.id) throw new ApiError('not_found', `no VM with id "${id}"`);
      const via = { start: 'starting', stop: 'stopping', suspend: 'suspending', restart: 'restarting' } as const;
      return { ...VM, state: via[op as keyof typeof via] };
    });
  }
  wait(id: string, state: string, timeoutS?: number) {
    return this.record('wait', [id, state, timeoutS], () => {
      if (id !== VM.id) throw new ApiError('not_found', `no VM with id "${id}"`);
      return { ...VM, state: state as Vm['state'] };
    });
  }
  status() {
    return this.record('status', [], () => STATUS);
  }
  cluster() {
    return this.record('cluster', [], () => CLUSTER);
  }
  reset() {
    return this.record('reset', [], () => ({ reset: true as const, regions: 35, machines: 215 }));
  }
  /** What activity, samples and logs answer; tests set them. */
  activityEvents: ActivityEvent[] = [];
  logRecords: LogRecord[] = [];
  activity(since = 0) {
    return this.record('activity', [since], () => ({
      events: this.activityEvents.filter((e) => e.seq > since),
      last_seq: this.activityEvents.at(-1)?.seq ?? 0,
      oldest_seq: this.activityEvents[0]?.seq ?? null,
      bounds: { max_events: 5000, max_age_s: 600 },
    }));
  }
  samples(since = 0) {
    return this.record('samples', [since], () => ({ interval_ms: 1000, window_ms: 600_000, regions: [], samples: [] }));
  }
  logs(q: Partial<LogQuery> = {}) {
    return this.record('logs', [q], () => ({
      records: this.logRecords.filter((r) => atLeast(r.level, q.level ?? 'debug')).slice(-(q.lines ?? 100)),
      last_seq: this.logRecords.length,
    }));
  }
  machineAction(id: string, action: MachineAction, options?: { evacuate?: boolean }) {
    return this.record('machineAction', [id, action, options], () => {
      const m = MACHINES.find((x) => x.id === id);
      if (!m) throw new ApiError('not_found', `no machine with id "${id}"`);
      const failed = action === 'offline' ? [{ ...VM, state: 'failed', reason: 'host_offline' } as unknown as Vm] : [];
      const evacuated = options?.evacuate ? [{ vm_id: VM.id, error: 'no machine in SIN has room' }] : [];
      return { action, machine: { ...m, status: statusAfter(action) }, failed, evacuated };
    });
  }
  setRegionStatus(code: string, status: string) {
    return this.record('setRegionStatus', [code, status], () => {
      const r = REGIONS.find((x) => x.code === code.toUpperCase());
      if (!r) throw new ApiError('unknown_region', `unknown region '${code}'`);
      return { ...r, status: parseRegionStatus(status) };
    });
  }
  killActors(req: KillRequest) {
    return this.record('killActors', [req], () => ({
      seed: req.seed ?? 1,
      killed: [{ actor: `machined ${MACHINES[0].id}`, machine_id: MACHINES[0].id, kind: 'machined' as const }],
      restarts: 1,
    }));
  }
  chaos: ChaosRun = {
    id: 'chaos-1',
    seed: 7,
    rate: 0.1,
    duration_s: 2,
    repair_s: 1,
    region: null,
    state: 'done',
    started_at: '2025-11-27T20:47:05.000Z',
    plan: [{ at_ms: 300, machine_id: MACHINES[0].id, down_ms: 1000 }],
    done: [
      { at_ms: 300, machine_id: MACHINES[0].id, action: 'offline', failed_vms: 1 },
      { at_ms: 1300, machine_id: MACHINES[0].id, action: 'online', failed_vms: 0 },
    ],
  };
  failMachines(req: FailRequest) {
    return this.record('failMachines', [req], () => ({ ...this.chaos, seed: req.seed ?? this.chaos.seed }));
  }
  chaosRun(id: string) {
    return this.record('chaosRun', [id], () => this.chaos);
  }
  /** The host's load runs, when a test gives it one (a LoadKeeper over a scripted driver). */
  loadKeeper: LoadKeeper | null = null;
  async loadStart(spec: LoadSpec) {
    const keeper = await this.record('loadStart', [spec], () => {
      if (!this.loadKeeper) throw new ApiError('unavailable', 'this fake host runs no load');
      return this.loadKeeper;
    });
    return keeper.start(spec);
  }
  loadStatus() {
    return this.record('loadStatus', [], () => this.loadKeeper?.status() ?? { run: null });
  }
  loadStop() {
    return this.record('loadStop', [], () => this.loadKeeper?.stop() ?? { run: null });
  }
  /** What exportScenario answers; importScenario records the files it was sent. */
  scenario: ScenarioExport = {
    files: {
      'scenario.json': '{"format":"flylight-scenario","version":1,"settings":{}}\n',
      'regions.csv': 'region,location,status\nSIN,Singapore,Operational\n',
      'machines.csv': 'machine,region,cores,memory_gb\nsin-m01,SIN,32,128\n',
      'vms.csv': 'vm,machine,cores,memory_gb,state\n',
    },
  };
  exportScenario() {
    return this.record('exportScenario', [], () => this.scenario);
  }
  importScenario(files: ScenarioFiles) {
    return this.record('importScenario', [files], () => ({
      imported: true as const,
      regions: 1,
      machines: 1,
      vms: 0,
      recovered: 0,
      settings: { strategy: 'random' as const, timing: 'instant', seed: null },
    }));
  }
}

/** A hand-driven event feed: the test pushes events and connection states. */
export class FakeFeed {
  onEvent: ((e: StoreEvent) => void) | null = null;
  onState: ((s: ConnectionState, detail?: string) => void) | null = null;
  closed = false;
  opened = 0;
  subscribe: SubscribeEvents = (onEvent, onState) => {
    this.opened++;
    this.onEvent = onEvent;
    this.onState = onState ?? null;
    return {
      close: () => {
        this.closed = true;
      },
    };
  };
}

export function machineEvent(seq: number, machine: Machine = MACHINES[0], region: Region = REGIONS[0]): StoreEvent {
  return { type: 'machine', seq, at: '2025-11-27T20:47:05.000Z', machine, region };
}

export interface Captured {
  io: CommandIO;
  out: string[];
  err: string[];
  abort(): void;
}

export function capture(opts: { color?: boolean; columns?: number } = {}): Captured {
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  return {
    io: {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      color: opts.color ?? false,
      signal: controller.signal,
      columns: opts.columns,
    },
    out,
    err,
    abort: () => controller.abort(),
  };
}

export function makeEnv(api: FlylightApi, feed = new FakeFeed(), where: 'cli' | 'console' = 'cli'): CommandEnv {
  const env: CommandEnv = { api, subscribe: feed.subscribe, apiUrl: 'http://127.0.0.1:3030', where };
  // As main.ts does: a terminal always carries the CLI's credentials; the console pane none.
  if (where === 'cli') env.auth = cliAuth();
  return env;
}

export const TOKEN = 'A1b2A1b2A1b2A1b2A1b2A1b2A1b2A1b2A1b2A1b2xyz';
export const TOKEN_FILE = '/home/u/.config/flylight/token';

/** The CLI's credentials as main.ts would make them; `stored` is the token file's content. */
export function cliAuth(over: Partial<CliAuth> & { storedToken?: string | null } = {}): CliAuth {
  const { storedToken = TOKEN, ...rest } = over;
  return { source: 'file', file: TOKEN_FILE, stored: () => storedToken, ...rest };
}

/** A prompt that answers `answer` and records the questions. */
export function answering(answer: string | null): { prompt(q: string): Promise<string | null>; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    prompt: async (q) => {
      asked.push(q);
      return answer;
    },
  };
}
