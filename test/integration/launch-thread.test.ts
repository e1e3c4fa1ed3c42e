// The launch thread end to end: the built host with its three real worker threads, the proxy on
// a real port, the real CLI as a child process.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Machine, Region, StoreEvent, Vm } from '../../src/shared/types';
import { runCli, type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

const FLYD_MS = 200;
let serve: ServeProcess;

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(serve.url + path, {
    ...init,
    headers: { ...serve.auth(), ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
  });
  return { status: res.status, body: (await res.json()) as T };
}
const launch = (region: string, memory_gb: number, cores: number) =>
  api<Vm & { error?: { code: string; message: string } }>('/v1/vms', {
    method: 'POST',
    body: JSON.stringify({ region, memory_gb, cores }),
  });
const machines = async (region: string) =>
  (await api<{ machines: Machine[] }>(`/v1/regions/${region}/machines`)).body.machines;
const vms = async (region?: string) =>
  (await api<{ vms: Vm[] }>(`/v1/vms${region ? `?region=${region}` : ''}`)).body.vms;

/** Every machine's allocation equals the sum of its VMs and fits. */
async function accountingHolds(region: string) {
  const [ms, vs] = await Promise.all([machines(region), vms(region)]);
  for (const m of ms) {
    const mine = vs.filter((v) => v.machine_id === m.id);
    expect({ id: m.id, cores: m.cores_allocated, mem: m.memory_allocated_gb, n: m.vm_count }).toEqual({
      id: m.id,
      cores: mine.reduce((s, v) => s + v.cores, 0),
      mem: mine.reduce((s, v) => s + v.memory_gb, 0),
      n: mine.length,
    });
    expect(m.cores_allocated).toBeLessThanOrEqual(m.cores_total);
    expect(m.memory_allocated_gb).toBeLessThanOrEqual(m.memory_total_gb);
  }
  return { machines: ms, vms: vs };
}

/** FlyD flushes within an interval or two: wait until the accounting holds, then return it. */
async function expectAccountingHolds(region: string) {
  const holds = async () => Boolean(await accountingHolds(region));
  await until(holds, FLYD_MS * 20, `${region}'s machines to equal the sum of their VMs`);
  return accountingHolds(region);
}

beforeAll(async () => {
  serve = await startServe(['--ephemeral', '--flyd-interval', String(FLYD_MS), '--seed', '7']);
});
afterAll(async () => {
  expect(await serve?.stop()).toBe(0);
});

describe('the CLI against a real host', () => {
  it('lists regions as a table and as JSON', async () => {
    const table = await serve.cli(['regions']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/SIN\s+Singapore/);
    expect(table.stdout).toMatch(/BOM\s+.*Degraded Performance/);
    const json = await serve.cli(['regions', '--json']);
    const { regions } = JSON.parse(json.stdout) as { regions: Region[] };
    expect(regions).toHaveLength(35);
  });

  it('launches (seed flag order), lists, and destroys a VM', async () => {
    const launched = await serve.cli(['--vm-memory', '8', '--vm-cores', '4', '--vm-region', 'SIN', 'launch', '--json']);
    expect(launched.code, launched.stderr).toBe(0);
    const vm = JSON.parse(launched.stdout) as Vm;
    expect(vm).toMatchObject({ region: 'SIN', memory_gb: 8, cores: 4, state: 'started' });
    expect(vm.id).toMatch(/^vm-[a-z0-9]+$/);

    const listed = await serve.cli(['vms', '--vm-region', 'SIN']);
    expect(listed.stdout).toContain(vm.id);

    const destroyed = await serve.cli(['destroy', vm.id]);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(destroyed.stdout).toContain(vm.id);
    const again = await serve.cli(['destroy', vm.id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/no VM with id/i);
    await expectAccountingHolds('SIN');
  });

  it('an Idempotency-Key makes a launch safe to repeat, over HTTP and from the CLI', async () => {
    const keyed = (key: string, cores = 1) =>
      fetch(`${serve.url}/v1/vms`, {
        method: 'POST',
        headers: { ...serve.auth(), 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ region: 'NRT', memory_gb: 2, cores }),
      });
    const before = (await vms('NRT')).length;
    const first = await keyed('http-key-1');
    const again = await keyed('http-key-1');
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const [a, b] = [(await first.json()) as Vm, (await again.json()) as Vm];
    expect(b).toEqual(a);
    const reused = await keyed('http-key-1', 2);
    expect(reused.status).toBe(422);

    const args = ['launch', '--vm-region', 'NRT', '--vm-memory', '2', '--vm-cores', '1', '--json'];
    const c1 = await serve.cli([...args, '--idempotency-key', 'cli-key-1']);
    const c2 = await serve.cli([...args, '--idempotency-key', 'cli-key-1']);
    expect(c1.code, c1.stderr).toBe(0);
    expect(c2.code, c2.stderr).toBe(0);
    // The second run says it was a replay (the first run's VM, marked so).
    expect(JSON.parse(c2.stdout)).toEqual({ ...JSON.parse(c1.stdout), idempotent_replayed: true });
    // Without --idempotency-key every run is a new launch.
    const c3 = await serve.cli(args);
    expect(JSON.parse(c3.stdout).id).not.toBe(JSON.parse(c1.stdout).id);
    expect((await vms('NRT')).length).toBe(before + 3);

    const bad = await serve.cli([...args, '--idempotency-key', 'no spaces please']);
    expect(bad.code).toBe(2);
    const error = (JSON.parse(bad.stderr.trim().split('\n').pop() as string) as { error: { message: string } }).error;
    expect(error.message).toContain('Idempotency-Key "no spaces please" is not valid');
    await expectAccountingHolds('NRT');
  });

  it('rejects bad flags locally with the proxy’s own words, naming the flag as typed', async () => {
    const local = await serve.cli(['launch', '--vm-region', 'SIN', '--vm-memory', '8.5', '--vm-cores', '4']);
    expect(local.code).not.toBe(0);
    // The CLI's flags are the seed's --vm-* flags, so its words are those of the seed's /launch.
    const remote = await api<{ error: { message: string } }>('/launch?vm_region=SIN&vm_memory=8.5&vm_cores=4');
    expect(remote.status).toBe(400);
    // The same words, naming the flag as the user typed it (--vm-memory) where the API names its field.
    expect(local.stderr.trim()).toContain(remote.body.error.message.replace('vm_memory', '--vm-memory'));
  });

  it('says how to start the app when nothing listens', async () => {
    const r = await runCli(['regions', '--api', 'http://127.0.0.1:9']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/nothing is listening/i);
    expect(r.stderr).toMatch(/npm start|flylight serve/);
  });
});

describe('change events', () => {
  it('reach /v1/events within flyd-interval + 500 ms with the right totals', async () => {
    const ac = new AbortController();
    const res = await fetch(`${serve.url}/v1/events`, { signal: ac.signal, headers: serve.auth() });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const before = await machines('NRT');
    const sent = Date.now();
    const { body: vm } = await launch('NRT', 16, 8);
    let buf = '';
    let found: StoreEvent | null = null;
    const deadline = sent + FLYD_MS + 500;
    while (!found && Date.now() < deadline) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<null>((r) => setTimeout(() => r(null), Math.max(1, deadline - Date.now()))),
      ]);
      if (!chunk || chunk.done) break;
      buf += decoder.decode(chunk.value, { stream: true });
      for (const block of buf.split('\n\n')) {
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (!data) continue;
        const e = JSON.parse(data.slice(6)) as StoreEvent;
        if (e.type === 'machine' && e.machine.id === vm.machine_id) found = e;
      }
    }
    ac.abort();
    expect(found, 'no event for the launched machine within flyd-interval + 500 ms').not.toBeNull();
    const m = (found as Extract<StoreEvent, { type: 'machine' }>).machine;
    const was = before.find((x) => x.id === vm.machine_id) as Machine;
    expect(m.cores_allocated).toBe(was.cores_allocated + 8);
    expect(m.memory_allocated_gb).toBe(was.memory_allocated_gb + 16);
    expect(m.vm_count).toBe(was.vm_count + 1);
    const region = (found as Extract<StoreEvent, { type: 'machine' }>).region;
    expect(region.code).toBe('NRT');
    const sum = (await machines('NRT')).reduce((s, x) => s + x.cores_allocated, 0);
    expect(region.cores_allocated).toBe(sum);
  });
});

