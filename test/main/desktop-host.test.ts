// The desktop host's configuration and its move to a free port, without Electron or workers.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { desktopHostConfig, startDesktopHost } from '../../src/main/desktop-host';
import type { RunningHost } from '../../src/main/host/host';
import { DEFAULT_FLYD_INTERVAL_MS, DEFAULT_PORT, type HostConfig } from '../../src/shared/config';
import { ApiError, toErrorBody } from '../../src/shared/errors';

const saved = process.env.XDG_CONFIG_HOME;
afterEach(() => {
  process.env.XDG_CONFIG_HOME = saved;
});

describe('desktop host config', () => {
  it('reads the port, regions file and FlyD interval from the environment, with defaults for bad values', () => {
    process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'flylight-config-'));
    const c = desktopHostConfig(
      { FLYLIGHT_PORT: '0', FLYLIGHT_FLYD_INTERVAL: '250', FLYLIGHT_REGIONS: '/r.csv' },
      '/ud',
    );
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      flydIntervalMs: 250,
      regionsFile: '/r.csv',
      dataDir: '/ud/data',
    });
    expect(c.token).toMatch(/^[\w-]{40,}$/);
    for (const port of ['', 'abc', '-1', '70000', '1.5']) {
      const d = desktopHostConfig({ FLYLIGHT_PORT: port, FLYLIGHT_FLYD_INTERVAL: 'soon' }, '/ud');
      expect(d.port, port).toBe(DEFAULT_PORT);
      expect(d.flydIntervalMs).toBe(DEFAULT_FLYD_INTERVAL_MS);
    }
  });
});

describe('desktop host start', () => {
  const config = { port: 3030 } as HostConfig;
  const messageOf = (e: unknown) => toErrorBody(e).message;
  const fakeHost = (c: HostConfig) => ({ url: `http://127.0.0.1:${c.port || 45678}` }) as RunningHost;

  it('moves to a free port when its port is taken, and says where', async () => {
    const tried: number[] = [];
    const start = async (c: HostConfig) => {
      tried.push(c.port);
      if (c.port === 3030) throw new ApiError('internal', 'port 3030 is in use; pass --port N or --port 0');
      return fakeHost(c);
    };
    const r = await startDesktopHost(config, { start, messageOf });
    expect(tried).toEqual([3030, 0]);
    expect(r.host.url).toBe('http://127.0.0.1:45678');
    expect(r.moved).toBe('Port 3030 is in use, so Flylight is listening on http://127.0.0.1:45678 instead');
  });

  it('starts where asked when it can, and passes any other error on', async () => {
    expect(await startDesktopHost(config, { start: async (c) => fakeHost(c), messageOf })).toEqual({
      host: fakeHost(config),
    });
    const bad = new ApiError('bad_request', 'regions file /x.csv: no such file');
    let calls = 0;
    await expect(
      startDesktopHost(config, {
        start: async () => {
          calls++;
          throw bad;
        },
        messageOf,
      }),
    ).rejects.toBe(bad);
    expect(calls).toBe(1);
  });
});
