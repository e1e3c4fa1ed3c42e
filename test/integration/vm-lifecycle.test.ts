// The VM lifecycle end to end: the real `flylight serve` (three worker threads, a real port),
// every operation and every refusal over HTTP, the event stream's order, /metrics, timing on
// the realistic profile run fast, failure injection from a --timing FILE on a fixed seed, and
// the CLI's fly.io forms next to the seed's.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedOperations, type LifecycleState } from '../../src/shared/lifecycle';
import type { Machine, StoreEvent, Vm } from '../../src/shared/types';
import { type ServeProcess, startServe } from '../helpers/host';

type Answer = Vm & { error?: { code: string; message: string; details?: Record<string, unknown> } };

function client(serve: () => ServeProcess) {
  const api = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: Answer }> => {
    const s = serve();
    const res = await fetch(s.url + path, {
      ...init,
      headers: { ...s.auth(), ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
    });
    return { status: res.status, body: (await res.json()) as Answer };
  };
  return {
    api,
    launch: (body: Record<string, unknown>, query = '') =>
      api(`/v1/vms${query}`, { method: 'POST', body: JSON.stringify(body) }),
    op: (id: string, op: string) => api(`/v1/vms/${id}/${op}`, { method: 'POST' }),
    destroy: (id: string, force?: boolean) =>
      api(`/v1/vms/${id}${force === undefined ? '' : `?force=${force}`}`, { method: 'DELETE' }),
    wait: (id: string, state: string, timeout = 10) => api(`/v1/vms/${id}/wait?state=${state}&timeout=${timeout}`),
    machine: async (region: string, id: string) => {
      const res = await api(`/v1/regions/${region}/machines`);
      return (res.body as unknown as { machines: Machine[] }).machines.find((m) => m.id === id) as Machine;
    },
  };
}

/** Every `vm` event of one VM on /v1/events while `run` goes on, until `done` says enough. */
async function vmEvents(
  s: ServeProcess,
  id: () => string | undefined,
  done: (seen: Extract<StoreEvent, { type: 'vm' }>[]) => boolean,
  run: () => Promise<void>,
): Promise<Extract<StoreEvent, { type: 'vm' }>[]> {
  const ctrl = new AbortController();
  const res = await fetch(`${s.url}/v1/events`, { headers: s.auth(), signal: ctrl.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const seen: Extract<StoreEvent, { type: 'vm' }>[] = [];
  let buf = '';
  const reading = (async () => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buf += Buffer.from(value).toString();
      let i = buf.indexOf('\n\n');
      while (i >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (data) {
          const e = JSON.parse(data) as StoreEvent;
          if (e.type === 'vm') seen.push(e);
        }
        i = buf.indexOf('\n\n');
      }
      if (done(seen.filter((e) => e.vm.id === id()))) break;
    }
  })();
  await run();
  await reading.catch(() => {});
  ctrl.abort();
  // Events of the VM, including those that came before its id did (a launch's own).
  return seen.filter((e) => e.vm.id === id());
}

