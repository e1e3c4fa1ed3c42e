// The host supervises its worker threads: one that dies is restarted, the others keep their
// ports re-pointed, and requests in flight fail with an error instead of hanging.

import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerStatus } from '../../src/shared/types';
import { startTestHost, type TestHost } from '../helpers/host';
import { until } from '../helpers/until';

let host: TestHost | null = null;
afterEach(async () => {
  await host?.stop();
  host = null;
});

const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/vms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

function waitReady(h: TestHost, name: WorkerStatus['name'], restarts: number): Promise<void> {
  const back = () => h.workers().some((w) => w.name === name && w.state === 'ready' && w.restarts >= restarts);
  return until(back, 5000, `${name} to be ready after ${restarts} restart(s)`);
}

describe('worker supervision', () => {
  it('starts three ready workers and stops cleanly', async () => {
    host = await startTestHost();
    expect(host.workers().map((w) => [w.name, w.state])).toEqual([
      ['store', 'ready'],
      ['orchestrator', 'ready'],
      ['proxy', 'ready'],
    ]);
    const res = await fetch(`${host.url}/healthz`);
    expect(res.status).toBe(200);
    await host.stop();
    await expect(fetch(`${host.url}/healthz`)).rejects.toThrow();
    host = null;
  });

  it('restarts a dead orchestrator; requests meanwhile get 503 and launches work again after', async () => {
    host = await startTestHost({ dataDir: null });
    expect((await post(host.url, { region: 'SIN', memory_gb: 4, cores: 2 })).status).toBe(201);
    const crash = host.crashWorker('orchestrator');
    const during = await post(host.url, { region: 'SIN', memory_gb: 4, cores: 2 });
    await crash;
    expect([201, 503]).toContain(during.status);
    if (during.status === 503)
      expect(((await during.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    await waitReady(host, 'orchestrator', 1);
    const after = await post(host.url, { region: 'SIN', memory_gb: 4, cores: 2 });
    expect(after.status).toBe(201);
  });

  it('restarts a dead proxy on the same port', async () => {
    host = await startTestHost();
    const url = host.url;
    await host.crashWorker('proxy');
    await waitReady(host, 'proxy', 1);
    await until(
      async () => (await fetch(`${url}/healthz`)).status === 200,
      2000,
      'the restarted proxy to answer /healthz',
    );
  });

  it('refuses to start on a malformed regions file, naming the line', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'flylight-')), 'bad.csv');
    writeFileSync(
      file,
      'kind,region,location,status,machine,datacenter,cores,memory_gb\nregion,SIN,Singapore,Operational,,,,\nmachine,SIN,,available,m1,dc-1,-4,64\n',
    );
    await expect(startTestHost({ regionsFile: file })).rejects.toThrow(/bad\.csv:3: /);
  });
});
