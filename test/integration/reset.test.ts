// `POST /v1/reset` (behind `flylight reset` and the dashboard's confirm) returns the real host to
// its bootstrap fleet: every VM gone, every machine empty, and launching works at once after.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Machine, StoreEvent, Vm } from '../../src/shared/types';
import { startTestHost, type TestHost } from '../helpers/host';
import { quietFor, until } from '../helpers/until';

const TOKEN = 'R'.repeat(43);
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
let host: TestHost | null = null;
afterEach(async () => {
  await host?.stop();
  host = null;
});

const call = async <T>(path: string, init: RequestInit = {}) => {
  const res = await fetch(`${(host as TestHost).url}${path}`, { ...init, headers });
  return { status: res.status, body: (await res.json()) as T };
};
/** Cores allocated over SIN's machines, as the store shows them. */
const sinCores = async () =>
  (await call<{ machines: Machine[] }>('/v1/regions/SIN/machines')).body.machines.reduce(
    (s, m) => s + m.cores_allocated,
    0,
  );
const launch = () =>
  call<Vm>('/v1/vms', { method: 'POST', body: JSON.stringify({ region: 'SIN', memory_gb: 8, cores: 4 }) });

it('resets a durable fleet to its bootstrap state and keeps working', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flylight-reset-'));
  host = await startTestHost({ dataDir, token: TOKEN, flydIntervalMs: 50 });
  const events: StoreEvent[] = [];
  host.onEvent((e) => events.push(e));
  for (let i = 0; i < 6; i++) expect((await launch()).status).toBe(201);
  await until(async () => (await sinCores()) === 24, 5000, 'FlyD to flush the six launches');

  const reset = await call<{ reset: boolean; regions: number; machines: number }>('/v1/reset', {
    method: 'POST',
    body: '{}',
  });
  expect(reset).toEqual({ status: 200, body: { reset: true, regions: 35, machines: 215 } });
  // Events cross to the host a little after the answer (they linger for company: rpc-outbox.ts).
  await until(async () => events.some((e) => e.type === 'reset'), 2000, 'the reset event to reach the host');

  await quietFor(200); // a stale FlyD flush would land here
  expect((await call<{ vms: Vm[] }>('/v1/vms')).body.vms).toEqual([]);
  const machines = (await call<{ machines: Machine[] }>('/v1/regions/SIN/machines')).body.machines;
  expect(machines.every((m) => m.cores_allocated === 0 && m.memory_allocated_gb === 0 && m.vm_count === 0)).toBe(true);

  const after = await launch();
  expect(after.status).toBe(201);
  await until(async () => (await sinCores()) === 4, 5000, 'FlyD to flush the launch after the reset');

  // The reset is durable too: a restart shows the one VM made after it.
  await host.stop();
  host = await startTestHost({ dataDir, token: TOKEN });
  expect((await call<{ vms: Vm[] }>('/v1/vms')).body.vms.map((v) => v.id)).toEqual([after.body.id]);
});

it('refuses a reset with a body it does not understand', async () => {
  host = await startTestHost({ token: TOKEN });
  const res = await call<{ error: { code: string; message: string } }>('/v1/reset', {
    method: 'POST',
    body: '{"confirm": true}',
  });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('unknown_field');
  expect(res.body.error.message).toMatch(/confirm/);
});
