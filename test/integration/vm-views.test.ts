// The routes the dashboard's VM list and drawers read, against the real `flylight serve`:
// GET /v1/vms with filters, sort and paging (and its clear refusals), a VM's history with the
// placement note of its launch (kept after the VM is destroyed), GET /v1/machines/{id} and a
// machine's allocation and status over time as the host recorded them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachineHistory } from '../../src/shared/machine-history';
import type { Machine, Vm } from '../../src/shared/types';
import type { VmHistory } from '../../src/shared/vm-history';
import type { VmPage } from '../../src/shared/vm-query';
import { type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

let serve: ServeProcess;
const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
  const res = await fetch(serve.url + path, {
    ...init,
    headers: { ...serve.auth(), ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  return { status: res.status, body: (await res.json()) as T };
};
const launch = (body: Record<string, unknown>) =>
  api<Vm & { vms?: Vm[] }>('/v1/vms', { method: 'POST', body: JSON.stringify(body) });

beforeAll(async () => {
  serve = await startServe(['--ephemeral', '--seed', '5', '--strategy', 'binpack']);
  // 12 VMs in SIN (a batch: planned), 3 in NRT one by one (the ranked path).
  const batch = await launch({ region: 'SIN', memory_gb: 2, cores: 1, count: 12 });
  expect(batch.status).toBe(201);
  for (let i = 0; i < 3; i++) expect((await launch({ region: 'NRT', memory_gb: 4, cores: 2 })).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await serve?.stop();
});

describe('GET /v1/vms with filters, sort and pages', () => {
  it('answers the whole list as before when only region is given', async () => {
    const all = await api<{ vms: Vm[]; total?: number }>('/v1/vms');
    expect(all.body.vms).toHaveLength(15);
    expect(all.body.total).toBeUndefined();
    const sin = await api<{ vms: Vm[] }>('/v1/vms?region=sin');
    expect(sin.body.vms.every((v) => v.region === 'SIN')).toBe(true);
  });

  it('pages a sorted selection without overlap, and counts every match', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < 15; offset += 4) {
      const p = await api<VmPage>(`/v1/vms?sort=id&order=desc&limit=4&offset=${offset}`);
      expect(p.status).toBe(200);
      expect(p.body.total).toBe(15);
      expect(p.body.limit).toBe(4);
      seen.push(...p.body.vms.map((v) => v.id));
    }
    expect(seen).toHaveLength(15);
    expect(seen).toEqual([...seen].sort().reverse());
  });

  it('filters by region, state and machine', async () => {
    const nrt = await api<VmPage>('/v1/vms?region=NRT&state=started,stopped&limit=100');
    expect(nrt.body.total).toBe(3);
    const machine = nrt.body.vms[0].machine_id;
    const onMachine = await api<VmPage>(`/v1/vms?machine=${machine}&limit=100`);
    expect(onMachine.body.vms.length).toBeGreaterThan(0);
    expect(onMachine.body.vms.every((v) => v.machine_id === machine)).toBe(true);
    const none = await api<VmPage>('/v1/vms?state=suspended&limit=10');
    expect(none.body).toMatchObject({ vms: [], total: 0 });
  });

  it('sees a change at once (the cached selection is dropped)', async () => {
    const before = await api<VmPage>('/v1/vms?state=stopped&limit=10');
    const target = (await api<VmPage>('/v1/vms?region=NRT&limit=1')).body.vms[0];
    expect((await api(`/v1/vms/${target.id}/stop`, { method: 'POST' })).status).toBe(200);
    const after = await api<VmPage>('/v1/vms?state=stopped&limit=10');
    expect(after.body.total).toBe(before.body.total + 1);
    expect(after.body.vms.map((v) => v.id)).toContain(target.id);
  });

  it.each([
    ['state=running', 'state', 'state must be one or more of'],
    ['sort=colour', 'sort', 'sort must be one of created_at, id, state'],
    ['order=up', 'order', 'order must be asc or desc'],
    ['limit=0', 'limit', 'limit must be a whole number from 1 to 1000'],
    ['limit=5000', 'limit', 'limit must be a whole number from 1 to 1000'],
    ['offset=3', 'offset', 'offset needs limit'],
    ['limit=1&offset=-1', 'offset', 'offset must be a whole number'],
    ['machine=%20x', 'machine', 'machine must be a machine id'],
    ['page=2', 'page', 'page'],
  ])('refuses %s with a clear 400', async (query, field, words) => {
    const r = await api<ErrorBody>(`/v1/vms?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain(words);
    if (field !== 'page') expect(r.body.error.details?.field).toBe(field);
  });

  it('refuses an unknown region by name', async () => {
    const r = await api<ErrorBody>('/v1/vms?region=XYZ&limit=5');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/XYZ/);
  });
});

describe('GET /v1/vms/{id}/history', () => {
  it('has the launch transitions and the plan of a batch launch', async () => {
    const vm = (await api<VmPage>('/v1/vms?region=SIN&limit=1')).body.vms[0];
    const h = await api<VmHistory>(`/v1/vms/${vm.id}/history`);
    expect(h.status).toBe(200);
    expect(h.body.vm?.id).toBe(vm.id);
    expect(h.body.transitions[0]).toMatchObject({ from: null, to: 'creating', operation: 'create' });
    expect(h.body.transitions.at(-1)?.to).toBe('started');
    const note = h.body.placement;
    expect(note).toMatchObject({ strategy: 'binpack', path: 'plan', count: 12, machine_id: vm.machine_id });
    expect(note?.verdicts?.length).toBeGreaterThan(0);
    expect(note?.verdicts?.length).toBeLessThanOrEqual(9);
    expect(note?.machines_seen).toBeGreaterThanOrEqual(note?.machines_fitting ?? 0);
  });

  it('keeps the ranked path note, and the history of a destroyed VM', async () => {
    const vm = (await api<VmPage>('/v1/vms?region=NRT&state=started&limit=1')).body.vms[0];
    expect((await api(`/v1/vms/${vm.id}?force=true`, { method: 'DELETE' })).status).toBe(200);
    const h = await api<VmHistory>(`/v1/vms/${vm.id}/history`);
    expect(h.status).toBe(200);
    expect(h.body.vm).toBeNull();
    expect(h.body.transitions.at(-1)).toMatchObject({ to: 'destroyed', operation: 'destroy' });
    expect(h.body.placement).toMatchObject({ path: 'ranked', strategy: 'binpack', cores: 2, memory_gb: 4 });
    expect(h.body.placement?.machine_before?.cores_free).toBeGreaterThanOrEqual(2);
    expect((await api<ErrorBody>(`/v1/vms/${vm.id}`)).status).toBe(404);
  });

  it('is 404 for an id that never lived, and for a malformed one', async () => {
    const r = await api<ErrorBody>('/v1/vms/vm-000000000000/history');
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain('vm-000000000000');
    expect((await api<ErrorBody>('/v1/vms/nope/history')).status).toBe(404);
    expect((await api<ErrorBody>('/v1/vms/vm-000000000000/history?x=1')).status).toBe(400);
  });
});

describe('GET /v1/machines/{id}', () => {
  it('answers a machine of any region, 404 for an unknown one', async () => {
    const m = (await api<{ machines: Machine[] }>('/v1/regions/NRT/machines')).body.machines[0];
    const r = await api<Machine>(`/v1/machines/${m.id}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: m.id, region: 'NRT' });
    const gone = await api<ErrorBody>('/v1/machines/zzz-404');
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toContain('zzz-404');
  });
});

describe('GET /v1/machines/{id}/history', () => {
  type History = MachineHistory;

  it("answers a machine's allocation over time as the host recorded it, the last change equal to the machine now", async () => {
    const sin = (await api<VmPage>('/v1/vms?region=SIN&limit=1')).body.vms[0];
    const id = sin.machine_id;
    // FlyD writes the machine up to one interval after the launch (a read before that shows the
    // machine without its VMs); the host records each write it publishes. So both are read until
    // the machine holds the launch's VMs and the record's last point is that write.
    let now = (await api<Machine>(`/v1/machines/${id}`)).body;
    let h = (await api<History>(`/v1/machines/${id}/history`)).body;
    await until(async () => {
      now = (await api<Machine>(`/v1/machines/${id}`)).body;
      h = (await api<History>(`/v1/machines/${id}/history`)).body;
      return now.vm_count > 0 && h.points.at(-1)?.cores_allocated === now.cores_allocated;
    });
    expect(h).toMatchObject({ machine_id: id, window_ms: 600_000, dropped: 0 });
    // The host recorded from before the first launch: the chart reaches back to it.
    expect(h.since).toBeLessThanOrEqual(Date.parse(sin.created_at));
    expect(h.points.at(-1)).toMatchObject({
      cores_allocated: now.cores_allocated,
      memory_allocated_gb: now.memory_allocated_gb,
      vm_count: now.vm_count,
      status: now.status,
    });
    const ts = h.points.map((p) => p.t);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(ts[0]).toBeGreaterThanOrEqual(h.since);
  });

  it('records status changes (drain, online) and keeps them for the next client', async () => {
    const m = (await api<{ machines: Machine[] }>('/v1/regions/FRA/machines')).body.machines[0];
    const before = (await api<History>(`/v1/machines/${m.id}/history`)).body;
    expect(before.points).toEqual([]); // untouched since the host started: at its current figures
    expect((await api(`/v1/machines/${m.id}/drain`, { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await api(`/v1/machines/${m.id}/online`, { method: 'POST', body: '{}' })).status).toBe(200);
    let h = before;
    await until(async () => {
      h = (await api<History>(`/v1/machines/${m.id}/history`)).body;
      return h.points.some((p) => p.status === 'draining') && h.points.at(-1)?.status !== 'draining';
    });
    expect(h.points.map((p) => p.status)).toEqual(['draining', 'available']);
  });

  it('is 404 for an unknown machine and 400 for a query it does not take', async () => {
    const gone = await api<ErrorBody>('/v1/machines/zzz-404/history');
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toContain('zzz-404');
    const m = (await api<{ machines: Machine[] }>('/v1/regions/NRT/machines')).body.machines[0];
    const bad = await api<ErrorBody>(`/v1/machines/${m.id}/history?since=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('since');
    // The actions' path beside it still takes only POST.
    expect((await api(`/v1/machines/${m.id}/history`, { method: 'POST', body: '{}' })).status).toBe(405);
  });
});
