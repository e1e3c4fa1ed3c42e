// The gate in-process, talking to fake store / orchestrator / host services through real
// worker_threads MessageChannels and the real RPC protocol — everything but HTTP.

import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/main/common/log';
import { Gate } from '../../../src/main/proxy/gate';
import { STALE_HEADER } from '../../../src/shared/api';
import { ApiError } from '../../../src/shared/errors';
import { RpcClient, serveRpc } from '../../../src/shared/rpc';
import type {
  GateRequest,
  HostService,
  OrchestratorService,
  OrchestratorStats,
  StoreService,
} from '../../../src/shared/services';
import type { FleetTotals, LaunchRequest, Machine, Region, Vm } from '../../../src/shared/types';
import { VERSION } from '../../../src/shared/version';
import { machine, region } from '../../helpers/fixtures';
import { hostHistories } from '../../helpers/host-fakes';
import { NO_LOAD } from '../../helpers/load-fixtures';

const T = '2025-01-01T00:00:00.000Z';

/** A small in-memory fleet that records which methods were called. */
class FakeFleet {
  calls: string[] = [];
  regionList = [
    region('SIN', { location: 'Singapore', memory_total_gb: 128 }),
    region('AMS', { location: 'Amsterdam, Netherlands', memory_total_gb: 128 }),
    region('BOM', { location: 'Mumbai, India', memory_total_gb: 128 }),
  ];
  machineList = [
    machine('sin-1', 'SIN'),
    machine('sin-2', 'SIN', { updated_at: '2025-01-02T00:00:00.000Z' }),
    machine('ams-1', 'AMS'),
    machine('ams-2', 'AMS'),
    machine('bom-1', 'BOM'),
    machine('bom-2', 'BOM'),
  ];
  vmMap = new Map<string, Vm>();
  next = 1;
  storeBroken = false;

  store(): Partial<StoreService> {
    const track = <A extends unknown[], R>(name: string, fn: (...a: A) => R) => {
      return (...a: A): R => {
        this.calls.push(name);
        if (this.storeBroken) throw new Error('disk on fire');
        return fn(...a);
      };
    };
    return {
      regions: track('regions', () => this.regionList),
      machines: track('machines', (code: string) => {
        if (!this.regionList.some((r) => r.code === code)) throw new ApiError('unknown_region', `no region ${code}`);
        return this.machineList.filter((m) => m.region === code);
      }),
      allMachines: track('allMachines', () => this.machineList),
      machine: track('machine', (id: string) => {
        const m = this.machineList.find((x) => x.id === id);
        if (!m) throw new ApiError('not_found', `no machine ${id}`);
        return m;
      }),
      vms: track('vms', (r?: string) => [...this.vmMap.values()].filter((v) => !r || v.region === r)),
      vm: track('vm', (id: string) => {
        const v = this.vmMap.get(id);
        if (!v) throw new ApiError('not_found', `no VM ${id}`);
        return v;
      }),
      totals: track(
        'totals',
        (): FleetTotals => ({
          regions: 3,
          machines: 6,
          vms: this.vmMap.size,
          cores_total: 192,
          cores_allocated: 0,
          memory_total_gb: 384,
          memory_allocated_gb: 0,
        }),
      ),
    };
  }

