import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiUrlFrom, wantsColor } from '../../src/cli/main';
import { runServe } from '../../src/cli/serve';
import { buildServeConfig } from '../../src/cli/serve-config';
import type { RunningHost } from '../../src/main/host/host';
import { UsageError } from '../../src/shared/cli/grammar';
import type { HostConfig } from '../../src/shared/config';
import { capture } from './cli-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'flylight-serve-'));
const csv = join(dir, 'fleet.csv');
writeFileSync(csv, 'x\n');
const defaults = {
  regionsFile: () => '/pkg/resources/regions.csv',
  dataDir: () => '/home/u/.local/share/flylight',
  staticDir: () => null,
};

describe('buildServeConfig', () => {
  it('uses the defaults when nothing is given', () => {
    expect(buildServeConfig({}, {}, { defaults })).toEqual({
      host: '127.0.0.1',
      port: 3030,
      regionsFile: '/pkg/resources/regions.csv',
      flydIntervalMs: 1000,
      numCandidates: 5,
      dataDir: '/home/u/.local/share/flylight',
      staticDir: null,
      rpcTimeoutMs: 5000,
      logFormat: 'pretty',
    });
  });

  it('takes the environment, and flags over the environment', () => {
    const env = {
      FLYLIGHT_PORT: '4000',
      FLYLIGHT_FLYD_INTERVAL: '250',
      FLYLIGHT_REGIONS: 'fleet.csv',
      FLYLIGHT_DATA_DIR: 'data',
    };
    const fromEnv = buildServeConfig({}, env, { cwd: dir, defaults });
    expect(fromEnv).toMatchObject({ port: 4000, flydIntervalMs: 250, regionsFile: csv, dataDir: join(dir, 'data') });
    const fromFlags = buildServeConfig(
      { port: 0, flydIntervalMs: 50, ephemeral: true, seed: 3, host: 'localhost' },
      env,
      {
        cwd: dir,
        defaults,
      },
    );
    expect(fromFlags).toMatchObject({ port: 0, flydIntervalMs: 50, dataDir: null, seed: 3, host: 'localhost' });
  });

  it.each([
    [{}, { FLYLIGHT_PORT: 'abc' }, "FLYLIGHT_PORT must be a whole number from 0 to 65535; got 'abc'"],
    [{}, { FLYLIGHT_FLYD_INTERVAL: '0' }, 'FLYLIGHT_FLYD_INTERVAL must be a whole number from 1 to 3600000'],
    [{ regions: 'missing.csv' }, {}, '--regions: no such file'],
    [{}, { FLYLIGHT_REGIONS: 'missing.csv' }, 'FLYLIGHT_REGIONS: no such file'],
    [{ ephemeral: true, dataDir: 'd' }, {}, 'cannot be combined with --data-dir'],
    [{ host: 'a b' }, {}, '--host must be an IP address or host name'],
    [{}, { FLYLIGHT_LOG_FORMAT: 'xml' }, 'FLYLIGHT_LOG_FORMAT must be one of pretty, json, silent'],
  ])('refuses %j with env %j', (flags, env, message) => {
    expect(() => buildServeConfig(flags, env, { cwd: dir, defaults })).toThrow(UsageError);
    expect(() => buildServeConfig(flags, env, { cwd: dir, defaults })).toThrow(message);
  });
});

function fakeHost(config: HostConfig) {
  let finish: (r: { ok: boolean; reason?: string }) => void = () => {};
  const host = {
    url: `http://127.0.0.1:${config.port}`,
    config,
    stopped: 0,
    finished: new Promise<{ ok: boolean; reason?: string }>((r) => {
      finish = r;
    }),
    async stop() {
      host.stopped++;
      finish({ ok: true });
    },
  };
  return { host, giveUp: (reason: string) => finish({ ok: false, reason }) };
}

describe('runServe', () => {
  it('starts the host and stops it cleanly on the first interrupt, exit 0', async () => {
    const c = capture();
    let made: ReturnType<typeof fakeHost> | null = null;
    const start = async (config: HostConfig) => {
      made = fakeHost(config);
      return made.host as unknown as RunningHost;
    };
    const done = runServe({ port: 0, ephemeral: true }, c.io, { env: {}, start });
    await new Promise((r) => setTimeout(r, 5));
    c.abort();
    expect(await done).toBe(0);
    expect(made).not.toBeNull();
    expect((made as unknown as ReturnType<typeof fakeHost>).host.stopped).toBe(1);
    expect(c.err).toEqual([]);
  });

  it('fails with one line when the host cannot start', async () => {
    const c = capture();
    const start = async () => {
      throw { code: 'bad_request', message: 'regions.csv:3: cores_total must be a whole number' };
    };
    expect(await runServe({ ephemeral: true }, c.io, { env: {}, start })).toBe(1);
    expect(c.err).toEqual(['error: regions.csv:3: cores_total must be a whole number']);
    const many = async () => {
      throw new Error('f.csv:1: missing column kind\nf.csv:1: missing column region\nf.csv:4: duplicate machine m1');
    };
    const d = capture();
    expect(await runServe({ ephemeral: true }, d.io, { env: {}, start: many })).toBe(1);
    expect(d.err).toEqual(['error: f.csv:1: missing column kind (and 2 more problems)']);
  });

  it('exits 1 with the reason when the host gives up, and warns about non-loopback addresses', async () => {
    const c = capture();
    let made: ReturnType<typeof fakeHost> | null = null;
    const start = async (config: HostConfig) => {
      made = fakeHost(config);
      return made.host as unknown as RunningHost;
    };
    const done = runServe({ host: '0.0.0.0', ephemeral: true }, c.io, { env: {}, start });
    await new Promise((r) => setTimeout(r, 5));
    (made as unknown as ReturnType<typeof fakeHost>).giveUp('the store crashed 6 times in 30 s');
    expect(await done).toBe(1);
    expect(c.err[0]).toMatch(/^warning: listening on 0\.0\.0\.0/);
    expect(c.err[1]).toBe('error: the host stopped: the store crashed 6 times in 30 s');
  });
});

describe('CLI environment', () => {
  it('picks the API address from --api, then FLYLIGHT_API, then the default', () => {
    expect(apiUrlFrom(['regions', '--api', 'http://h:1/'], { FLYLIGHT_API: 'http://e:2' })).toBe('http://h:1');
    expect(apiUrlFrom(['regions'], { FLYLIGHT_API: 'http://e:2' })).toBe('http://e:2');
    expect(apiUrlFrom(['regions'], {})).toBe('http://127.0.0.1:3030');
    expect(apiUrlFrom(['--api'], {})).toBe('http://127.0.0.1:3030');
  });

  it('colours only for a terminal, and never under NO_COLOR', () => {
    expect(wantsColor({}, true)).toBe(true);
    expect(wantsColor({}, false)).toBe(false);
    expect(wantsColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(wantsColor({ TERM: 'dumb' }, true)).toBe(false);
    expect(wantsColor({ FORCE_COLOR: '1' }, false)).toBe(true);
  });
});
