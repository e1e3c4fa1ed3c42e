// What the dashboard asks the real host for a region and a card: the region's machines in the
// compact column form (the same machines as the object form, for a fraction of the bytes) and
// one machine's VMs (GET /v1/vms?machine=, read from the store's index by machine).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeMachineColumns } from '../../src/shared/machine-wire';
import type { Machine, Vm } from '../../src/shared/types';
import type { VmPage } from '../../src/shared/vm-query';
import { startTestHost, type TestHost } from '../helpers/host';
import { until } from '../helpers/until';

const TOKEN = 'W'.repeat(43);
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ token: TOKEN, flydIntervalMs: 50 });
});
afterAll(async () => {
  await host?.stop();
});

const get = async (path: string) => {
  const res = await fetch(`${host.url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> };
};
const launch = async (cores: number): Promise<Vm> => {
  const res = await fetch(`${host.url}/v1/vms`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ region: 'SIN', memory_gb: cores * 2, cores }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Vm;
};

it('a region’s machines as columns are the object form’s machines, in a smaller body', async () => {
  const vm = await launch(4);
  await until(
    async () => ((await get('/v1/regions/SIN/machines')).body.machines as Machine[]).some((m) => m.vm_count > 0),
    5000,
    'FlyD to write the launch',
  );
  const objects = await get('/v1/regions/SIN/machines');
  const columns = await get('/v1/regions/SIN/machines?form=columns');
  expect(columns.status).toBe(200);
  const decoded = decodeMachineColumns('GET', columns.body);
  expect(decoded).toEqual(objects.body.machines);
  expect(decoded.find((m) => m.id === vm.machine_id)?.cores_allocated).toBe(4);
  expect(columns.text.length).toBeLessThan(objects.text.length);
  expect((await get('/v1/regions/SIN/machines?form=objects')).body).toEqual(objects.body);
});

it('a form it does not know, or given twice, is refused saying what is allowed', async () => {
  const bad = await get('/v1/regions/SIN/machines?form=csv');
  expect(bad.status).toBe(400);
  expect(bad.body).toMatchObject({
    error: { code: 'bad_request', message: 'form must be one of objects, columns; got "csv"' },
  });
  expect((await get('/v1/regions/SIN/machines?form=columns&form=columns')).status).toBe(400);
  // An unknown region is refused as in the object form.
  const unknown = await get('/v1/regions/NOPE/machines?form=columns');
  expect(unknown.body).toEqual((await get('/v1/regions/NOPE/machines')).body);
  expect(unknown.body).toMatchObject({ error: { code: 'unknown_region' } });
});

it('`limit` answers the first machines by id, in either form, and refuses what is not a count', async () => {
  const all = (await get('/v1/regions/SIN/machines')).body.machines as Machine[];
  expect(all.length).toBeGreaterThan(3);
  const first = decodeMachineColumns('GET', (await get('/v1/regions/SIN/machines?form=columns&limit=3')).body);
  expect(first).toEqual(all.slice(0, 3));
  expect((await get('/v1/regions/SIN/machines?limit=2')).body.machines).toEqual(all.slice(0, 2));
  // More than the region has is the whole region.
  expect(decodeMachineColumns('GET', (await get('/v1/regions/SIN/machines?form=columns&limit=100000')).body)).toEqual(
    all,
  );
  for (const bad of ['0', '-1', '2.5', 'ten']) {
    const res = await get(`/v1/regions/SIN/machines?form=columns&limit=${bad}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: { code: 'bad_request', message: expect.stringContaining('limit must be a whole number from 1') },
    });
  }
});

it('one machine’s VMs, as a card asks for them', async () => {
  const a = await launch(1);
  const b = await launch(1);
  for (const v of [a, b]) {
    const page = (await get(`/v1/vms?machine=${v.machine_id}&limit=1000`)).body as unknown as VmPage;
    expect(page.vms.map((x) => x.id)).toContain(v.id);
    expect(page.vms.every((x) => x.machine_id === v.machine_id)).toBe(true);
    expect(page.total).toBe(page.vms.length);
  }
});
