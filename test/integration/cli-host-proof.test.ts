// Issue 8 item 4, with the real CLI process: it sends the API token only to a server that proves
// it holds the same token. A squatter on the port (answering the check with garbage, with 404,
// or by relaying it to the real host on another port) never sees an Authorization header and
// the CLI says so in one line; a server whose answers have the wrong shape is an error naming
// what was wrong, never "undefined"; and without --api the CLI finds a host on another port
// from the address it published.

import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloMessage } from '../../src/shared/hello';
import { runCli, startServe } from '../helpers/host';

const TOKEN = 'P'.repeat(43);
let config: string;
const servers: Server[] = [];

type Handler = (req: IncomingMessage, res: ServerResponse, port: number) => void;

/** A server on a free port that records whether a token ever reached it. */
async function squatter(
  handle: Handler,
): Promise<{ url: string; port: number; sawAuth: () => boolean; hits: string[] }> {
  let saw = false;
  const hits: string[] = [];
  const server = createServer((req, res) => {
    if (req.headers.authorization !== undefined) saw = true;
    hits.push(`${req.method} ${req.url}`);
    handle(req, res, (server.address() as AddressInfo).port);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, sawAuth: () => saw, hits };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** What the real host answers, computed with the token: a server that does hold it. */
function honestHello(req: IncomingMessage, res: ServerResponse, port: number): boolean {
  if (!req.url?.startsWith('/v1/hello')) return false;
  const nonce = new URL(req.url, 'http://x').searchParams.get('nonce') ?? '';
  const serverNonce = 's'.repeat(43);
  const proof = createHmac('sha256', TOKEN)
    .update(helloMessage(port, nonce, serverNonce))
    .digest('base64url');
  json(res, 200, { server_nonce: serverNonce, proof });
  return true;
}

const env = () => ({ XDG_CONFIG_HOME: config, FLYLIGHT_API: '', FLYLIGHT_TOKEN: '' });
const LAUNCH = ['launch', '--vm-region', 'SIN', '--vm-memory', '1', '--vm-cores', '1'];

beforeAll(() => {
  config = mkdtempSync(join(tmpdir(), 'flylight-config-'));
  mkdirSync(join(config, 'flylight'), { mode: 0o700 });
  writeFileSync(join(config, 'flylight', 'token'), `${TOKEN}\n`, { mode: 0o600 });
});

afterAll(() => {
  for (const s of servers) s.close();
});

describe('a squatter on the port', () => {
  it('answering the check with a wrong proof never receives the token', async () => {
    const sq = await squatter((req, res) =>
      req.url?.startsWith('/v1/hello')
        ? json(res, 200, { server_nonce: 'n'.repeat(43), proof: 'p'.repeat(43) })
        : json(res, 201, {}),
    );
    const r = await runCli([...LAUNCH, '--api', sq.url], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^error: refusing to send the API token to http:\/\/127\.0\.0\.1:\d+: it cannot prove it holds this token/,
    );
    expect(sq.sawAuth()).toBe(false);
    expect(sq.hits.every((h) => h.startsWith('GET /v1/hello?nonce='))).toBe(true);
  });

  it('answering 404 (any other web server) is refused too', async () => {
    const sq = await squatter((_req, res) => json(res, 404, { nope: true }));
    const r = await runCli(['regions', '--api', sq.url], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to send the API token .*answered the identity check with 404/);
    expect(sq.sawAuth()).toBe(false);
  });

  it('watch does not open its stream to a squatter either', async () => {
    const sq = await squatter((_req, res) => json(res, 200, { server_nonce: 'bad' }));
    const r = await runCli(['watch', '--api', sq.url], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to send the API token .*no valid server_nonce/);
    expect(sq.sawAuth()).toBe(false);
  });
});

describe('the real host', () => {
  it('relaying the check to the real host does not help a squatter (the proof names the port)', async () => {
    const real = await startServe([], { XDG_CONFIG_HOME: config });
    try {
      const sq = await squatter((req, res) => {
        const up = request(`${real.url}${req.url}`, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.end();
      });
      const r = await runCli([...LAUNCH, '--api', sq.url], env());
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/it cannot prove it holds this token/);
      expect(sq.sawAuth()).toBe(false);

      // The real host itself passes, and without --api the CLI finds it on its random port.
      const direct = await runCli(LAUNCH, env());
      expect(direct.stderr).toBe('');
      expect(direct.code).toBe(0);
      expect(direct.stdout).toMatch(/^Launched vm-\S+ on \S+/);
      expect(direct.stdout).not.toContain('undefined');
    } finally {
      await real.stop();
    }
    // Stopped: the published address is gone, so the next CLI does not chase a dead port.
    expect(existsSync(join(config, 'flylight', 'endpoint.json'))).toBe(false);
  }, 40_000);
});

describe('malformed answers', () => {
  it('a launch answered with the wrong shape names the field', async () => {
    const sq = await squatter((req, res, port) => {
      if (!honestHello(req, res, port)) json(res, 201, { id: 7, region: 'SIN' });
    });
    const r = await runCli([...LAUNCH, '--api', sq.url], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      'error: POST /v1/vms answered with an unexpected body: the VM.id is a number, not a string',
    );
  });

  it('a body that is not JSON says so', async () => {
    const sq = await squatter((req, res, port) => {
      if (!honestHello(req, res, port)) json(res, 200, '<html>hello</html>');
    });
    const r = await runCli(['regions', '--api', sq.url], env());
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: GET /v1/regions answered 200 with a body that is not JSON');
  });

  it('a list that is not a list says which', async () => {
    const sq = await squatter((req, res, port) => {
      if (!honestHello(req, res, port)) json(res, 200, { regions: [{ code: 'SIN', location: 'Singapore' }] });
    });
    const r = await runCli(['regions', '--api', sq.url], env());
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'error: GET /v1/regions answered with an unexpected body: regions[0].status is missing, not a string',
    );
    expect(r.stdout).not.toContain('undefined');
  });
});
