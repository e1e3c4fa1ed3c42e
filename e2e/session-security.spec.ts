// What a hostile page on another 127.0.0.1 port can do to a signed-in dashboard (issue 8, items
// 1 and 2), in real Chromium against the real `flylight serve`: the "attacker" is a second local
// HTTP server on its own port, as any local dev server would be. Browsers share cookies between
// all ports of a host and treat them as same-site, so it can read, plant and replay cookies and
// frame pages; none of that may give it a credential, sign the user out, or show the dashboard
// in its frame. And `flylight token --rotate` signs every browser out and voids the old token.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, type Page, test } from '@playwright/test';
import { type ServeProcess, startServe } from '../test/helpers/host';
import { keyNeeded, screenshot, waitLive } from './dashboard-scenario';

interface Attacker {
  origin: string;
  /** The Cookie header of every request the browser sent to the attacker's port. */
  cookiesSeen: string[];
  server: Server;
}

let host: ServeProcess;
let attacker: Attacker;
let hostPort: number;

/** The attacker's pages: one plants cookies for the host's port, one frames the dashboard. */
function attackerPages(
  req: IncomingMessage,
  target: string,
  port: number,
): { headers: Record<string, string>; body: string } {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const name = `flylight_session_${port}`;
  if (path === '/plant') {
    // Set-Cookie from this port lands on every port of 127.0.0.1; Path=/v1 cookies are sent
    // before Path=/ ones, which is what signed users out before.
    const junk = `${Math.floor(Date.now() / 1000)}.${'A'.repeat(43)}`;
    return {
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'set-cookie': [
          `${name}=${junk}; Path=/v1; SameSite=Strict`,
          `${name}=${junk}; Path=/; SameSite=Lax`,
          `flylight_session=${junk}; Path=/`,
        ].join(', '),
      } as Record<string, string>,
      body: `<!doctype html><title>plant</title><script>
        document.cookie = "${name}=forged-by-script; path=/v1/events";
        document.cookie = "x-flylight-session=${junk}; path=/";
        window.loot = { cookies: document.cookie, stored: localStorage.getItem('flylight.session') };
        fetch("${target}/v1/reset", { method: "POST", credentials: "include", mode: "no-cors" })
          .then(() => (window.resetSent = true), () => (window.resetSent = false));
      </script>`,
    };
  }
  if (path === '/frame') {
    return {
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: `<!doctype html><title>frame</title>
        <iframe id="victim" src="${target}/#/SIN" width="1200" height="800"></iframe>`,
    };
  }
  return { headers: { 'content-type': 'text/plain' }, body: 'attacker' };
}

function startAttacker(target: string, port: number): Promise<Attacker> {
  const cookiesSeen: string[] = [];
  const server = createServer((req, res) => {
    if (req.headers.cookie) cookiesSeen.push(req.headers.cookie);
    const page = attackerPages(req, target, port);
    const headers: Record<string, string | string[]> = { ...page.headers };
    if (typeof headers['set-cookie'] === 'string')
      headers['set-cookie'] = (headers['set-cookie'] as string).split(', ');
    res.writeHead(200, headers);
    res.end(page.body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as AddressInfo;
      resolve({ origin: `http://127.0.0.1:${p}`, cookiesSeen, server });
    });
  });
}

/** The dashboard opened through the link `serve` prints. */
async function signIn(page: Page, token: string, hash = ''): Promise<void> {
  await page.goto(`${host.url}/?token=${token}${hash}`);
  await waitLive(page);
  expect(page.url()).not.toContain('token=');
}

