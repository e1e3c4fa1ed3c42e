// fetchTransport's failures: a refused connection means nothing runs there (say so, do not
// retry); a connection dropped before the answer means a restarting proxy (worth a retry).
// createApiClient's onStale: what a shared fleet's host says about its copy's freshness.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient, fetchTransport, STALE_HEADER } from '../../src/shared/api';
import { ApiError } from '../../src/shared/errors';

let server: Server | null = null;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = null;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('fetchTransport', () => {
  it('says nothing answers when the connection is refused', async () => {
    const base = await listen(() => {});
    await new Promise((r) => server?.close(r));
    server = null;
    const err = await failure(fetchTransport(base)({ method: 'GET', path: '/healthz' }));
    expect(err.code).toBe('unavailable');
    expect(err.message).toMatch(/^nothing answers at http:\/\/127\.0\.0\.1:\d+ /);
  });

  it('says the connection dropped when the server hangs up before answering', async () => {
    const base = await listen((req) => req.socket.destroy());
    const err = await failure(fetchTransport(base)({ method: 'POST', path: '/v1/vms', body: {} }));
    expect(err.code).toBe('unavailable');
    expect(err.message).toMatch(/^the connection to http:\/\/127\.0\.0\.1:\d+ dropped before an answer/);
    expect(err.details).toEqual({ dropped: true });
  });

  it('sends the idempotency key as the Idempotency-Key header', async () => {
    let seen: string | undefined;
    const base = await listen((req, res) => {
      seen = req.headers['idempotency-key'] as string | undefined;
      res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
    });
    const res = await fetchTransport(base)({ method: 'POST', path: '/v1/vms', body: {}, idempotencyKey: 'deploy-7' });
    expect(res.status).toBe(201);
    expect(seen).toBe('deploy-7');
  });
});

describe('createApiClient: stale reads', () => {
  /** A gate stand-in: GET /v1/regions carries the stale header while `stale` is set; 404 and POST never do. */
  async function gate(state: { stale: string | null }): Promise<string> {
    return listen((req, res) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (req.url === '/v1/regions') {
        if (state.stale) headers[STALE_HEADER] = state.stale;
        res.writeHead(200, headers).end('{"regions":[]}');
      } else if (req.url === '/v1/reset') {
        res.writeHead(200, headers).end('{"reset":true,"regions":0,"machines":0}');
      } else {
        res.writeHead(404, headers).end('{"error":{"code":"not_found","message":"no such thing"}}');
      }
    });
  }

  it('tells every read answered its reason, or null once reads are current again', async () => {
    const state: { stale: string | null } = { stale: 'this host has not renewed its etcd lease for 5.2 s' };
    const told: (string | null)[] = [];
    const api = createApiClient(fetchTransport(await gate(state)), (r) => told.push(r));
    await api.regions();
    state.stale = null;
    await api.regions();
    expect(told).toEqual(['this host has not renewed its etcd lease for 5.2 s', null]);
  });

  it('says nothing for a refusal or a write: the gate marks only reads it answered', async () => {
    const told: (string | null)[] = [];
    const api = createApiClient(fetchTransport(await gate({ stale: 'lease expired' })), (r) => told.push(r));
    await expect(api.vm('nope')).rejects.toMatchObject({ code: 'not_found' });
    await api.reset();
    expect(told).toEqual([]);
  });
});
