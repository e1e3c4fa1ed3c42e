// Issue 8 item 5, over real sockets against the real host: another local process sending wrong
// tokens every so often must not lock the user out. Wrong attempts are slowed (429 once ten
// have failed); the right token, by header or in the dashboard's sign-in, still passes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../helpers/host';
import { errorBody, send } from '../helpers/http';

const TOKEN = 'L'.repeat(43);
const WRONG = { authorization: `Bearer ${'w'.repeat(43)}` };
const RIGHT = { authorization: `Bearer ${TOKEN}` };

let host: TestHost;
let port: number;

beforeAll(async () => {
  // The defaults: ten failures within a minute slow the address down for 30 s.
  host = await startTestHost({ token: TOKEN });
  port = Number(new URL(host.url).port);
});

afterAll(async () => {
  await host?.stop();
});

describe('the failed-attempt limiter', () => {
  it('slows wrong tokens but never refuses the right one', async () => {
    for (let i = 0; i < 10; i++) expect((await send(port, { path: '/v1/regions', headers: WRONG })).status).toBe(401);
    const slowed = await send(port, { path: '/v1/regions', headers: WRONG });
    expect(slowed.status).toBe(429);
    expect(errorBody(slowed).code).toBe('rate_limited');

    // The attacker keeps at it; the user's CLI is served every time in between.
    for (let round = 0; round < 3; round++) {
      expect((await send(port, { path: '/v1/vms', headers: WRONG })).status).toBe(429);
      const mine = await send(port, { path: '/v1/regions', headers: RIGHT });
      expect(mine.status, mine.body).toBe(200);
      expect(JSON.parse(mine.body).regions.length).toBeGreaterThan(0);
    }
    const launch = await send(port, {
      method: 'POST',
      path: '/v1/vms',
      headers: { ...RIGHT, 'content-type': 'application/json' },
      body: JSON.stringify({ region: 'SIN', memory_gb: 1, cores: 1 }),
    });
    expect(launch.status, launch.body).toBe(201);
  });

  it('a malformed Authorization header is slowed like a wrong token', async () => {
    const res = await send(port, { path: '/v1/regions', headers: { authorization: 'Basic eDp5' } });
    expect(res.status).toBe(429);
  });

  it('the dashboard sign-in with the right token still gets a session; a wrong one is slowed', async () => {
    // The page opened as /?token= trades the token for a session with POST /v1/session.
    const signIn = (headers: Record<string, string>) =>
      send(port, {
        method: 'POST',
        path: '/v1/session',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{}',
      });
    const good = await signIn(RIGHT);
    expect(good.status, good.body).toBe(201);
    expect(typeof JSON.parse(good.body).session).toBe('string');
    expect((await signIn(WRONG)).status).toBe(429);
  });
});