const storedSession = (page: Page) =>
  page.evaluate(() =>
    (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem(
      'flylight.session',
    ),
  );

test.beforeAll(async () => {
  host = await startServe(['--ephemeral', '--flyd-interval', '300']);
  hostPort = Number(new URL(host.url).port);
  attacker = await startAttacker(host.url, hostPort);
});

test.afterAll(async () => {
  attacker?.server.close();
  await host?.stop();
});

test('a page on another 127.0.0.1 port gets no credential and cannot sign the dashboard out', async ({
  page,
  context,
}) => {
  const token = host.token as string;
  await signIn(page, token, '#/SIN');

  // The hostile page, in the same browser, on another port. What the browser sends it holds no
  // credential of the dashboard's (a cookie would be sent to every port of 127.0.0.1).
  const evil = await context.newPage();
  await evil.goto(`${attacker.origin}/look`);
  expect(attacker.cookiesSeen.join('; ')).not.toContain('flylight');
  const session = await storedSession(page);
  expect(session, 'the dashboard keeps its session in localStorage').toMatch(/^\d+\.[\w-]{43}$/);

  await evil.goto(`${attacker.origin}/plant`);
  await evil.waitForFunction(() => (globalThis as unknown as { resetSent?: boolean }).resetSent !== undefined);
  const loot = await evil.evaluate(
    () => (globalThis as unknown as { loot: { cookies: string; stored: string | null } }).loot,
  );
  // It reads nothing of ours: no session in its storage, nothing but its own cookies.
  expect(loot.stored).toBeNull();
  expect(loot.cookies).not.toContain(session as string);
  // What the browser sent to the attacker's port holds no credential of the dashboard's.
  await evil.goto(`${attacker.origin}/again`);
  for (const c of attacker.cookiesSeen) {
    expect(c).not.toContain(session as string);
    expect(c).not.toContain(token);
  }

  // Every cookie the browser now holds for 127.0.0.1, replayed from Node as curl would: 401.
  const jar = await context.cookies(host.url);
  expect(jar.length, 'the attacker planted its cookies').toBeGreaterThan(0);
  const cookieHeader = jar.map((c) => `${c.name}=${c.value}`).join('; ');
  for (const [method, path] of [
    ['GET', '/v1/regions'],
    ['POST', '/v1/reset'],
  ]) {
    const res = await fetch(`${host.url}${path}`, {
      method,
      headers: { cookie: cookieHeader, 'content-type': 'application/json' },
      body: method === 'POST' ? '{}' : undefined,
    });
    expect(res.status, `${method} ${path} with the browser's cookies`).toBe(401);
  }
  // Even the real session, sent as a cookie, is nothing.
  const asCookie = await fetch(`${host.url}/v1/regions`, {
    headers: { cookie: `flylight_session_${hostPort}=${session}` },
  });
  expect(asCookie.status).toBe(401);

  // The planted cookies (Path=/v1 first) did not sign the user out: the dashboard reloads live.
  await page.bringToFront();
  await page.reload();
  await waitLive(page);
  await expect(page.locator('[data-testid="auth-needed"]')).toHaveCount(0);
  expect(await storedSession(page)).toBe(session);
  await screenshot(page, 'session-after-planted-cookies');
});

test('the dashboard cannot be framed by a page on another port', async ({ page, context }) => {
  const token = host.token as string;
  // Signed in first, so a framed dashboard would have had everything it needs.
  await signIn(page, token);

  const evil = await context.newPage();
  const refusals: string[] = [];
  evil.on('console', (m) => refusals.push(m.text()));
  await evil.goto(`${attacker.origin}/frame`);
  const frameEl = evil.locator('#victim');
  await expect(frameEl).toBeVisible();
  // Chromium replaces a refused frame with its error page; the dashboard never renders in it.
  await expect
    .poll(
      () =>
        evil
          .frames()
          .find((f) => f !== evil.mainFrame())
          ?.url() ?? '',
      { timeout: 10_000 },
    )
    .toMatch(/^chrome-error:/);
  const child = evil.frames().find((f) => f !== evil.mainFrame());
  expect(await child?.locator('[data-testid="region-row"]').count()).toBe(0);
  expect(refusals.join('\n')).toMatch(/frame-ancestors 'none'|X-Frame-Options/);
  await screenshot(evil, 'session-framing-refused');

  // Said by headers on the page itself (a <meta> CSP cannot forbid framing).
  const res = await fetch(`${host.url}/?token=${token}`);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('cache-control')).toBe('no-store');
});

test('flylight token --rotate: the old token and every browser session get 401, the new token works', async ({
  page,
}) => {
  const oldToken = host.token as string;
  await signIn(page, oldToken, '#/SIN');
  const oldSession = (await storedSession(page)) as string;

  const rotated = await host.cli(['token', '--rotate']);
  expect(rotated.code, rotated.stderr).toBe(0);
  const newToken = rotated.stdout.trim();
  expect(newToken).toMatch(/^[\w-]{43}$/);
  expect(newToken).not.toBe(oldToken);
  expect(rotated.stderr).toContain('every browser dashboard is signed out');

  // The old token and the old session, from anywhere: 401.
  const byOldToken = await fetch(`${host.url}/v1/regions`, { headers: { authorization: `Bearer ${oldToken}` } });
  expect(byOldToken.status).toBe(401);
  const byOldSession = await fetch(`${host.url}/v1/regions`, { headers: { 'x-flylight-session': oldSession } });
  expect(byOldSession.status).toBe(401);
  const refusal = (await byOldSession.json()) as { error: { message: string } };
  expect(refusal.error.message).toContain('rotated');

  // The open dashboard finds out: its stream was ended and its next call is refused.
  await keyNeeded(page);
  expect(await storedSession(page)).toBeNull();

  // The CLI (reading the new file) works, and so does the new link.
  const regions = await host.cli(['regions']);
  expect(regions.code, regions.stderr).toBe(0);
  expect(regions.stdout).toContain('SIN');
  const stale = await host.cli(['regions', '--token', oldToken]);
  expect(stale.code).not.toBe(0);
  await signIn(page, newToken, '#/SIN');
  await screenshot(page, 'session-after-rotate');
});
