// The connection cap on a bare node:http server: refusal bytes, and which connection makes room.

import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionGuard, type EvictReason } from '../../../src/main/proxy/connections';
import { until } from '../../helpers/until';

let server: Server;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise((r) => server.close(r));
});

async function start(max: number, graceMs: number, evicted: EvictReason[]): Promise<number> {
  const guard = new ConnectionGuard({ max, graceMs, onEvict: (w) => evicted.push(w) });
  server = createServer((req, res) => {
    if (!guard.begin(req, res)) return;
    res.end('ok');
  });
  guard.attach(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function open(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
  });
}

describe('ConnectionGuard', () => {
  it('refuses past the cap with a readable 503 while nothing can make room', async () => {
    const evicted: EvictReason[] = [];
    const port = await start(2, 10_000, evicted);
    await open(port);
    await open(port);
    const third = await open(port);
    await third.closed;
    expect(third.received()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(third.received()).toContain('too many open connections (at most 2)');
    expect(evicted).toEqual([]);
  });

  it('closes an idle kept-alive connection first to make room', async () => {
    const evicted: EvictReason[] = [];
    const port = await start(2, 10_000, evicted);
    const idle = await open(port);
    idle.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(
      () => /^HTTP\/1\.1 200 /.test(idle.received()),
      2000,
      'the first answer (the connection is idle after it)',
    );
    const silent = await open(port);
    const third = await open(port);
    await idle.closed;
    expect(evicted).toEqual(['idle']);
    third.socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await third.closed;
    expect(third.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(silent.socket.destroyed).toBe(false);
  });

  it('closes a connection silent for longer than the grace', async () => {
    const evicted: EvictReason[] = [];
    const port = await start(1, 200, evicted);
    const silent = await open(port);
    await new Promise((r) => setTimeout(r, 300));
    const next = await open(port);
    await silent.closed;
    expect(evicted).toEqual(['silent']);
    next.socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await next.closed;
    expect(next.received()).toMatch(/^HTTP\/1\.1 200 /);
  });
});
