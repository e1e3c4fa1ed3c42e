import { describe, expect, it } from 'vitest';
import { handleIpcRequest, toGateRequest } from '../../../src/main/host/ipc-gate';
import { ApiError } from '../../../src/shared/errors';
import type { GateRequest } from '../../../src/shared/services';

describe('IPC into the gate', () => {
  it('turns an API request into the same gate request HTTP would make', () => {
    expect(toGateRequest({ method: 'POST', path: '/v1/vms', body: { region: 'SIN', memory_gb: 8, cores: 4 } })).toEqual(
      {
        method: 'POST',
        url: '/v1/vms',
        via: 'ipc',
        body: '{"region":"SIN","memory_gb":8,"cores":4}',
        headers: { accept: 'application/json', 'content-type': 'application/json', 'content-length': '40' },
      },
    );
  });

  it('carries an idempotency key as the header HTTP clients send', () => {
    const gate = toGateRequest({ method: 'POST', path: '/v1/vms', body: {}, idempotencyKey: 'deploy-7' });
    expect(gate.headers['idempotency-key']).toBe('deploy-7');
  });

  it.each([
    [null, /must be an object/],
    ['GET /v1/regions', /must be an object/],
    [{ method: 'PUT', path: '/v1/vms' }, /method must be one of GET, POST, DELETE/],
    [{ method: 'GET', path: 'v1/vms' }, /path must be a string starting with \//],
    [{ method: 'GET', path: `/${'a'.repeat(3000)}` }, /at most 2048/],
    [{ method: 'POST', path: '/v1/vms', idempotencyKey: 42 }, /idempotencyKey must be a string/],
  ])('refuses a malformed request %#', (input, message) => {
    expect(() => toGateRequest(input)).toThrow(message);
  });

  it('answers failures as error bodies instead of rejecting', async () => {
    const down = async (_r: GateRequest) => {
      throw new ApiError('unavailable', 'proxy worker is restarting');
    };
    expect(await handleIpcRequest({ method: 'GET', path: '/v1/regions' }, down)).toEqual({
      status: 503,
      body: { error: { code: 'unavailable', message: 'proxy worker is restarting' } },
    });
    expect((await handleIpcRequest({ method: 'PATCH', path: '/' }, down)).status).toBe(400);
  });

  it('passes the gate’s answer through with its JSON parsed', async () => {
    const gate = async (r: GateRequest) => ({
      status: 200,
      headers: {},
      body: JSON.stringify({ echo: r.url, via: r.via }),
    });
    expect(await handleIpcRequest({ method: 'GET', path: '/v1/regions' }, gate)).toEqual({
      status: 200,
      body: { echo: '/v1/regions', via: 'ipc' },
    });
  });

  it('passes on a replayed launch and a stale read, as the HTTP client reads them from the headers', async () => {
    const gate = async () => ({
      status: 200,
      headers: {
        'idempotent-replayed': 'true',
        'flylight-stale': 'this host has not renewed its etcd lease for 5.2 s',
      },
      body: '{}',
    });
    expect(await handleIpcRequest({ method: 'GET', path: '/v1/regions' }, gate)).toEqual({
      status: 200,
      body: {},
      replayed: true,
      stale: 'this host has not renewed its etcd lease for 5.2 s',
    });
  });
});
