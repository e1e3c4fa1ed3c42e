// The dashboard's two adapters tell the page whether the host's reads may be stale: the Electron
// one from the IPC answers (the gate's mark, as ipc-gate.ts passes it on), the browser one from
// the HTTP header of a real server. The store keeps the last word (state/cluster.ts).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { browserClient, electronClient } from '../../../../src/renderer/src/api/client';
import { type ApiResponse, STALE_HEADER } from '../../../../src/shared/api';

const REGIONS = { regions: [] };

let server: Server | null = null;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = null;
});

describe('AppClient.onStale', () => {
  it('Electron: each read answered over IPC says its mark, or null; unsubscribing stops it', async () => {
    const answers: ApiResponse[] = [
      { status: 200, body: REGIONS, stale: 'lease expired' },
      { status: 200, body: REGIONS },
      { status: 200, body: REGIONS, stale: 'lease expired' },
    ];
    const client = electronClient({
      request: async () => answers.shift() as ApiResponse,
      onEvent: () => () => {},
    });
    const told: (string | null)[] = [];
    const off = client.onStale((r) => told.push(r));
    await client.api.regions();
    await client.api.regions();
    off();
    await client.api.regions();
    expect(told).toEqual(['lease expired', null]);
  });

  it('browser: the header of a real HTTP answer, then none', async () => {
    let stale: string | null = 'this host has not renewed its etcd lease for 6.1 s';
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(stale ? { [STALE_HEADER]: stale } : {}) });
      res.end(JSON.stringify(REGIONS));
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = browserClient(origin, { get: () => null, set: () => {}, clear: () => {} });
    const told: (string | null)[] = [];
    client.onStale((r) => told.push(r));
    await client.api.regions();
    stale = null;
    await client.api.regions();
    expect(told).toEqual(['this host has not renewed its etcd lease for 6.1 s', null]);
  });
});