/** Polls until `ok` holds (no fixed sleeps); fails with what was last seen after the deadline. */
async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`not reached within ${ms} ms; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('on the instant profile: every operation and every refusal over HTTP', () => {
  let serve: ServeProcess;
  const c = client(() => serve);
  beforeAll(async () => {
    serve = await startServe(['--ephemeral', '--flyd-interval', '100', '--seed', '3']);
  });
  afterAll(async () => {
    expect(await serve?.stop()).toBe(0);
  });

  it('launch answers started; stop, start, suspend, resume, restart, destroy each answer settled', async () => {
    const launched = await c.launch({ region: 'SIN', memory_gb: 2, cores: 1 });
    expect(launched.status).toBe(201);
    expect(launched.body).toMatchObject({ state: 'started', region: 'SIN' });
    const id = launched.body.id;
    expect(typeof launched.body.updated_at).toBe('string');
    const steps: [string, LifecycleState][] = [
      ['stop', 'stopped'],
      ['start', 'started'],
      ['suspend', 'suspended'],
      ['start', 'started'],
      ['restart', 'started'],
    ];
    for (const [op, to] of steps) {
      const res = await c.op(id, op);
      expect({ op, status: res.status, state: res.body.state }).toEqual({ op, status: 200, state: to });
      expect((await c.api(`/v1/vms/${id}`)).body.state).toBe(to);
    }
    await c.op(id, 'stop');
    const gone = await c.destroy(id); // a stopped VM needs no force
    expect(gone.status).toBe(200);
    expect(gone.body.state).toBe('destroyed');
    expect((await c.api(`/v1/vms/${id}`)).status).toBe(404);
    // The wait for destroyed still answers once the record is gone.
    expect((await c.wait(id, 'destroyed', 1)).body.state).toBe('destroyed');
  });

  it('refused operations are 409 invalid_state with the state and the allowed operations', async () => {
    const id = (await c.launch({ region: 'SIN', memory_gb: 1, cores: 1 })).body.id;
    const refusals: [string, LifecycleState][] = [['start', 'started']];
    for (const [op, state] of refusals) {
      const res = await c.op(id, op);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'invalid_state',
        details: { state, allowed: allowedOperations(state) },
      });
      expect(res.body.error?.message).toContain(`${id} is ${state}: ${op} is not allowed`);
    }
    const noForce = await c.destroy(id);
    expect(noForce.status).toBe(409);
    expect(noForce.body.error).toMatchObject({
      code: 'invalid_state',
      details: { state: 'started', needs_force: true },
    });
    expect(noForce.body.error?.message).toContain('--force');
    await c.op(id, 'stop');
    for (const op of ['stop', 'suspend', 'restart']) {
      const res = await c.op(id, op);
      expect(res.status).toBe(409);
      expect(res.body.error?.details).toEqual({ vm_id: id, state: 'stopped', allowed: ['start', 'destroy'] });
    }
    await c.op(id, 'start');
    await c.op(id, 'suspend');
    const fromSuspended = await c.op(id, 'restart');
    expect(fromSuspended.body.error?.details).toMatchObject({ state: 'suspended', allowed: ['start', 'destroy'] });
    expect((await c.destroy(id, true)).body.state).toBe('destroyed');
  });

  it('bad input gets the gate clear errors, and never reaches a VM', async () => {
    const id = (await c.launch({ region: 'SIN', memory_gb: 1, cores: 1 })).body.id;
    const cases: [Promise<{ status: number; body: Answer }>, number, string][] = [
      [c.op(id, 'reboot'), 404, "no VM operation 'reboot'"],
      [c.op('vm-nope', 'start'), 404, 'no VM with id'],
      [c.op('vm-000000000000', 'start'), 404, 'no VM with id'],
      [c.wait(id, 'running'), 400, 'state must be one of created, started, stopped, suspended, failed, destroyed'],
      [c.wait(id, 'started', 0), 400, 'timeout must be whole seconds from 1 to 60'],
      [c.wait(id, 'started', 61), 400, 'timeout must be whole seconds from 1 to 60'],
      [c.api(`/v1/vms/${id}?force=yes`, { method: 'DELETE' }), 400, 'force must be true or false'],
      [c.api(`/v1/vms/${id}/stop?now=1`, { method: 'POST' }), 400, 'now'],
      [c.launch({ region: 'SIN', memory_gb: 1, cores: 1, wait: 'running' }), 400, 'wait must be "started"'],
      [c.launch({ region: 'SIN', memory_gb: 1, cores: 1 }, '?wait=soon'), 400, 'wait must be "started"'],
      [c.api(`/v1/vms/${id}/start`), 405, 'GET is not allowed'],
    ];
    for (const [p, status, text] of cases) {
      const res = await p;
      expect({ status: res.status, message: res.body.error?.message }).toMatchObject({ status });
      expect(res.body.error?.message).toContain(text);
    }
    expect((await c.api(`/v1/vms/${id}`)).body.state).toBe('started');
  });

  it('a wait that cannot be met times out (504), and one for a failed path is refused at once', async () => {
    const id = (await c.launch({ region: 'SIN', memory_gb: 1, cores: 1 })).body.id;
    const t0 = Date.now();
    const res = await c.wait(id, 'stopped', 1);
    expect(res.status).toBe(504);
    expect(res.body.error).toMatchObject({ code: 'timeout' });
    expect(res.body.error?.message).toContain(`${id} did not become stopped within 1 s`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect((await c.wait(id, 'started', 1)).body.state).toBe('started');
  });

  it('stopped and suspended VMs hold nothing on their machine; starting again takes it back', async () => {
    const vm = (await c.launch({ region: 'AMS', memory_gb: 4, cores: 2 })).body;
    const held = await until(
      () => c.machine('AMS', vm.machine_id),
      (m) => m.cores_allocated >= 2,
    );
    await c.op(vm.id, 'stop');
    await until(
      () => c.machine('AMS', vm.machine_id),
      (m) => m.cores_allocated === held.cores_allocated - 2 && m.memory_allocated_gb === held.memory_allocated_gb - 4,
    );
    await c.op(vm.id, 'start');
    await until(
      () => c.machine('AMS', vm.machine_id),
      (m) => m.cores_allocated === held.cores_allocated,
    );
    await c.op(vm.id, 'suspend');
    await until(
      () => c.machine('AMS', vm.machine_id),
      (m) => m.cores_allocated === held.cores_allocated - 2,
    );
  });

  it('every transition is a vm event, in order, and counted in /metrics', async () => {
    let id: string | undefined;
    const events = await vmEvents(
      serve,
      () => id,
      (seen) => seen.some((e) => e.to === 'destroyed'),
      async () => {
        id = (await c.launch({ region: 'NRT', memory_gb: 1, cores: 1 })).body.id;
        await c.op(id, 'stop');
        await c.destroy(id);
      },
    );
    expect(events.map((e) => `${e.from}>${e.to}`)).toEqual([
      // The instant profile collapses the launch into one durable write: still one event per step.
      'null>creating',
      'creating>created',
      'created>starting',
      'starting>started',
      'started>stopping',
      'stopping>stopped',
      'stopped>destroying',
      'destroying>destroyed',
    ]);
    for (const e of events) expect(e.vm.state).toBe(e.to);
    const seqs = events.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);

    const metrics = await (await fetch(`${serve.url}/metrics`, { headers: serve.auth() })).text();
    const count = (to: string) =>
      Number(new RegExp(`^flylight_vm_transitions_total\\{to="${to}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    expect(count('stopped')).toBeGreaterThanOrEqual(1);
    expect(count('destroyed')).toBeGreaterThanOrEqual(1);
    expect(count('started')).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^flylight_vms\{state="started"\} \d+/m);
    expect(metrics).toMatch(/^flylight_vms\{state="suspended"\} [1-9]/m);
  });
});

