import { readFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors';
import { RpcClient, serveRpc } from '../../src/shared/rpc';
import { VERSION } from '../../src/shared/version';

interface Calc {
  add(a: number, b: number): number;
  slow(ms: number): Promise<string>;
  fail(): never;
  boom(): never;
}

const impl = {
  add: (a: number, b: number) => a + b,
  slow: (ms: number) => new Promise<string>((r) => setTimeout(() => r('done'), ms)),
  fail: () => {
    throw new ApiError('no_capacity', 'full', { largest_free_cores: 2 });
  },
  boom: () => {
    throw new TypeError('x is not a function');
  },
};

const channels: MessageChannel[] = [];
function pair(timeoutMs = 500) {
  const ch = new MessageChannel();
  channels.push(ch);
  const server = serveRpc(ch.port2, impl);
  const client = new RpcClient<Calc>('calc', { timeoutMs });
  client.attach(ch.port1);
  return { client, server, ch };
}
afterEach(() => {
  for (const ch of channels.splice(0)) {
    ch.port1.close();
    ch.port2.close();
  }
});

describe('worker RPC', () => {
  it('answers calls with values, by correlation id, out of order', async () => {
    const { client } = pair();
    const [slow, sum] = await Promise.all([client.api.slow(30), client.api.add(2, 3)]);
    expect(sum).toBe(5);
    expect(slow).toBe('done');
  });

  it('carries ApiErrors across with code, message and details', async () => {
    const { client } = pair();
    const err = await client.api.fail().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'no_capacity', message: 'full', details: { largest_free_cores: 2 } });
  });

  it('turns unexpected exceptions into internal errors, and the server keeps serving', async () => {
    const { client } = pair();
    await expect(client.api.boom()).rejects.toMatchObject({ code: 'internal', message: 'x is not a function' });
    expect(await client.api.add(1, 1)).toBe(2);
  });

  it('refuses unknown and inherited methods', async () => {
    const { client } = pair();
    await expect(client.call('nope', [])).rejects.toMatchObject({ code: 'bad_request' });
    await expect(client.call('constructor', [])).rejects.toMatchObject({ code: 'bad_request' });
    await expect(client.call('toString', [])).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('times out instead of hanging', async () => {
    const { client } = pair(50);
    await expect(client.api.slow(500)).rejects.toMatchObject({ code: 'timeout' });
    expect(client.inFlight).toBe(0);
  });

  it('times each call out on its own deadline, answered calls ahead of it or not, a longer one on its own', async () => {
    const { client } = pair(80);
    const quick = client.api.slow(10);
    const late = client.api.slow(500).catch((e) => e);
    const longer = client.call('slow', [150], 300) as Promise<string>;
    await new Promise((r) => setTimeout(r, 40));
    const later = client.api.slow(500).catch((e) => e);
    expect(await quick).toBe('done');
    expect(await late).toMatchObject({ code: 'timeout', message: 'calc did not answer slow within 80 ms' });
    expect(await later).toMatchObject({ code: 'timeout' });
    expect(await longer).toBe('done');
    expect(client.inFlight).toBe(0);
  });

  it('fails calls in flight with unavailable when the port is detached, and new calls at once', async () => {
    const { client } = pair(5000);
    const inFlight = client.api.slow(200);
    client.detach('calc worker is restarting');
    await expect(inFlight).rejects.toMatchObject({ code: 'unavailable', message: 'calc worker is restarting' });
    await expect(client.api.add(1, 2)).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('delivers events to subscribers', async () => {
    const { client, server } = pair();
    const got = new Promise((r) => client.on('tick', r));
    server.emit('tick', { n: 1 });
    expect(await got).toEqual({ n: 1 });
  });
});

describe('version', () => {
  it('matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
