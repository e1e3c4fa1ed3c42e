// fetchTransport's failures: a refused connection means nothing runs there (say so, do not
// retry); a connection dropped before the answer means a restarting proxy (worth a retry).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchTransport } from '../../src/shared/api';
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