  orchestrator(): Partial<OrchestratorService> {
    const launch = (req: LaunchRequest): Vm => {
      this.calls.push('launch');
      if (req.memory_gb > 64) {
        throw new ApiError('no_capacity', `no machine in ${req.region} has ${req.memory_gb} GB free`, {
          largest_free_memory_gb: 64,
          largest_free_cores: 32,
        });
      }
      const vm: Vm = {
        id: `vm-${String(this.next++).padStart(6, '0')}`,
        region: req.region,
        machine_id: this.machineList.find((m) => m.region === req.region)?.id ?? '?',
        memory_gb: req.memory_gb,
        cores: req.cores,
        state: 'started',
        created_at: T,
      };
      this.vmMap.set(vm.id, vm);
      return vm;
    };
    return {
      launch,
      // As the orchestrator's service answers POST /v1/vms: the VM's JSON made on its side.
      launchAnswer: (req: LaunchRequest) => {
        const vm = launch(req);
        return { id: vm.id, region: vm.region, state: vm.state, json: JSON.stringify(vm), replayed: false };
      },
      destroy: (id: string) => {
        this.calls.push('destroy');
        const vm = this.vmMap.get(id);
        if (!vm) throw new ApiError('not_found', `no VM ${id}`);
        this.vmMap.delete(id);
        return { ...vm, state: 'destroyed' };
      },
      // The lifecycle's rule for destroy (a started VM needs force), as the engine applies it.
      operate: (id: string, op: string, force?: boolean) => {
        this.calls.push(op);
        const vm = this.vmMap.get(id);
        if (!vm) throw new ApiError('not_found', `no VM ${id}`);
        if (op !== 'destroy') throw new ApiError('internal', `the fake knows only destroy, not ${op}`);
        if (vm.state === 'started' && !force) {
          throw new ApiError('invalid_state', `${id} is started: destroy is not allowed`, {
            state: 'started',
            allowed: ['stop', 'suspend', 'restart', 'destroy'],
            needs_force: true,
          });
        }
        this.vmMap.delete(id);
        return { ...vm, state: 'destroyed' };
      },
      stats: (): OrchestratorStats => ({
        machines: 6,
        actor_restarts: 0,
        flyd_queue_depth: 0,
        flyd_flushes: 0,
        flyd_failed_flushes: 0,
        launches_ok: 7,
        launches_failed: 2,
        unsettled_writes: 0,
      }),
    };
  }
}

const ports: MessagePort[] = [];
function connect<T>(name: string, impl: object, timeoutMs = 2000): RpcClient<T> {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  serveRpc(port2, impl);
  const client = new RpcClient<T>(name, { timeoutMs });
  client.attach(port1);
  return client;
}

afterAll(() => {
  for (const p of ports) p.close();
});

let fleet: FakeFleet;
let gate: Gate;
let orch: RpcClient<OrchestratorService>;
let lines: Record<string, unknown>[];

beforeEach(() => {
  fleet = new FakeFleet();
  lines = [];
  const log = createLogger('json', { worker: 'proxy' }, (l) => lines.push(JSON.parse(l)), 'debug');
  const host: HostService = {
    workers: () => [
      { name: 'store', state: 'ready', restarts: 0 },
      { name: 'orchestrator', state: 'ready', restarts: 1 },
      { name: 'proxy', state: 'ready', restarts: 0 },
    ],
    uptimeSeconds: () => 42,
    ...hostHistories(),
    ...NO_LOAD,
  };
  orch = connect<OrchestratorService>('orchestrator', fleet.orchestrator());
  gate = new Gate({
    store: connect<StoreService>('store', fleet.store()).api,
    orchestrator: orch.api,
    host: connect<HostService>('host', host).api,
    config: { flydIntervalMs: 1000 },
    address: () => ({ url: 'http://127.0.0.1:3999' }),
    log,
  });
});

const JSON_CT = { 'content-type': 'application/json' };

function req(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): GateRequest {
  const r: GateRequest = { method, url, headers: { ...headers }, via: 'http' };
  if (body !== undefined) {
    r.body = typeof body === 'string' ? body : JSON.stringify(body);
    r.headers = { ...JSON_CT, ...headers };
  }
  return r;
}

async function call(r: GateRequest) {
  const res = await gate.handle(r);
  return { ...res, json: res.body ? JSON.parse(res.body) : null };
}

