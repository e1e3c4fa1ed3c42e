// The proxy's limits over real HTTP on 127.0.0.1 port 0, in-process, with fake store /
// orchestrator / host services behind real MessageChannels: an orchestrator that can be made
// to hang or vanish is what the concurrency cap, the deadline and the breaker are about.

import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/main/common/log';
import { createProxy, type ProxyInstance } from '../../src/main/proxy/proxy';
import type { GateLimits } from '../../src/shared/config';
import { ApiError } from '../../src/shared/errors';
import { type Remote, RpcClient, serveRpc } from '../../src/shared/rpc';
import type { CallMeta, HostService, OrchestratorService, StoreService } from '../../src/shared/services';
import type { LaunchRequest, Region, Vm } from '../../src/shared/types';
import { hostHistories } from '../helpers/host-fakes';
import { corsHeaders, errorBody, type Raw, type Reply, send, sendRaw } from '../helpers/http';
import { NO_LOAD } from '../helpers/load-fixtures';
import { parseExposition, sampleValue } from '../helpers/prom-text';
import { until } from '../helpers/until';

const TOKEN = 'k'.repeat(43);
const AUTH = { authorization: `Bearer ${TOKEN}` };

const REGIONS: Region[] = ['SIN', 'AMS'].map((code) => ({
  code,
  location: code,
  status: 'Operational',
  machine_count: 2,
  vm_count: 0,
  cores_total: 64,
  cores_allocated: 8,
  memory_total_gb: 256,
  memory_allocated_gb: 64,
}));

/** An orchestrator that answers, hangs until released, or is not there at all. */
class FakeOrchestrator {
  mode: 'ok' | 'hang' = 'ok';
  metas: (CallMeta | undefined)[] = [];
  private waiting: (() => void)[] = [];
  private next = 1;

  impl(): Partial<Remote<OrchestratorService>> {
    const launch = async (req: LaunchRequest, meta?: CallMeta) => {
      this.metas.push(meta);
      if (this.mode === 'hang') await new Promise<void>((r) => this.waiting.push(r));
      const vm: Vm = {
        id: `vm-${String(this.next++).padStart(6, '0')}`,
        region: req.region,
        machine_id: `${req.region.toLowerCase()}-1`,
        memory_gb: req.memory_gb,
        cores: req.cores,
        state: 'started',
        created_at: '2025-01-01T00:00:00.000Z',
      };
      return vm;
    };
    return {
      launch,
      // As the orchestrator's service answers POST /v1/vms: the VM's JSON made on its side.
      launchAnswer: async (req: LaunchRequest, _key: string | undefined, meta?: CallMeta) => {
        const vm = await launch(req, meta);
        return { id: vm.id, region: vm.region, state: vm.state, json: JSON.stringify(vm), replayed: false };
      },
      destroy: async (id: string, meta?: CallMeta) => {
        this.metas.push(meta);
        throw new ApiError('not_found', `no VM ${id}`);
      },
      stats: async () => ({
        machines: 4,
        actor_restarts: 1,
        flyd_queue_depth: 2,
        flyd_flushes: 9,
        flyd_failed_flushes: 0,
        launches_ok: 0,
        launches_failed: 0,
        unsettled_writes: 0,
      }),
    };
  }

  release(): void {
    this.mode = 'ok';
    for (const w of this.waiting.splice(0)) w();
  }
}

const ports: MessagePort[] = [];
function client<T>(name: string, impl: object, timeoutMs = 5000): RpcClient<T> {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  serveRpc(port2, impl);
  const c = new RpcClient<T>(name, { timeoutMs });
  c.attach(port1);
  return c;
}

interface Rig {
  proxy: ProxyInstance;
  port: number;
  orch: FakeOrchestrator;
  orchClient: RpcClient<OrchestratorService>;
  orchImpl: object;
  lines: string[];
  call(r: Raw): Promise<Reply>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    r.orch.release();
    await r.proxy.close();
  }
});
afterAll(() => {
  for (const p of ports) p.close();
});

