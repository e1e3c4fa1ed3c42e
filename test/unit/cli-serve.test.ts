import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiUrlFrom, resolveToken, wantsColor } from '../../src/cli/main';
import { runServe } from '../../src/cli/serve';
import { buildServeConfig, dashboardUrl, withToken } from '../../src/cli/serve-config';
import type { RunningHost } from '../../src/main/host/host';
import { TOKEN_PATTERN } from '../../src/main/host/token';
import { UsageError } from '../../src/shared/cli/usage-error';
import type { HostConfig } from '../../src/shared/config';
import { capture } from './cli-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'flylight-serve-'));
const csv = join(dir, 'fleet.csv');
writeFileSync(csv, 'x\n');
/** Never the user's real config directory: every serve test gets its own token file. */
const tmpConfig = () => mkdtempSync(join(tmpdir(), 'flylight-config-'));
// And should a test forget its configDir, the default lands in a temp directory too.
beforeEach(() => {
  vi.stubEnv('XDG_CONFIG_HOME', tmpConfig());
});
afterEach(() => {
  vi.unstubAllEnvs();
});
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

  it('sets the per-token rate limit from --rate-limit or FLYLIGHT_RATE_LIMIT, bursting to twice that', () => {
    expect(buildServeConfig({}, { FLYLIGHT_RATE_LIMIT: '2000' }, { defaults }).limits).toEqual({
      ratePerSec: 2000,
      burst: 4000,
    });
    expect(buildServeConfig({ rateLimit: 50 }, { FLYLIGHT_RATE_LIMIT: '2000' }, { defaults }).limits).toEqual({
      ratePerSec: 50,
      burst: 100,
    });
  });

  it.each([
    [{}, { FLYLIGHT_PORT: 'abc' }, "FLYLIGHT_PORT must be a whole number from 0 to 65535; got 'abc'"],
    [{}, { FLYLIGHT_FLYD_INTERVAL: '0' }, 'FLYLIGHT_FLYD_INTERVAL must be a whole number from 1 to 3600000'],
    [{ regions: 'missing.csv' }, {}, '--regions: no such file'],
    [{}, { FLYLIGHT_REGIONS: 'missing.csv' }, 'FLYLIGHT_REGIONS: no such file'],
    [{ ephemeral: true, dataDir: 'd' }, {}, 'cannot be combined with --data-dir'],
    [{ host: 'a b' }, {}, '--listen must be an IP address or host name'],
    [{}, { FLYLIGHT_LOG_FORMAT: 'xml' }, 'FLYLIGHT_LOG_FORMAT must be one of pretty, json, silent'],
    [{}, { FLYLIGHT_RATE_LIMIT: '0' }, 'FLYLIGHT_RATE_LIMIT must be a whole number from 1 to 1000000'],
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
    const done = runServe({ port: 0, ephemeral: true }, c.io, { env: {}, configDir: tmpConfig(), start });
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
    expect(await runServe({ ephemeral: true }, c.io, { env: {}, configDir: tmpConfig(), start })).toBe(1);
    expect(c.err).toEqual(['error: regions.csv:3: cores_total must be a whole number']);
    const many = async () => {
      throw new Error('f.csv:1: missing column kind\nf.csv:1: missing column region\nf.csv:4: duplicate machine m1');
    };
    const d = capture();
    expect(await runServe({ ephemeral: true }, d.io, { env: {}, configDir: tmpConfig(), start: many })).toBe(1);
    expect(d.err).toEqual(['error: f.csv:1: missing column kind (and 2 more problems)']);
  });

  it('exits 1 with the reason when the host gives up, and warns about non-loopback addresses', async () => {
    const c = capture();
    let made: ReturnType<typeof fakeHost> | null = null;
    const start = async (config: HostConfig) => {
      made = fakeHost(config);
      return made.host as unknown as RunningHost;
    };
    const done = runServe({ host: '0.0.0.0', ephemeral: true }, c.io, { env: {}, configDir: tmpConfig(), start });
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

describe('the API token', () => {
  const fresh = () => mkdtempSync(join(tmpdir(), 'flylight-config-'));

  it('withToken creates the token on first start with mode 0600, then keeps it', () => {
    const configDir = join(fresh(), 'flylight');
    const base = buildServeConfig({ ephemeral: true }, {}, { defaults });
    const first = withToken(base, configDir);
    expect(first.token).toMatch(TOKEN_PATTERN);
    expect(statSync(join(configDir, 'token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(configDir, 'token'), 'utf8').trim()).toBe(first.token);
    expect(withToken(base, configDir).token).toBe(first.token);
    // buildServeConfig itself stays pure: no token, no file.
    expect(base.token).toBeUndefined();
  });

  it('serve ignores FLYLIGHT_TOKEN: the host accepts the token of its config directory', async () => {
    const configDir = fresh();
    const c = capture();
    let seen: HostConfig | null = null;
    const start = async (config: HostConfig) => {
      seen = config;
      return fakeHost(config).host as unknown as RunningHost;
    };
    const done = runServe({ ephemeral: true }, c.io, {
      env: { FLYLIGHT_TOKEN: 'x'.repeat(43), FLYLIGHT_LOG_FORMAT: 'json' },
      configDir,
      start,
    });
    await new Promise((r) => setTimeout(r, 5));
    c.abort();
    expect(await done).toBe(0);
    const token = readFileSync(join(configDir, 'token'), 'utf8').trim();
    expect((seen as unknown as HostConfig).token).toBe(token);
    expect(token).not.toBe('x'.repeat(43));
  });

  it('prints the dashboard link with the token once, after the host is up', async () => {
    const configDir = fresh();
    const c = capture();
    const start = async (config: HostConfig) => fakeHost({ ...config, port: 4567 }).host as unknown as RunningHost;
    const done = runServe({ ephemeral: true }, c.io, { env: {}, configDir, start });
    await new Promise((r) => setTimeout(r, 5));
    c.abort();
    expect(await done).toBe(0);
    const token = readFileSync(join(configDir, 'token'), 'utf8').trim();
    expect(c.out).toEqual([`Dashboard: http://127.0.0.1:4567/?token=${token}`]);
    expect(c.err).toEqual([]);
  });

  it('says in one line when the token cannot be created', async () => {
    const parent = fresh();
    const blocker = join(parent, 'file');
    writeFileSync(blocker, 'not a directory');
    const c = capture();
    const code = await runServe({ ephemeral: true }, c.io, { env: {}, configDir: join(blocker, 'flylight') });
    expect(code).toBe(1);
    expect(c.err).toHaveLength(1);
    expect(c.err[0]).toMatch(/^error: cannot create the API token in .*file\/flylight: /);
  });

  it('dashboardUrl points a browser at loopback when the host listens on every interface', () => {
    expect(dashboardUrl('http://127.0.0.1:3030', 'T')).toBe('http://127.0.0.1:3030/?token=T');
    expect(dashboardUrl('http://0.0.0.0:3030', 'T')).toBe('http://127.0.0.1:3030/?token=T');
    expect(dashboardUrl('http://[::]:3030', 'T')).toBe('http://[::1]:3030/?token=T');
    expect(dashboardUrl('http://192.168.1.5:3030/', 'T')).toBe('http://192.168.1.5:3030/?token=T');
  });

  it('--listen on a non-loopback address warns in one line; loopback does not', async () => {
    const run = async (host: string) => {
      const c = capture();
      const start = async (config: HostConfig) => fakeHost(config).host as unknown as RunningHost;
      const done = runServe({ host, ephemeral: true }, c.io, { env: {}, configDir: fresh(), start });
      await new Promise((r) => setTimeout(r, 5));
      c.abort();
      await done;
      return c.err;
    };
    expect(await run('192.168.1.5')).toEqual([
      'warning: listening on 192.168.1.5: anyone who can reach this address can use the API with the token',
    ]);
    expect(await run('0.0.0.0')).toHaveLength(1);
    for (const loop of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) expect(await run(loop)).toEqual([]);
  });

  it('--compat-open reaches the config; it is off by default', () => {
    expect(buildServeConfig({ compatOpen: true }, {}, { defaults }).compatOpen).toBe(true);
    expect(buildServeConfig({}, {}, { defaults }).compatOpen).toBeUndefined();
  });
});

describe('resolveToken: which token the CLI sends', () => {
  const TOKEN_A = 'A'.repeat(43);
  const TOKEN_B = 'B'.repeat(43);
  const TOKEN_C = 'C'.repeat(43);
  const local = 'http://127.0.0.1:3030';

  function configWith(token: string | null): string {
    const xdg = mkdtempSync(join(tmpdir(), 'flylight-xdg-'));
    if (token !== null) {
      mkdirSync(join(xdg, 'flylight'));
      writeFileSync(join(xdg, 'flylight', 'token'), `${token}\n`, { mode: 0o600 });
    }
    return xdg;
  }

  it('reads the token file under XDG_CONFIG_HOME by default', () => {
    const xdg = configWith(TOKEN_A);
    vi.stubEnv('XDG_CONFIG_HOME', xdg);
    const r = resolveToken(['regions'], {}, local);
    expect(r.token).toBe(TOKEN_A);
    expect(r.auth.source).toBe('file');
    expect(r.auth.file).toBe(join(xdg, 'flylight', 'token'));
    expect(r.auth.stored()).toBe(TOKEN_A);
  });

  it('precedence: --token, then FLYLIGHT_TOKEN, then the file', () => {
    const dir = join(configWith(TOKEN_A), 'flylight');
    const flag = resolveToken(['regions', '--token', TOKEN_C], { FLYLIGHT_TOKEN: TOKEN_B }, local, dir);
    expect([flag.token, flag.auth.source]).toEqual([TOKEN_C, 'flag']);
    const env = resolveToken(['regions'], { FLYLIGHT_TOKEN: ` ${TOKEN_B}\n` }, local, dir);
    expect([env.token, env.auth.source]).toEqual([TOKEN_B, 'env']);
    const file = resolveToken(['regions'], { FLYLIGHT_TOKEN: '  ' }, local, dir);
    expect([file.token, file.auth.source]).toEqual([TOKEN_A, 'file']);
    // `flylight token` always prints the file's token, whatever overrides it for calls.
    expect(flag.auth.stored()).toBe(TOKEN_A);
  });

  it('no file and no override: no token, and `stored` says so', () => {
    const dir = join(configWith(null), 'flylight');
    const r = resolveToken(['regions'], {}, local, dir);
    expect(r.token).toBeNull();
    expect(r.auth.source).toBeNull();
    expect(r.auth.stored()).toBeNull();
  });

  it("sends the file's token only to this computer; an explicit one goes where the user points it", () => {
    const dir = join(configWith(TOKEN_A), 'flylight');
    const away = resolveToken(['regions'], {}, 'http://10.0.0.7:3030', dir);
    expect(away.token).toBeNull();
    expect(away.auth.withheld).toBe(true);
    for (const url of ['http://localhost:3030', 'http://[::1]:3030', 'http://127.0.0.5:1']) {
      expect(resolveToken(['regions'], {}, url, dir).token).toBe(TOKEN_A);
    }
    expect(resolveToken(['regions'], { FLYLIGHT_TOKEN: TOKEN_B }, 'http://10.0.0.7:3030', dir).token).toBe(TOKEN_B);
  });

  it('a malformed override is a problem to report, never echoed and never sent', () => {
    const dir = join(configWith(TOKEN_A), 'flylight');
    const secret = 'my password with spaces';
    const r = resolveToken(['regions'], { FLYLIGHT_TOKEN: secret }, local, dir);
    expect(r.token).toBeNull();
    expect(r.auth.problem).toMatch(/^FLYLIGHT_TOKEN is not a Flylight token/);
    expect(r.auth.problem).not.toContain(secret);
    const f = resolveToken(['regions', '--token', 'short'], {}, local, dir);
    expect(f.auth.problem).toMatch(/^--token is not a Flylight token/);
  });
});
