// The built Electron main bundle and preload, without Electron: out/main/index.js runs in Node
// on a stand-in 'electron' module (test/helpers/electron-standin) that records what the app
// does, runs the preload the window names as a sandboxed preload runs, and lets the test act as
// the page, the user and the OS. Under it: the real host, real worker threads, a real port.

import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC } from '../../src/shared/ipc';
import { ROOT, startServe } from '../helpers/host';
import { parseExposition, sampleValue } from '../helpers/prom-text';
import { type StandinApp, startStandinApp } from '../helpers/standin-app';

interface ApiReply {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}
interface WindowRecord {
  webPreferences: Record<string, unknown> & { preload: string };
}

const LAUNCH = { region: 'SIN', memory_gb: 8, cores: 4 };
const BAD_LAUNCH = { region: 'SIN', memory_gb: 999, cores: 4 };

const page = (app: StandinApp, req: unknown) => app.call<ApiReply>({ cmd: 'page-request', req });

async function http(app: StandinApp, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = { authorization: `Bearer ${app.token()}`, 'content-type': 'application/json', ...init.headers };
  return fetch(`${await app.url()}${path}`, { ...init, headers });
}

async function launchesCounted(app: StandinApp, status: string): Promise<number> {
  const text = await (await http(app, '/metrics')).text();
  return (
    sampleValue(parseExposition(text), 'flylight_http_requests_total', { route: 'vms', method: 'POST', status }) ?? 0
  );
}