async function rig(limits: Partial<GateLimits> = {}, token: string | null = TOKEN): Promise<Rig> {
  const orch = new FakeOrchestrator();
  const orchImpl = orch.impl();
  const orchClient = client<OrchestratorService>('orchestrator', orchImpl);
  const lines: string[] = [];
  const host: HostService = {
    workers: () => [
      { name: 'store', state: 'ready', restarts: 0 },
      { name: 'orchestrator', state: 'ready', restarts: 2 },
      { name: 'proxy', state: 'ready', restarts: 0 },
    ],
    uptimeSeconds: () => 1,
    ...hostHistories(),
    ...NO_LOAD,
  };
  const store: Partial<StoreService> = {
    regions: () => REGIONS,
    vms: () => [],
    vm: (id: string) => {
      throw new ApiError('not_found', `no VM ${id}`);
    },
    totals: () => ({
      regions: 2,
      machines: 4,
      vms: 0,
      cores_total: 128,
      cores_allocated: 16,
      memory_total_gb: 512,
      memory_allocated_gb: 128,
    }),
  };
  const proxy = createProxy({
    store: client<StoreService>('store', store).api,
    orchestrator: orchClient.api,
    host: client<HostService>('host', host).api,
    config: { host: '127.0.0.1', port: 0, staticDir: null, flydIntervalMs: 100, token, limits },
    log: createLogger('json', { worker: 'proxy' }, (l) => lines.push(l), 'debug'),
  });
  const { port } = await proxy.listen();
  const r: Rig = { proxy, port, orch, orchClient, orchImpl, lines, call: (req) => send(port, req) };
  rigs.push(r);
  return r;
}

