// The proxy's HTTP-only routes — the built dashboard and the event stream — over real HTTP on
// 127.0.0.1 port 0, in-process with detached peers (these routes never call a worker).

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/main/common/log';
import { createProxy, type ProxyInstance } from '../../src/main/proxy/proxy';
import { RpcClient } from '../../src/shared/rpc';
import type { HostService, OrchestratorService, StoreService } from '../../src/shared/services';
import type { Region, StoreEvent } from '../../src/shared/types';
import { until } from '../helpers/until';

const INDEX = '<!doctype html><title>Flylight</title><div id="root"></div>';
const BUNDLE = `console.log(${JSON.stringify('flylight '.repeat(2000))});\n`;

let dir: string;
let proxy: ProxyInstance;
let bare: ProxyInstance;

function build(staticDir: string | null, port = 0): ProxyInstance {
  return createProxy({
    // Detached clients: any call would be 503, and these routes must not make one.
    store: new RpcClient<StoreService>('store', { timeoutMs: 100 }).api,
    orchestrator: new RpcClient<OrchestratorService>('orchestrator', { timeoutMs: 100 }).api,
    host: new RpcClient<HostService>('host', { timeoutMs: 100 }).api,
    config: { host: '127.0.0.1', port, staticDir, flydIntervalMs: 100 },
    log: createLogger('silent'),
  });
}

async function start(staticDir: string | null): Promise<ProxyInstance> {
  const p = build(staticDir);
  await p.listen();
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flylight-static-'));
  await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
  await writeFile(join(dir, 'dist', 'index.html'), INDEX);
  await writeFile(join(dir, 'dist', 'assets', 'index-AbCd1234.js'), BUNDLE);
  await writeFile(join(dir, 'dist', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(dir, 'secret.txt'), 'not for the web');
  await symlink(join(dir, 'secret.txt'), join(dir, 'dist', 'assets', 'leak.txt'));
  proxy = await start(join(dir, 'dist'));
  bare = await start(null);
});

afterAll(async () => {
  await proxy?.close();
  await bare?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(p: ProxyInstance, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  const { port } = p.service.address();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard files', () => {
  it.each(['/', '/flylight', '/flylight/'])('GET %s is index.html, revalidated each time', async (path) => {
    const res = await get(proxy, path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body.toString()).toBe(INDEX);
    const again = await get(proxy, path, { 'if-none-match': String(res.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('hashed assets are immutable and compressed as the client accepts', async () => {
    const br = await get(proxy, '/assets/index-AbCd1234.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.body).toString()).toBe(BUNDLE);
    expect(br.body.length).toBeLessThan(BUNDLE.length / 10);

    const gz = await get(proxy, '/assets/index-AbCd1234.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(BUNDLE);
    expect(gz.headers.etag).not.toBe(br.headers.etag);

    const plain = await get(proxy, '/assets/index-AbCd1234.js', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(BUNDLE);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('HEAD answers the headers only', async () => {
    const res = await get(proxy, '/favicon.svg', {}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.body.length).toBe(0);
  });

  it.each([
    ['/assets/missing.js', 404],
    ['/assets/leak.txt', 404],
    ['/assets/../../secret.txt', 400],
    ['/assets/%2e%2e/%2e%2e/secret.txt', 400],
    ['/assets/..%2F..%2Fsecret.txt', 400],
    ['/secret.txt', 404],
  ])('%s stays inside the dashboard (%i)', async (path, status) => {
    const res = await get(proxy, path);
    expect(res.status).toBe(status);
    expect(res.body.toString()).not.toContain('not for the web');
    expect(JSON.parse(res.body.toString()).error.code).toBe(status === 400 ? 'bad_request' : 'not_found');
  });

  it('without a built dashboard, / says how to build it', async () => {
    const res = await get(bare, '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body.toString()).toContain('npm run build');
    expect((await get(bare, '/assets/index-AbCd1234.js')).status).toBe(404);
  });
});

describe('listening', () => {
  it('a port in use rejects with what to do about it', async () => {
    const { port } = proxy.service.address();
    const clash = build(null, port);
    await expect(clash.listen()).rejects.toThrow(`port ${port} is in use; pass --port N or --port 0`);
    await clash.close();
  });
});

/** Reads an event stream until `until` is satisfied by the text so far. */
function stream(p: ProxyInstance, headers: Record<string, string>, until: (text: string) => boolean) {
  const { port } = p.service.address();
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/events', headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
        if (until(text)) {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
          req.destroy();
        }
      });
    });
    req.on('error', (e) => (e.message.includes('aborted') ? undefined : reject(e)));
    req.end();
  });
}

const REGION: Region = {
  code: 'SIN',
  location: 'Singapore',
  status: 'Operational',
  machine_count: 1,
  vm_count: 0,
  cores_total: 32,
  cores_allocated: 4,
  memory_total_gb: 64,
  memory_allocated_gb: 8,
};

function machineEvent(seq: number): StoreEvent {
  return {
    type: 'machine',
    seq,
    at: '2025-01-01T00:00:00.000Z',
    region: REGION,
    machine: {
      id: 'sin-1',
      region: 'SIN',
      datacenter: 'dc-1',
      status: 'allocated',
      cores_total: 32,
      cores_allocated: 4,
      memory_total_gb: 64,
      memory_allocated_gb: 8,
      vm_count: 1,
      updated_at: '2025-01-01T00:00:00.000Z',
    },
  };
}

describe('the event stream', () => {
  it('opens with a comment, then sends each store event as id/event/data', async () => {
    const got = stream(proxy, {}, (t) => t.includes('event: reset'));
    // Wait for the stream to be attached before publishing.
    await until(() => proxy.hub.size > 0, 2000, 'the stream to be attached');
    proxy.publish(machineEvent(1));
    proxy.publish({ type: 'reset', seq: 2, at: '2025-01-01T00:00:01.000Z' });
    const res = await got;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.text.startsWith(': connected\n')).toBe(true);
    const frames = res.text.split('\n\n').filter((f) => f.startsWith('id:'));
    expect(frames[0]).toBe(`id: 1\nevent: machine\ndata: ${JSON.stringify(machineEvent(1))}`);
    expect(frames[1]).toMatch(/^id: 2\nevent: reset\ndata: \{"type":"reset","seq":2/);
  });

  it('replays what a reconnecting client missed (Last-Event-ID)', async () => {
    proxy.publish(machineEvent(3));
    proxy.publish(machineEvent(4));
    const res = await stream(proxy, { 'last-event-id': '2' }, (t) => t.includes('id: 4\n'));
    expect(res.text).toContain('id: 3\n');
    expect(res.text).not.toContain('id: 2\n');
  });

  it('is GET only', async () => {
    const res = await get(proxy, '/v1/events', {}, 'DELETE');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});