describe('timing on the realistic profile, run fast', () => {
  let serve: ServeProcess;
  const c = client(() => serve);
  beforeAll(async () => {
    serve = await startServe(['--ephemeral', '--timing', 'realistic', '--speed', '20', '--seed', '11']);
  });
  afterAll(async () => {
    expect(await serve?.stop()).toBe(0);
  });

  it('a launch answers created (not yet started); a wait sees it start; stop passes through stopping', async () => {
    const res = await c.launch({ region: 'SIN', memory_gb: 1, cores: 1 });
    expect(res.status).toBe(201);
    expect(['created', 'starting']).toContain(res.body.state);
    const started = await c.wait(res.body.id, 'started', 10);
    expect(started.status).toBe(200);
    expect(started.body.state).toBe('started');
    const stopping = await c.op(res.body.id, 'stop');
    expect(stopping.body.state).toBe('stopping');
    // Mid-transition, everything is refused with the transient state and nothing allowed.
    const busy = await c.op(res.body.id, 'start');
    expect(busy.status).toBe(409);
    expect(busy.body.error?.details).toMatchObject({ state: 'stopping', allowed: [] });
    expect((await c.wait(res.body.id, 'stopped', 10)).body.state).toBe('stopped');
  });

  it('wait=started answers once the VM has started', async () => {
    const res = await c.launch({ region: 'AMS', memory_gb: 1, cores: 1, wait: 'started' });
    expect(res.status).toBe(201);
    expect(res.body.state).toBe('started');
    const q = await c.launch({ region: 'AMS', memory_gb: 1, cores: 1 }, '?wait=started');
    expect(q.body.state).toBe('started');
  });

  it('the event stream shows creating, created, starting, started in order', async () => {
    let id: string | undefined;
    const events = await vmEvents(
      serve,
      () => id,
      (seen) => seen.some((e) => e.to === 'started'),
      async () => {
        id = (await c.launch({ region: 'NRT', memory_gb: 1, cores: 1 })).body.id;
      },
    );
    expect(events.map((e) => e.to)).toEqual(['creating', 'created', 'starting', 'started']);
    const times = events.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});

describe("slow stages: the seed's /launch at once, a degraded create past the RPC deadline", () => {
  let serve: ServeProcess;
  const c = client(() => serve);
  beforeAll(async () => {
    // At --speed 2 a create takes 3 s of wall time, 9 s in a degraded region: past the 5 s
    // deadline of one orchestrator call.
    const dir = mkdtempSync(join(tmpdir(), 'flylight-timing-'));
    const file = join(dir, 'slow.json');
    const stage = (delay_ms: number) => ({ delay_ms, jitter_ms: 0, failure: 0 });
    const stages = {
      create: stage(6000),
      start: stage(0),
      stop: stage(0),
      suspend: stage(0),
      restart: stage(0),
      destroy: stage(0),
    };
    writeFileSync(file, JSON.stringify({ name: 'slow', stages, degraded_factor: 3 }));
    serve = await startServe(['--ephemeral', '--timing', file, '--speed', '2', '--seed', '2']);
  });
  afterAll(async () => {
    expect(await serve?.stop()).toBe(0);
  });

  it('GET /launch answers 200 at once with the VM creating; POST /v1/vms waits for created', async () => {
    const t0 = Date.now();
    const seed = await c.api('/launch?vm_region=SIN&vm_memory=1&vm_cores=1');
    expect(seed.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(2000); // the create stage alone takes 3 s of wall time
    const body = seed.body as unknown as { data: { vm: Answer } };
    expect(body.data.vm.state).toBe('creating');
    const res = await c.launch({ region: 'SIN', memory_gb: 1, cores: 1 });
    expect(res.status).toBe(201);
    expect(['created', 'starting', 'started']).toContain(res.body.state);
  });

  it("a degraded region's create outlasts one RPC deadline and still answers 201, not 504", async () => {
    expect(
      (await c.api('/v1/regions/NRT/status', { method: 'POST', body: JSON.stringify({ status: 'degraded' }) })).status,
    ).toBe(200);
    const res = await c.launch({ region: 'NRT', memory_gb: 1, cores: 1 });
    expect(res.status).toBe(201);
    expect(['created', 'starting', 'started']).toContain(res.body.state);
  }, 30_000);
});

describe('failure injection from a --timing FILE on a fixed seed', () => {
  let serve: ServeProcess;
  const c = client(() => serve);
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flylight-timing-'));
    const file = join(dir, 'fail-starts.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'fail-starts',
        stages: {
          create: { delay_ms: 0, jitter_ms: 0, failure: 0 },
          start: { delay_ms: 50, jitter_ms: 0, failure: 1 },
          stop: { delay_ms: 0, jitter_ms: 0, failure: 0 },
          destroy: { delay_ms: 0, jitter_ms: 0, failure: 0 },
        },
      }),
    );
    serve = await startServe(['--ephemeral', '--timing', file, '--seed', '5', '--flyd-interval', '100']);
  });
  afterAll(async () => {
    expect(await serve?.stop()).toBe(0);
  });

  it('every start fails: the VM ends failed with start_failed, holds nothing, and wait says why', async () => {
    const res = await c.launch({ region: 'SIN', memory_gb: 8, cores: 4 });
    expect(res.status).toBe(201);
    const id = res.body.id;
    const waited = await c.wait(id, 'started', 5);
    expect(waited.status).toBe(409);
    expect(waited.body.error?.message).toContain(`${id} is failed (start_failed); it will not become started`);
    const vm = (await c.api(`/v1/vms/${id}`)).body;
    expect(vm).toMatchObject({ state: 'failed', reason: 'start_failed' });
    const m = await until(
      () => c.machine('SIN', vm.machine_id),
      (x) => x.vm_count === 0,
    );
    expect(m.cores_allocated).toBe(0);
    // wait=started answers with the failed VM rather than an error: the launch did happen.
    const w = await c.launch({ region: 'SIN', memory_gb: 1, cores: 1, wait: 'started' });
    expect(w.status).toBe(201);
    expect(w.body).toMatchObject({ state: 'failed', reason: 'start_failed' });
    // A failed VM may be started again (it fails again here) or destroyed without force.
    expect((await c.op(id, 'start')).body.state).toBe('starting');
    expect((await c.wait(id, 'failed', 5)).body.state).toBe('failed');
    expect((await c.destroy(id)).body.state).toBe('destroyed');
  });

  it('a bad timing file is refused at start with the field that is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flylight-timing-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ stages: { start: { failure: 2 } } }));
    await expect(startServe(['--ephemeral', '--timing', file])).rejects.toThrow(
      /stages\.start\.failure must be a probability from 0 to 1/,
    );
    await expect(startServe(['--ephemeral', '--speed', 'fast'])).rejects.toThrow(/--speed must be a number/);
  });
});