describe('capacity', () => {
  it('fills a region until no_capacity and the totals add up exactly', async () => {
    const region = 'SCL';
    const ms = await machines(region);
    const totalCores = ms.reduce((s, m) => s + m.cores_total - m.cores_allocated, 0);
    let ok = 0;
    let last: Awaited<ReturnType<typeof launch>> | null = null;
    // 1-core VMs of 1 GB: cores run out first on every machine, so exactly totalCores fit.
    for (let i = 0; i < totalCores + 5; i++) {
      last = await launch(region, 1, 1);
      if (last.status !== 201) break;
      ok++;
    }
    expect(ok).toBe(totalCores);
    expect(last?.status).toBe(409);
    expect(last?.body.error?.code).toBe('no_capacity');
    const { machines: after } = await expectAccountingHolds(region);
    expect(after.every((m) => m.cores_allocated === m.cores_total)).toBe(true);
  });

  it('200 concurrent launches into one region never over-allocate a machine', async () => {
    const region = 'SIN';
    const results = await Promise.all(Array.from({ length: 200 }, () => launch(region, 8, 2)));
    const statuses = new Set(results.map((r) => r.status));
    for (const s of statuses) expect([201, 409]).toContain(s);
    const created = results.filter((r) => r.status === 201).map((r) => r.body.id);
    expect(new Set(created).size).toBe(created.length);
    const { vms: all } = await expectAccountingHolds(region);
    for (const id of created) expect(all.some((v) => v.id === id)).toBe(true);
  });
});