const launch = (
  headers: Record<string, string> = AUTH,
  body: unknown = { region: 'SIN', memory_gb: 1, cores: 1 },
): Raw => ({
  method: 'POST',
  path: '/v1/vms',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

const requestLines = (r: Rig) =>
  r.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');

describe('X-Request-Id', () => {
  it('is echoed when well-formed, carried to the orchestrator and into the log line', async () => {
    const r = await rig();
    const res = await r.call(launch({ ...AUTH, 'x-request-id': 'req-42.a:b_c' }));
    expect(res.status).toBe(201);
    expect(res.headers['x-request-id']).toBe('req-42.a:b_c');
    expect(r.orch.metas.at(-1)).toEqual({ request_id: 'req-42.a:b_c' });
    expect(requestLines(r).at(-1)).toMatchObject({
      method: 'POST',
      path: '/v1/vms',
      status: 201,
      request_id: 'req-42.a:b_c',
      vm_id: 'vm-000001',
    });
  });

  it('is generated when missing or malformed, and is on every response, refusals included', async () => {
    const r = await rig();
    const cases: Raw[] = [
      launch({ ...AUTH, 'x-request-id': 'has spaces in it' }),
      { path: '/v1/regions' }, // 401
      { path: '/healthz', headers: { host: 'evil.example' } }, // 403
      { path: '/nope' }, // 404
      { method: 'DELETE', path: '/v1/vms/vm-000009', headers: AUTH }, // 404 from the orchestrator
    ];
    const ids = new Set<string>();
    for (const c of cases) {
      const res = await r.call(c);
      const id = String(res.headers['x-request-id']);
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      ids.add(id);
      expect(requestLines(r).at(-1)?.request_id).toBe(id);
    }
    expect(ids.size).toBe(cases.length);
    expect(r.orch.metas.at(-1)?.request_id).toMatch(/^[0-9a-f]{32}$/);
    // Even bytes that are not HTTP get an id.
    const raw = await sendRaw(r.port, 'NOT HTTP\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toMatch(/\r\nx-request-id: [0-9a-f]{32}\r\n/);
  });

  it('log lines never hold the token, the Authorization header, sessions or cookies', async () => {
    const r = await rig();
    await r.call({ path: `/?token=${TOKEN}` });
    const login = await r.call({ method: 'POST', path: '/v1/session', headers: AUTH });
    const session = String(JSON.parse(login.body).session);
    await r.call(launch());
    await r.call({ path: `/v1/vms?token=${TOKEN}`, headers: AUTH });
    await r.call({ path: '/v1/vms', headers: { 'x-flylight-session': session } });
    await r.call({ path: '/v1/vms', headers: { cookie: `flylight_session=${session}` } });
    await r.call({ path: '/v1/vms', headers: { authorization: 'Bearer wrong-token-here' } });
    const all = r.lines.join('\n');
    expect(requestLines(r).length).toBeGreaterThanOrEqual(7);
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(session.split('.')[1]);
    expect(all.toLowerCase()).not.toContain('x-flylight-session');
    expect(all).not.toContain('wrong-token-here');
    expect(all.toLowerCase()).not.toContain('authorization');
    expect(all.toLowerCase()).not.toContain('cookie');
  });
});

/** The dashboard's sign-in: the token traded for its session header. */
async function signIn(r: { call(req: Raw): Promise<Reply> }): Promise<Record<string, string>> {
  const res = await r.call({ method: 'POST', path: '/v1/session', headers: AUTH });
  expect(res.status, res.body).toBe(201);
  return { 'x-flylight-session': String(JSON.parse(res.body).session) };
}

describe('limits', () => {
  it('rate limit per token: 429 with Retry-After once the burst is spent', async () => {
    const r = await rig({ ratePerSec: 0.5, burst: 3 });
    // A dashboard's sign-in is one request of the token's bucket, like any other.
    const session = await signIn(r);
    for (let i = 0; i < 2; i++) expect((await r.call({ path: '/v1/regions', headers: AUTH })).status).toBe(200);
    const res = await r.call({ path: '/v1/regions', headers: AUTH });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('2');
    expect(errorBody(res)).toMatchObject({
      code: 'rate_limited',
      message: expect.stringContaining('rate limit reached'),
    });
    // The same token through the dashboard's session shares the bucket.
    expect((await r.call({ path: '/v1/regions', headers: session })).status).toBe(429);
  });

  it('repeated wrong tokens from one address: 429 with Retry-After for wrong ones; the right token still passes', async () => {
    const r = await rig({ authFailures: 3, authLockoutMs: 60_000 });
    const session = await signIn(r);
    for (let i = 0; i < 3; i++) {
      const res = await r.call({ path: '/v1/regions', headers: { authorization: `Bearer guess-${i}` } });
      expect(res.status).toBe(401);
    }
    const res = await r.call({ path: '/v1/regions', headers: { authorization: 'Bearer guess-4' } });
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(errorBody(res).message).toContain('too many wrong API tokens from this address');
    // Another process guessing must not lock the user out (issue 8): the right token passes.
    expect((await r.call({ path: '/v1/regions', headers: AUTH })).status).toBe(200);
    // A signed-in dashboard is not a guess and keeps working.
    expect((await r.call({ path: '/v1/regions', headers: session })).status).toBe(200);
    const metrics = await r.call({ path: '/metrics', headers: session });
    expect(sampleValue(parseExposition(metrics.body), 'flylight_auth_failures_total')).toBe(3);
  });

  it('a cap on concurrent requests: 503 at once, with a reason', async () => {
    const r = await rig({ maxConcurrent: 2 });
    r.orch.mode = 'hang';
    const held = [r.call(launch()), r.call(launch())];
    await until(() => r.orch.metas.length === 2, 4000, 'two launches to reach the orchestrator');
    const res = await r.call({ path: '/v1/regions', headers: AUTH });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(errorBody(res)).toMatchObject({
      code: 'unavailable',
      message: 'the proxy is handling 2 requests at once, its limit; retry in a moment',
    });
    r.orch.release();
    expect((await Promise.all(held)).map((x) => x.status)).toEqual([201, 201]);
    expect((await r.call({ path: '/v1/regions', headers: AUTH })).status).toBe(200);
  });

  it('a request past its deadline is 504, and the breaker opens when calls pile up', async () => {
    const r = await rig({ requestTimeoutMs: 100, maxConcurrent: 3, breakerCooldownMs: 60_000 });
    r.orch.mode = 'hang';
    // Sent together: each waits out its deadline, and the orchestrator's own call deadline (5 s)
    // must not free the first before the fourth is asked.
    const late = await Promise.all([0, 1, 2].map(() => r.call(launch())));
    for (const res of late) {
      expect(res.status).toBe(504);
      // A plain launch has 2 s beyond the deadline, room for its own 202 on a loaded host
      // (vm-routes.ts, LAUNCH_GRACE_MS); one that hangs still ends in the gate's 504.
      expect(errorBody(res)).toMatchObject({
        code: 'timeout',
        message: expect.stringContaining('longer than 2100 ms'),
      });
    }
    // Three calls still wait for the orchestrator: the fourth is not added to them.
    const res = await r.call(launch());
    expect(res.status).toBe(503);
    expect(errorBody(res).message).toMatch(/^orchestrator has 3 calls waiting; failing fast for \d+ s/);
    expect(r.orch.metas).toHaveLength(3);
  });

  it('headers too large: 431', async () => {
    const r = await rig({ maxHeaderBytes: 2048 });
    const raw = await sendRaw(
      r.port,
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${r.port}\r\nX-Pad: ${'a'.repeat(4096)}\r\n\r\n`,
    );
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect((await r.call({ path: '/healthz', headers: { 'x-pad': 'a'.repeat(1000) } })).status).toBe(200);
  });

  it('a slow client that never finishes its headers is cut off', async () => {
    const r = await rig({ headersTimeoutMs: 300, requestTimeoutMs: 300 });
    // Half a request, then silence: the server answers 408 and closes the connection.
    const raw = await sendRaw(r.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${r.port}\r\nX-Slow: 1\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 408 /);
    expect((await r.call({ path: '/healthz' })).status).toBe(200);
  });
});

describe('the circuit breaker', () => {
  it('opens when the orchestrator is gone, fails fast with a reason, and closes on recovery', async () => {
    const r = await rig({ breakerFailures: 3, breakerCooldownMs: 1000 });
    expect((await r.call(launch())).status).toBe(201);
    r.orchClient.detach('orchestrator worker is restarting');
    for (let i = 0; i < 3; i++) {
      const res = await r.call(launch());
      expect(res.status).toBe(503);
      expect(errorBody(res)).toMatchObject({ code: 'unavailable', message: expect.stringContaining('unavailable') });
    }
    const fast = await r.call({ method: 'DELETE', path: '/v1/vms/vm-000001', headers: AUTH });
    expect(fast.status).toBe(503);
    expect(errorBody(fast)).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/^orchestrator is not answering; failing fast for 1 s/),
    });
    expect(fast.headers['retry-after']).toBe('1');
    const open = JSON.parse((await r.call({ path: '/v1/status', headers: AUTH })).body);
    expect(open.breaker).toMatchObject({ state: 'open', opened: 1 });
    const m = parseExposition((await r.call({ path: '/metrics', headers: AUTH })).body);
    expect(sampleValue(m, 'flylight_breaker_state', { state: 'open' })).toBe(1);
    expect(sampleValue(m, 'flylight_breaker_state', { state: 'closed' })).toBe(0);
    expect(sampleValue(m, 'flylight_scrape_source_up', { source: 'orchestrator' })).toBe(0);
    expect(sampleValue(m, 'flylight_launches_total', { region: 'SIN', result: 'failed', reason: 'unavailable' })).toBe(
      3,
    );

    // The orchestrator comes back; after the cool-down one request probes it and closes the breaker.
    const back = new MessageChannel();
    ports.push(back.port1, back.port2);
    serveRpc(back.port2, r.orchImpl);
    r.orchClient.attach(back.port1);
    await until(
      async () => {
        const s = JSON.parse((await r.call({ path: '/v1/status', headers: AUTH })).body);
        return s.breaker.state === 'half_open';
      },
      4000,
      'the cool-down to end',
    );
    expect((await r.call(launch())).status).toBe(201);
    const closed = JSON.parse((await r.call({ path: '/v1/status', headers: AUTH })).body);
    expect(closed.breaker).toMatchObject({ state: 'closed', failures: 0, opened: 1 });
  });
});

describe('/metrics', () => {
  it('passes the exposition-format checker and holds the figures', async () => {
    const r = await rig();
    await r.call(launch());
    await r.call(launch(AUTH, { region: 'AMS', memory_gb: 2, cores: 1 }));
    await r.call({ path: '/v1/vms/vm-zzzzzz', headers: AUTH });
    await r.call({ path: '/v1/regions/SIN/machines/../x', headers: AUTH });
    const res = await r.call({ path: '/metrics', headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(corsHeaders(res)).toEqual([]);
    const m = parseExposition(res.body);
    expect(sampleValue(m, 'flylight_http_requests_total', { route: 'vms', method: 'POST', status: '201' })).toBe(2);
    expect(sampleValue(m, 'flylight_http_requests_total', { route: 'vm', method: 'GET', status: '404' })).toBe(1);
    expect(sampleValue(m, 'flylight_http_request_duration_seconds_count', { route: 'vms', method: 'POST' })).toBe(2);
    expect(sampleValue(m, 'flylight_launches_total', { region: 'AMS', result: 'ok', reason: 'none' })).toBe(1);
    expect(sampleValue(m, 'flylight_region_cores_capacity', { region: 'SIN' })).toBe(64);
    expect(sampleValue(m, 'flylight_region_memory_allocated_bytes', { region: 'SIN' })).toBe(64 * 1024 ** 3);
    expect(sampleValue(m, 'flylight_region_utilisation_ratio', { region: 'SIN', resource: 'memory' })).toBe(0.25);
    expect(sampleValue(m, 'flylight_flyd_flushes_total')).toBe(9);
    expect(sampleValue(m, 'flylight_flyd_queue_depth')).toBe(2);
    expect(sampleValue(m, 'flylight_actor_restarts_total')).toBe(1);
    expect(sampleValue(m, 'flylight_worker_restarts_total', { worker: 'orchestrator' })).toBe(2);
    expect(sampleValue(m, 'flylight_worker_up', { worker: 'store' })).toBe(1);
    expect(sampleValue(m, 'flylight_breaker_state', { peer: 'orchestrator', state: 'closed' })).toBe(1);
    // Routes are route names, never raw paths: the label set stays bounded.
    for (const s of m.get('flylight_http_requests_total')?.samples ?? []) expect(s.labels.route).not.toContain('/');
    expect(m.get('flylight_http_request_duration_seconds')?.type).toBe('histogram');
  });

  it('is HTTP-only: through IPC it is a 400', async () => {
    const r = await rig();
    const res = await r.proxy.service.handle({ method: 'GET', url: '/metrics', headers: {}, via: 'http' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.message).toContain('HTTP only');
  });
});