describe("the CLI's fly.io forms next to the seed's (real CLI process)", () => {
  let serve: ServeProcess;
  beforeAll(async () => {
    serve = await startServe(['--ephemeral', '--seed', '9']);
  });
  afterAll(async () => {
    expect(await serve?.stop()).toBe(0);
  });

  it('vm run/list/status/stop/wait/start/destroy, launch and destroy (seed), side by side', async () => {
    const run = await serve.cli(['vm', 'run', '-r', 'sin', '--vm-cpus', '2', '--vm-memory', '4096', '-j']);
    expect(run.code, run.stderr).toBe(0);
    const vm = JSON.parse(run.stdout) as Vm;
    expect(vm).toMatchObject({ region: 'SIN', cores: 2, memory_gb: 4, state: 'started' });

    const seed = await serve.cli(['launch', '--vm-region', 'SIN', '--vm-memory', '4', '--vm-cores', '2']);
    expect(seed.code).toBe(0);
    expect(seed.stdout).toMatch(/^Launched vm-[a-z0-9]+ on \S+ \(SIN\): 4 GB, 2 cores$/m);

    const list = await serve.cli(['vm', 'ls', '-r', 'SIN']);
    expect(list.stdout).toContain(vm.id);
    const vms = await serve.cli(['vms', '--vm-region', 'SIN']);
    expect(vms.stdout).toContain(vm.id);

    const status = await serve.cli(['vm', 'status', vm.id]);
    expect(status.stdout).toMatch(new RegExp(`^${vm.id} started`));

    const refused = await serve.cli(['vm', 'destroy', vm.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${vm.id} is started: destroy is not allowed`);
    expect(refused.stderr).toContain('--force');

    expect((await serve.cli(['vm', 'stop', vm.id])).stdout).toMatch(new RegExp(`^${vm.id} stopped`));
    const waited = await serve.cli(['vm', 'wait', vm.id, '--state', 'stopped', '--timeout', '5s']);
    expect(waited.code).toBe(0);
    const timedOut = await serve.cli(['vm', 'wait', vm.id, '--state', 'started', '--timeout', '1s']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toContain('did not become started within 1 s');
    expect((await serve.cli(['vm', 'start', vm.id])).code).toBe(0);
    const forced = await serve.cli(['vm', 'rm', vm.id, '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ id: vm.id, state: 'destroyed' });

    // The seed's destroy keeps working on a started VM, as it always did.
    const other = /Launched (vm-[a-z0-9]+)/.exec(seed.stdout)?.[1] as string;
    const legacy = await serve.cli(['destroy', other]);
    expect(legacy.code).toBe(0);
    expect(legacy.stdout).toMatch(/^Destroyed vm-/);
  });

  it('launch --wait, and the CLI refusing what it can tell is wrong before sending it', async () => {
    const waited = await serve.cli(['launch', '--vm-region', 'AMS', '--vm-memory', '1', '--vm-cores', '1', '--wait']);
    expect(waited.code).toBe(0);
    const mb = await serve.cli(['vm', 'run', '-r', 'sin', '--vm-cpus', '1', '--vm-memory', '1500']);
    expect(mb.code).toBe(2);
    expect(mb.stderr).toContain('--vm-memory 1500 MB is not whole GB (Flylight allocates whole GB): try 1024 or 2048');
    const timeout = await serve.cli(['vm', 'wait', 'vm-abcdef', '--timeout', '2h']);
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toContain('--timeout must be from 1s to 60s');
    const sub = await serve.cli(['vm', 'explode', 'vm-abcdef']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain("vm: unknown subcommand 'explode'");
  });
});

describe('kill -9 mid-transition', () => {
  it('a VM caught starting or stopping ends in a persistent state after a restart, never transient', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flylight-kill-'));
    const data = join(dir, 'data');
    const slow = join(dir, 'slow.json');
    const quick = join(dir, 'quick.json');
    const stages = (ms: number) => ({
      create: { delay_ms: 0, jitter_ms: 0, failure: 0 },
      start: { delay_ms: ms, jitter_ms: 0, failure: 0 },
      stop: { delay_ms: ms, jitter_ms: 0, failure: 0 },
    });
    writeFileSync(slow, JSON.stringify({ stages: stages(600_000) }));
    writeFileSync(quick, JSON.stringify({ stages: stages(20) }));
    let serve = await startServe(['--data-dir', data, '--timing', slow, '--flyd-interval', '100']);
    const c = client(() => serve);
    const starting = (await c.launch({ region: 'SIN', memory_gb: 2, cores: 1 })).body;
    expect(starting.state).toBe('starting');
    const other = (await c.launch({ region: 'SIN', memory_gb: 1, cores: 1 })).body;
    serve.proc.kill('SIGKILL');
    await new Promise((r) => serve.proc.once('exit', r));

    serve = await startServe(['--data-dir', data, '--timing', quick, '--flyd-interval', '100']);
    try {
      const settled = await until(
        async () => (await c.api(`/v1/vms/${starting.id}`)).body.state,
        (s) => s === 'started',
      );
      expect(settled).toBe('started');
      expect((await c.wait(other.id, 'started', 5)).body.state).toBe('started');
      // Now catch one stopping, on a slow host, and kill again.
      await serve.stop();
      serve = await startServe(['--data-dir', data, '--timing', slow, '--flyd-interval', '100']);
      expect((await c.op(other.id, 'stop')).body.state).toBe('stopping');
      serve.proc.kill('SIGKILL');
      await new Promise((r) => serve.proc.once('exit', r));
      serve = await startServe(['--data-dir', data, '--timing', quick, '--flyd-interval', '100']);
      expect((await c.wait(other.id, 'stopped', 5)).body.state).toBe('stopped');
      const vms = (await c.api('/v1/vms')).body as unknown as { vms: Vm[] };
      for (const v of vms.vms) expect(['started', 'stopped']).toContain(v.state);
      // The machine holds exactly the started VM: the stopped one released on recovery.
      const m = await until(
        () => c.machine('SIN', starting.machine_id),
        (x) =>
          x.vm_count === vms.vms.filter((v) => v.machine_id === starting.machine_id && v.state === 'started').length,
      );
      const held = vms.vms.filter((v) => v.machine_id === m.id && v.state === 'started');
      expect(m.cores_allocated).toBe(held.reduce((s, v) => s + v.cores, 0));
    } finally {
      await serve.stop();
    }
  });
});
