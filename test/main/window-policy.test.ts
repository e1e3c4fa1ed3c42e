// The desktop window's policy without Electron: which renderer it loads, which senders may call
// the API (exact origins, never prefixes), and how flylight://app/ serves files.

import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rendererResponse } from '../../src/main/app-protocol';
import { APP_ENTRY, APP_ORIGIN, isAppSender, originOf, rendererSource } from '../../src/main/window-policy';

describe('renderer source', () => {
  it('is the app protocol unless an unpackaged run names a local dev server', () => {
    expect(rendererSource(false, undefined)).toEqual({ url: APP_ENTRY, origin: APP_ORIGIN, dev: false });
    expect(rendererSource(false, 'http://localhost:5173/')).toEqual({
      url: 'http://localhost:5173/',
      origin: 'http://localhost:5173',
      dev: true,
    });
  });

  it('ignores ELECTRON_RENDERER_URL in a packaged app, and a non-local one anywhere, saying why', () => {
    expect(rendererSource(true, 'http://localhost:5173/')).toMatchObject({
      url: APP_ENTRY,
      dev: false,
      ignored: 'ELECTRON_RENDERER_URL is ignored in a packaged app',
    });
    for (const url of ['https://evil.example/', 'file:///tmp/x.html', 'http://localhost.evil.example:5173/']) {
      expect(rendererSource(false, url)).toMatchObject({ url: APP_ENTRY, ignored: expect.stringContaining(url) });
    }
  });
});

describe('IPC sender check', () => {
  const app = rendererSource(false, undefined);
  const dev = rendererSource(false, 'http://localhost:5173');

  it('accepts the top frame on the exact origin', () => {
    expect(isAppSender({ url: 'flylight://app/index.html', top: true }, app)).toBe(true);
    expect(isAppSender({ url: 'flylight://app/', top: true }, app)).toBe(true);
    expect(isAppSender({ url: 'http://localhost:5173/#/x', top: true }, dev)).toBe(true);
  });

  it.each([
    ['a subframe', { url: 'flylight://app/index.html', top: false }, app],
    ['another host on our scheme', { url: 'flylight://app.evil/index.html', top: true }, app],
    ['a port on our host', { url: 'flylight://app:1/index.html', top: true }, app],
    ['credentials in the URL', { url: 'flylight://app@evil/index.html', top: true }, app],
    ['a file:// page with the old path', { url: 'file:///tmp/out/renderer/x', top: true }, app],
    ['http', { url: 'http://app/index.html', top: true }, app],
    ['a prefix of the dev origin', { url: 'http://localhost:5173.evil.example/', top: true }, dev],
    ['another port', { url: 'http://localhost:51730/', top: true }, dev],
    ['the app protocol in dev', { url: 'flylight://app/index.html', top: true }, dev],
    ['garbage', { url: 'not a url', top: true }, app],
  ])('refuses %s', (_what, frame, source) => {
    expect(isAppSender(frame, source)).toBe(false);
  });

  it('refuses when there is no frame', () => {
    expect(isAppSender(null, app)).toBe(false);
  });

  it('computes origins exactly', () => {
    expect(originOf('flylight://app/a/b?c#d')).toBe('flylight://app');
    expect(originOf('HTTP://LOCALHOST:80/')).toBe('http://localhost');
    expect(originOf('file:///etc/passwd')).toBeNull();
    expect(originOf('data:text/html,hi')).toBeNull();
  });
});

describe('flylight://app/ file serving', () => {
  const root = mkdtempSync(join(tmpdir(), 'flylight-proto-'));
  const dir = join(root, 'renderer');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(dir, 'assets', 'a.js'), 'export {}');
  writeFileSync(join(root, 'secret.txt'), 'THE-SECRET-BYTES');
  symlinkSync(join(root, 'secret.txt'), join(dir, 'assets', 'link.txt'));
  const get = (url: string, method = 'GET') => rendererResponse(dir, new Request(url, { method }));

  it('serves index.html with the policy header and assets with their types', async () => {
    for (const url of ['flylight://app/', 'flylight://app/index.html']) {
      const res = await get(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(await res.text()).toContain('<title>x</title>');
    }
    const js = await get('flylight://app/assets/a.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each([
    ['flylight://app/../secret.txt', 404],
    ['flylight://app/%2e%2e/secret.txt', 404],
    ['flylight://app/assets%2f..%2f..%2fsecret.txt', 404],
    ['flylight://app/..%5csecret.txt', 400],
    ['flylight://app/assets/link.txt', 404],
    ['flylight://app/%00', 400],
    ['flylight://app/%zz', 400],
    ['flylight://other/index.html', 404],
    ['flylight://app/missing.js', 404],
  ])('never serves what is outside the renderer: %s → %i', async (url, status) => {
    const res = await get(url);
    expect(res.status).toBe(status);
    expect(await res.text()).not.toContain('THE-SECRET-BYTES');
  });

  it('refuses methods other than GET and HEAD', async () => {
    expect((await get('flylight://app/index.html', 'POST')).status).toBe(405);
    const head = await get('flylight://app/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