describe('routes', () => {
  it('GET /healthz', async () => {
    const res = await call(req('GET', '/healthz'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json).toEqual({ ok: true, version: VERSION });
  });

  it('GET /v1/regions wraps the store list', async () => {
    const res = await call(req('GET', '/v1/regions'));
    expect(res.status).toBe(200);
    expect(res.json.regions.map((r: Region) => r.code)).toEqual(['SIN', 'AMS', 'BOM']);
  });

  it('GET /v1/regions/{code}/machines takes any case', async () => {
    const res = await call(req('GET', '/v1/regions/sin/machines'));
    expect(res.status).toBe(200);
    expect(res.json.machines.map((m: Machine) => m.id)).toEqual(['sin-1', 'sin-2']);
  });

  it('unknown region in a path is 400 unknown_region and lists the known ones', async () => {
    const res = await call(req('GET', '/v1/regions/XYZ/machines'));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: {
        code: 'unknown_region',
        message: "unknown region 'XYZ' (known: AMS, BOM, SIN; see `flylight regions`)",
        details: { region: 'XYZ' },
      },
    });
    expect(fleet.calls).not.toContain('machines');
  });

  it('POST /v1/vms launches: 201, Location, and a log line with the VM id', async () => {
    const res = await call(req('POST', '/v1/vms', { region: 'sin', memory_gb: 8, cores: 4 }));
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ id: 'vm-000001', region: 'SIN', memory_gb: 8, cores: 4, state: 'started' });
    expect(res.headers.location).toBe('/v1/vms/vm-000001');
    const line = lines.find((l) => l.msg === 'request');
    expect(line).toMatchObject({ method: 'POST', path: '/v1/vms', status: 201, vm_id: 'vm-000001', via: 'http' });
    expect(typeof line?.duration_ms).toBe('number');
  });

  it('no capacity is 409 with the largest free resources', async () => {
    const res = await call(req('POST', '/v1/vms', { region: 'SIN', memory_gb: 128, cores: 4 }));
    expect(res.status).toBe(409);
    expect(res.json.error).toEqual({
      code: 'no_capacity',
      message: 'no machine in SIN has 128 GB free',
      details: { largest_free_memory_gb: 64, largest_free_cores: 32 },
    });
  });

  it('invalid launches never reach the orchestrator', async () => {
    const res = await call(req('POST', '/v1/vms', { region: 'SIN', memory_gb: 8.5, cores: 4 }));
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe('memory_gb must be a whole number of GB from 1 to 256; got 8.5');
    const unknown = await call(req('POST', '/v1/vms', { region: 'XYZ', memory_gb: 8, cores: 4 }));
    expect(unknown.json.error.code).toBe('unknown_region');
    expect(fleet.calls).not.toContain('launch');
  });

  it('GET /v1/vms, ?region=, GET and DELETE /v1/vms/{id}', async () => {
    const a = (await call(req('POST', '/v1/vms', { region: 'SIN', memory_gb: 8, cores: 4 }))).json as Vm;
    await call(req('POST', '/v1/vms', { region: 'AMS', memory_gb: 2, cores: 1 }));
    expect((await call(req('GET', '/v1/vms'))).json.vms).toHaveLength(2);
    const sin = await call(req('GET', '/v1/vms?region=sin'));
    expect(sin.json.vms.map((v: Vm) => v.id)).toEqual([a.id]);
    expect((await call(req('GET', `/v1/vms/${a.id}`))).json).toEqual(a);

    const refused = await call(req('DELETE', `/v1/vms/${a.id}`));
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({
      code: 'invalid_state',
      details: { state: 'started', needs_force: true },
    });
    const del = await call(req('DELETE', `/v1/vms/${a.id}?force=true`));
    expect(del.status).toBe(200);
    expect(del.json).toMatchObject({ id: a.id, state: 'destroyed' });
    expect(lines.at(-1)).toMatchObject({ method: 'DELETE', status: 200, vm_id: a.id });

    const gone = await call(req('GET', `/v1/vms/${a.id}`));
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('not_found');
  });

  it('a malformed VM id is 404 without asking anyone', async () => {
    // Malformed under the one VM id rule (src/shared/validation.ts): '.' first, a character outside it, too long.
    for (const id of ['.hidden', 'vm$1', `vm-${'a'.repeat(130)}`, 'vm%20x']) {
      const res = await call(req('DELETE', `/v1/vms/${id}`));
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
    expect(fleet.calls).not.toContain('destroy');
    expect(fleet.calls).not.toContain('vm');
  });

  it('GET /regions (seed) nests machines and the latest update', async () => {
    const res = await call(req('GET', '/regions'));
    expect(res.status).toBe(200);
    const sin = res.json.data.find((r: { code: string }) => r.code === 'SIN');
    expect(sin).toEqual({
      code: 'SIN',
      location: 'Singapore',
      status: 'Operational',
      machines: fleet.machineList.filter((m) => m.region === 'SIN'),
      updated_at: '2025-01-02T00:00:00.000Z',
    });
  });

  it('GET /launch (seed) answers 200 with the machine and the VM', async () => {
    const res = await call(req('GET', '/launch?vm_region=sin&vm_memory=8&vm_cores=4'));
    expect(res.status).toBe(200);
    expect(res.json.data.vm).toMatchObject({ region: 'SIN', memory_gb: 8, cores: 4 });
    expect(res.json.data.machine.id).toBe(res.json.data.vm.machine_id);
    const bad = await call(req('GET', '/launch?vm_region=SIN&vm_memory=8.5&vm_cores=4'));
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toBe('vm_memory must be a whole number of GB from 1 to 256; got "8.5"');
    const full = await call(req('GET', '/launch?vm_region=SIN&vm_memory=100&vm_cores=4'));
    expect(full.status).toBe(409);
  });

  it('GET /v1/status joins host, store, orchestrator and own counters', async () => {
    await call(req('GET', '/healthz'));
    await call(req('GET', '/nope'));
    const res = await call(req('GET', '/v1/status'));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      version: VERSION,
      uptime_s: 42,
      api: 'http://127.0.0.1:3999',
      flyd_interval_ms: 1000,
      fleet: { regions: 3, machines: 6 },
      requests: { total: 2, errors: 1, launches_ok: 7, launches_failed: 2 },
    });
    expect(res.json.workers).toHaveLength(3);
  });

  it('caches the region list between requests', async () => {
    for (let i = 0; i < 5; i++) await call(req('GET', '/v1/regions/SIN/machines'));
    expect(fleet.calls.filter((c) => c === 'regions')).toHaveLength(1);
    gate.onStoreEvent({ type: 'reset', seq: 1, at: T });
    await call(req('GET', '/v1/regions/SIN/machines'));
    expect(fleet.calls.filter((c) => c === 'regions')).toHaveLength(2);
  });
});