function logLines(app: StandinApp): Record<string, unknown>[] {
  return readFileSync(join(app.userData, 'data', 'logs', 'flylight.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function until<T>(what: string, probe: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the desktop app on the stand-in Electron', () => {
  let app: StandinApp;
  beforeAll(async () => {
    app = startStandinApp();
    await app.waitFor('show');
  });
  afterAll(() => app.kill());

  it('opens one isolated, sandboxed window whose preload and renderer exist', async () => {
    const win = await app.waitFor<WindowRecord>('window');
    expect(win.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(win.webPreferences.preload).toBe(join(ROOT, 'out', 'preload', 'index.cjs'));
    expect(app.records.filter((r) => r.kind === 'preload-missing' || r.kind === 'preload-error')).toEqual([]);
    expect(app.records.filter((r) => r.kind === 'window')).toHaveLength(1);

    expect(await app.waitFor('load')).toEqual({ url: 'flylight://app/index.html' });
    expect(await app.waitFor('page-loaded')).toMatchObject({ status: 200, contentType: 'text/html; charset=utf-8' });
    expect(await app.waitFor('privileged-schemes')).toEqual([
      { scheme: 'flylight', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
  });

  it('serves every file index.html names on flylight://app, and nothing outside out/renderer', async () => {
    const index = await app.call<{ status: number; headers: Record<string, string>; body: string }>({
      cmd: 'fetch-app',
      url: 'flylight://app/index.html',
    });
    expect(index.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const refs = [...index.body.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) {
      const res = await app.call<{ status: number; headers: Record<string, string> }>({
        cmd: 'fetch-app',
        url: `flylight://app/${ref}`,
      });
      expect(res.status, ref).toBe(200);
      expect(res.headers['content-type'], ref).toMatch(/^(text\/javascript|text\/css|image\/svg\+xml)/);
    }
    for (const url of [
      'flylight://app/../main/index.js',
      'flylight://app/..%2fmain%2findex.js',
      'flylight://x/index.html',
    ]) {
      expect((await app.call<{ status: number }>({ cmd: 'fetch-app', url })).status, url).toBe(404);
    }
  });

  it('the preload exposes exactly one key with exactly the typed methods, and no ipcRenderer', async () => {
    expect(await app.waitFor('exposed')).toEqual({
      keys: ['flylight'],
      members: { 'flylight.request': 'function', 'flylight.onEvent': 'function', 'flylight.onConnection': 'function' },
      leaksIpcRenderer: false,
    });
  });

  it('denies navigation, window.open and <webview>, in the window and in any other contents', async () => {
    for (const contents of ['window', 'new'] as const) {
      expect(await app.call({ cmd: 'navigate', url: 'https://evil.example/', contents })).toEqual({ prevented: true });
      expect(await app.call({ cmd: 'attach-webview', url: 'https://evil.example/', contents })).toEqual({
        prevented: true,
      });
    }
    expect(await app.call({ cmd: 'window-open', url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it.each(['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal'])(
    'refuses the %s permission, asked or checked',
    async (permission) => {
      expect(await app.call({ cmd: 'permission', permission })).toEqual({ requested: false, checked: false });
    },
  );

  it('routes IPC into the gate: regions 200, launch 201, bad launch 400 — as over HTTP, with the same metrics and log line', async () => {
    const regions = await page(app, { method: 'GET', path: '/v1/regions' });
    expect(regions.status).toBe(200);
    expect((regions.body.regions as unknown[]).length).toBe(35);

    const before = await launchesCounted(app, '201');
    const launched = await page(app, { method: 'POST', path: '/v1/vms', body: LAUNCH });
    expect(launched.status).toBe(201);
    expect(launched.body).toMatchObject({ region: 'SIN', memory_gb: 8, cores: 4, id: expect.any(String) });
    expect(await launchesCounted(app, '201')).toBe(before + 1);

    const bad = await page(app, { method: 'POST', path: '/v1/vms', body: BAD_LAUNCH });
    const overHttp = await http(app, '/v1/vms', { method: 'POST', body: JSON.stringify(BAD_LAUNCH) });
    expect(bad.status).toBe(400);
    expect(overHttp.status).toBe(400);
    expect(bad.body).toEqual(await overHttp.json());
    expect(bad.body.error?.message).toMatch(/memory/);

    const line = (via: string, status: number) =>
      until(`the ${via} ${status} log line`, () =>
        logLines(app).find((l) => l.msg === 'request' && l.path === '/v1/vms' && l.via === via && l.status === status),
      );
    const ipcOk = await line('ipc', 201);
    expect(ipcOk).toMatchObject({ method: 'POST', vm_id: launched.body.id, worker: 'proxy' });
    const ipcBad = await line('ipc', 400);
    const httpBad = await line('http', 400);
    expect(Object.keys(ipcBad).sort()).toEqual(Object.keys(httpBad).sort());
    expect({ ...ipcBad, via: 0, time: 0, duration_ms: 0, request_id: 0 }).toEqual({
      ...httpBad,
      via: 0,
      time: 0,
      duration_ms: 0,
      request_id: 0,
    });
  });

  it.each([
    ['a subframe of the window', { url: 'flylight://app/index.html', top: false }],
    ['another host on our scheme', { url: 'flylight://app.evil/' }],
    ['a file:// page on the old renderer path', { url: 'file:///tmp/out/renderer/x' }],
    ['the dev server URL in a non-dev run', { url: 'http://localhost:5173/' }],
  ])('refuses an API call from %s, before the gate', async (_what, frame) => {
    const before = logLines(app).filter((l) => l.msg === 'request').length;
    const r = await app.call<ApiReply>({
      cmd: 'invoke',
      channel: IPC.request,
      args: [{ method: 'POST', path: '/v1/vms', body: LAUNCH }],
      frame,
    });
    expect(r).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'IPC from an unknown frame' } } });
    await until('the refusal on stderr', () => app.err().includes(`refused an API call over IPC from "${frame.url}"`));
    await new Promise((res) => setTimeout(res, 200));
    expect(logLines(app).filter((l) => l.msg === 'request').length).toBe(before);
  });

  it('answers a malformed request from the page with a 400, and keeps serving', async () => {
    for (const req of ['GET /v1/regions', { method: 'PUT', path: '/v1/vms' }, { method: 'GET', path: 'v1' }, null]) {
      const r = await page(app, req);
      expect(r.status, JSON.stringify(req)).toBe(400);
      expect(r.body.error?.code).toBe('bad_request');
    }
    expect((await page(app, { method: 'GET', path: '/healthz' })).status).toBe(200);
  });

  it('accepts the same call from the top frame on flylight://app', async () => {
    const r = await app.call<ApiReply>({
      cmd: 'invoke',
      channel: IPC.request,
      args: [{ method: 'GET', path: '/v1/regions' }],
      frame: { url: 'flylight://app/index.html' },
    });
    expect(r.status).toBe(200);
  });

  it('brings store events to the page', async () => {
    const vm = (await page(app, { method: 'POST', path: '/v1/vms', body: LAUNCH })).body as { machine_id: string };
    const event = await app.waitFor<{ type: string; machine: { id: string; cores_allocated: number } }>(
      'page-event',
      (e) => e.type === 'machine' && e.machine.id === vm.machine_id,
    );
    expect(event.machine.cores_allocated).toBeGreaterThanOrEqual(4);
  });

  it('shows a killed worker recovering, then works again', async () => {
    const seen = app.records.length;
    await app.call({ cmd: 'kill-worker', name: 'orchestrator' });
    const sinceKill = () => app.records.slice(seen).filter((r) => r.kind === 'page-connection');
    const down = await until('connecting', () =>
      sinceKill().find((r) => (r.data as { state: string }).state === 'connecting'),
    );
    expect(down.data).toEqual({ state: 'connecting', detail: 'orchestrator recovering' });
    await until('open again', () => sinceKill().find((r) => (r.data as { state: string }).state === 'open'));
    expect((await page(app, { method: 'POST', path: '/v1/vms', body: LAUNCH })).status).toBe(201);
  });

  it('a second instance focuses the first window and starts no host', async () => {
    await app.call({ cmd: 'minimize' });
    const second = startStandinApp({ userData: app.userData, configDir: app.configDir });
    try {
      expect(await second.exited).toBe(0);
      expect(await second.waitFor('single-instance-lock')).toEqual({ granted: false });
      expect(second.records.map((r) => r.kind)).not.toContain('window');
      expect(second.out()).not.toMatch(/store ready|listening on/);
      await app.waitFor('second-instance');
      await app.waitFor('restore');
      await app.waitFor('focus');
    } finally {
      second.kill();
    }
  });
});

describe('the desktop app at start', () => {
  it('a second instance during the start: the first window shows, then takes the focus', async () => {
    const first = startStandinApp();
    try {
      await first.waitFor('single-instance-lock');
      const second = startStandinApp({ userData: first.userData, configDir: first.configDir });
      expect(await second.exited).toBe(0);
      expect(second.records.map((r) => r.kind)).not.toContain('window');
      await first.waitFor('second-instance');
      await first.waitFor('focus');
      const kinds = first.records.map((r) => r.kind);
      expect(kinds.indexOf('focus')).toBeGreaterThan(kinds.indexOf('show'));
      expect(kinds.filter((k) => k === 'window')).toHaveLength(1);
    } finally {
      first.kill();
    }
  });

  let squatter: Server;
  beforeAll(async () => {
    squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(() => squatter.close());

  it('packaged, with its port taken and ELECTRON_RENDERER_URL set: the app protocol, a free port, and says where', async () => {
    const taken = (squatter.address() as { port: number }).port;
    const app = startStandinApp({
      packaged: true,
      env: { FLYLIGHT_PORT: String(taken), ELECTRON_RENDERER_URL: 'http://localhost:5173' },
    });
    try {
      await app.waitFor('show');
      const url = await app.url();
      expect(url).not.toBe(`http://127.0.0.1:${taken}`);
      expect(app.out()).toContain(`Port ${taken} is in use, so Flylight is listening on ${url} instead`);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      expect(await app.waitFor('load')).toEqual({ url: 'flylight://app/index.html' });
      expect(app.err()).toContain('ELECTRON_RENDERER_URL is ignored in a packaged app');
      const devSender = await app.call<ApiReply>({
        cmd: 'invoke',
        channel: IPC.request,
        args: [{ method: 'GET', path: '/v1/regions' }],
        frame: { url: 'http://localhost:5173/' },
      });
      expect(devSender.status).toBe(403);
      expect((await page(app, { method: 'GET', path: '/v1/regions' })).status).toBe(200);
    } finally {
      app.kill();
    }
  });

  it('unpackaged with ELECTRON_RENDERER_URL: the dev server, trusted by its exact origin only', async () => {
    const app = startStandinApp({ env: { ELECTRON_RENDERER_URL: 'http://localhost:5173' } });
    try {
      await app.waitFor('show');
      expect(await app.waitFor('load')).toEqual({ url: 'http://localhost:5173' });
      const from = (url: string) =>
        app.call<ApiReply>({
          cmd: 'invoke',
          channel: IPC.request,
          args: [{ method: 'GET', path: '/v1/regions' }],
          frame: { url },
        });
      expect((await from('http://localhost:5173/')).status).toBe(200);
      expect((await from('http://localhost:5173.evil.example/')).status).toBe(403);
      expect((await from('flylight://app/index.html')).status).toBe(403);
    } finally {
      app.kill();
    }
  });

  it('a start error shows a dialog and exits 1, with no window', async () => {
    const app = startStandinApp({ env: { FLYLIGHT_REGIONS: '/nonexistent/regions.csv' } });
    try {
      expect(await app.exited).toBe(1);
      expect(await app.waitFor('dialog')).toEqual({
        title: 'Flylight could not start',
        content: expect.stringContaining('/nonexistent/regions.csv'),
      });
      expect(app.records.map((r) => r.kind)).not.toContain('window');
    } finally {
      app.kill();
    }
  });

  it('a fleet held by another Flylight: the dialog names it and says to quit it, and nothing starts', async () => {
    // `flylight serve` on the very directory the desktop app keeps its fleet in.
    const userData = mkdtempSync(join(tmpdir(), 'flylight-userdata-'));
    const serve = await startServe(['--data-dir', join(userData, 'data')]);
    const app = startStandinApp({ userData });
    try {
      expect(await app.exited).toBe(1);
      const dialog = await app.waitFor('dialog');
      expect(dialog).toEqual({ title: 'Flylight could not start', content: expect.any(String) });
      const content = String((dialog as { content: string }).content);
      expect(content).toContain(`is in use by the Flylight at ${serve.url} (pid ${serve.proc.pid})`);
      expect(content).toContain(`quit that Flylight first, or use it from its dashboard at ${serve.url}`);
      expect(content).not.toContain('--data-dir');
      expect(app.records.map((r) => r.kind)).not.toContain('window');
      // The owner is untouched.
      expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    } finally {
      app.kill();
      await serve.stop();
    }
  });

  it('quitting flushes FlyD and stops the workers first: a launch acknowledged just before quit is there on the next start', async () => {
    // FlyD would not flush by itself for ten minutes.
    const env = { FLYLIGHT_FLYD_INTERVAL: '600000' };
    const first = startStandinApp({ env });
    let vmId: string;
    try {
      await first.waitFor('show');
      const r = await page(first, { method: 'POST', path: '/v1/vms', body: LAUNCH });
      expect(r.status).toBe(201);
      vmId = String(r.body.id);
      await first.call({ cmd: 'quit' });
      expect(await first.exited).toBe(0);
      const log = logLines(first).map((l) => l.msg);
      expect(log).toContain('stopped');
      expect(log.lastIndexOf('stopped')).toBeGreaterThan(log.lastIndexOf('request'));
    } finally {
      first.kill();
    }
    const again = startStandinApp({ env, userData: first.userData, configDir: first.configDir });
    try {
      await again.waitFor('show');
      // The store's start line: the VM, and no machine whose allocation needed correcting.
      expect(again.out()).toMatch(/store ready .*vms=1 .*reconciled=0/);
      const vms = await page(again, { method: 'GET', path: '/v1/vms' });
      expect(JSON.stringify(vms.body)).toContain(vmId);
    } finally {
      again.kill();
    }
  });
});