describe("a shared fleet's host whose etcd lease lapsed", () => {
  it('marks its reads as possibly stale, saying why, until the lease is renewed', async () => {
    gate.leaseHealth('this host has not renewed its etcd lease for 5.3 s (the TTL is 5 s): etcd has lost quorum …\n');
    try {
      const read = await call(req('GET', '/v1/regions'));
      expect(read.status).toBe(200);
      // One line of visible ASCII, as a header must be: the ellipsis and the newline are replaced.
      expect(read.headers[STALE_HEADER]).toBe(
        'this host has not renewed its etcd lease for 5.3 s (the TTL is 5 s): etcd has lost quorum ??',
      );
      expect((await call(req('HEAD', '/v1/regions'))).headers[STALE_HEADER]).toMatch(/^this host has not renewed/);
      // Writes and refusals are not reads from the host's copy.
      expect(
        (await call(req('POST', '/v1/vms', { region: 'SIN', memory_gb: 1, cores: 1 }))).headers,
      ).not.toHaveProperty(STALE_HEADER);
      expect((await call(req('GET', '/v1/regions/XYZ/machines'))).headers).not.toHaveProperty(STALE_HEADER);
    } finally {
      gate.leaseHealth(null);
    }
    expect((await call(req('GET', '/v1/regions'))).headers).not.toHaveProperty(STALE_HEADER);
  });
});

describe('refusals', () => {
  it('wrong method: 405 with an Allow header', async () => {
    const res = await call(req('PUT', '/v1/vms'));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    expect(res.json.error).toMatchObject({
      code: 'method_not_allowed',
      message: 'PUT is not allowed on /v1/vms (allowed: GET, HEAD, POST)',
    });
    expect((await call(req('POST', '/healthz'))).headers.allow).toBe('GET, HEAD');
  });

  it('HEAD never runs the seed’s side-effecting GET /launch', async () => {
    const res = await call(req('HEAD', '/launch?vm_region=SIN&vm_memory=1&vm_cores=1'));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    expect(fleet.calls.filter((c) => c === 'launch')).toHaveLength(0);
  });

  it('unknown path: 404', async () => {
    const res = await call(req('GET', '/v2/vms'));
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });

  it.each([
    ['/v1/../etc/passwd', 400],
    ['/v1/vms/%2E%2E', 400],
    ['/v1/vms%2Fvm-123456', 400],
    ['/v1/vms/vm-123456%00', 400],
    ['/v1/vms/%E0%A4%A', 400],
    ['//v1/vms', 404],
    ['/v1/vms/', 404],
    [`/v1/vms/vm-${'a'.repeat(3000)}`, 400],
    ['http://evil.example/v1/vms', 400],
  ])('path trick %s → %i', async (url, status) => {
    const res = await call(req('GET', url));
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(status === 400 ? 'bad_request' : 'not_found');
  });

  it('POST bodies must be JSON by Content-Type over HTTP (415)', async () => {
    const res = await call(req('POST', '/v1/vms', '{"region":"SIN"}', { 'content-type': 'text/plain' }));
    expect(res.status).toBe(415);
    expect(res.json.error.code).toBe('unsupported_media_type');
  });

  it('IPC requests without a Content-Type are taken as JSON', async () => {
    const res = await call({
      method: 'POST',
      url: '/v1/vms',
      headers: {},
      body: '{"region":"SIN","memory_gb":1,"cores":1}',
      via: 'ipc',
    });
    expect(res.status).toBe(201);
  });

  it('bodies over 64 KB are 413 even when they arrive whole (IPC)', async () => {
    const body = JSON.stringify({ region: 'SIN', memory_gb: 1, cores: 1, pad: 'x'.repeat(70_000) });
    const res = await call({ method: 'POST', url: '/v1/vms', headers: JSON_CT, body, via: 'ipc' });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('payload_too_large');
  });

  it('malformed JSON names the position', async () => {
    const res = await call(req('POST', '/v1/vms', '{"region": "SIN",'));
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^malformed JSON in the request body: /);
  });

  it('the event stream and the dashboard are HTTP-only', async () => {
    expect((await call(req('GET', '/v1/events'))).status).toBe(400);
    expect((await call(req('GET', '/'))).status).toBe(404);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a number', 7],
    ['no method', { url: '/healthz', headers: {}, via: 'ipc' }],
    ['a lower-case method', { method: 'get', url: '/healthz', headers: {}, via: 'ipc' }],
    ['no url', { method: 'GET', headers: {}, via: 'ipc' }],
    ['no headers', { method: 'GET', url: '/healthz', via: 'ipc' }],
    ['a non-text body', { method: 'POST', url: '/v1/vms', headers: {}, body: { region: 'SIN' }, via: 'ipc' }],
  ])('a malformed GateRequest (%s) is 400, never a throw', async (_name, input) => {
    const res = await gate.handle(input as GateRequest);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('bad_request');
  });
});

describe('worker failures', () => {
  it('an orchestrator that is restarting answers 503 unavailable', async () => {
    orch.detach('orchestrator worker is restarting');
    const res = await call(req('POST', '/v1/vms', { region: 'SIN', memory_gb: 8, cores: 4 }));
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('unavailable');
    expect(lines.at(-1)).toMatchObject({ level: 'warn', status: 503, code: 'unavailable' });
  });

  it('an orchestrator that does not answer in time is 504 timeout', async () => {
    const slow = connect<OrchestratorService>(
      'orchestrator',
      { ...fleet.orchestrator(), launchAnswer: () => new Promise<never>(() => {}) },
      100,
    );
    const g = new Gate({
      store: connect<StoreService>('store', fleet.store()).api,
      orchestrator: slow.api,
      host: connect<HostService>('host', {}).api,
      config: { flydIntervalMs: 1000 },
      address: () => ({ url: 'x' }),
      log: createLogger('silent'),
    });
    const res = await g.handle(req('POST', '/v1/vms', { region: 'SIN', memory_gb: 8, cores: 4 }));
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body).error.code).toBe('timeout');
  });

  it('a store exception becomes 500 internal with its message, and the gate keeps working', async () => {
    await call(req('GET', '/v1/regions')); // warms the region cache
    fleet.storeBroken = true;
    const res = await call(req('GET', '/v1/vms'));
    expect(res.status).toBe(500);
    expect(res.json.error).toEqual({ code: 'internal', message: 'disk on fire' });
    fleet.storeBroken = false;
    expect((await call(req('GET', '/v1/vms'))).status).toBe(200);
  });

  it('status still answers with a worker down', async () => {
    orch.detach();
    const res = await call(req('GET', '/v1/status'));
    expect(res.status).toBe(200);
    expect(res.json.requests).toMatchObject({ launches_ok: 0, launches_failed: 0 });
  });
});
