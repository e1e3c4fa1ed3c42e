import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runServe } from '../../src/cli/serve';
import { buildServeConfig, dashboardUrl, withToken } from '../../src/cli/serve-config';
import { TOKEN_PATTERN } from '../../src/main/common/token';
import type { RunningHost } from '../../src/main/host/host';
import { CommandFailure } from '../../src/shared/cli/usage-error';
import type { HostConfig } from '../../src/shared/config';
import { capture } from '../helpers/cli-fixtures';
import { defaults, isolateConfigHome, tmpConfig } from '../helpers/serve-fixtures';
import { until } from '../helpers/until';

isolateConfigHome();

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
    await until(() => made !== null, 2000, 'the host to start');
    c.abort();
    expect(await done).toBe(0);
    expect(made).not.toBeNull();
    expect((made as unknown as ReturnType<typeof fakeHost>).host.stopped).toBe(1);
    expect(c.err).toEqual([]);
  });

  // Failures reject with a CommandFailure (exit 1), reported by runCommand in one line or as JSON.
  it('fails with one sentence when the host cannot start', async () => {
    const c = capture();
    const start = async () => {
      throw { code: 'bad_request', message: 'regions.csv:3: cores_total must be a whole number' };
    };
    await expect(runServe({ ephemeral: true }, c.io, { env: {}, configDir: tmpConfig(), start })).rejects.toEqual(
      new CommandFailure('start_failed', 'regions.csv:3: cores_total must be a whole number'),
    );
    const many = async () => {
      throw new Error('f.csv:1: missing column kind\nf.csv:1: missing column region\nf.csv:4: duplicate machine m1');
    };
    const d = capture();
    await expect(
      runServe({ ephemeral: true }, d.io, { env: {}, configDir: tmpConfig(), start: many }),
    ).rejects.toMatchObject({ code: 'start_failed', message: 'f.csv:1: missing column kind (and 2 more problems)' });
    expect([...c.err, ...d.err]).toEqual([]);
  });

  it('exits 1 with the reason when the host gives up, and warns about non-loopback addresses', async () => {
    const c = capture();
    let made: ReturnType<typeof fakeHost> | null = null;
    const start = async (config: HostConfig) => {
      made = fakeHost(config);
      return made.host as unknown as RunningHost;
    };
    const done = runServe({ host: '0.0.0.0', ephemeral: true }, c.io, { env: {}, configDir: tmpConfig(), start });
    await until(() => made !== null, 2000, 'the host to start');
    (made as unknown as ReturnType<typeof fakeHost>).giveUp('the store crashed 6 times in 30 s');
    await expect(done).rejects.toMatchObject({
      code: 'host_stopped',
      message: 'the host stopped: the store crashed 6 times in 30 s',
    });
    expect(c.err).toHaveLength(1);
    expect(c.err[0]).toMatch(/^warning: listening on 0\.0\.0\.0/);
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
    await until(() => seen !== null, 2000, 'the host to start');
    c.abort();
    expect(await done).toBe(0);
    const token = readFileSync(join(configDir, 'token'), 'utf8').trim();
    expect((seen as unknown as HostConfig).token).toBe(token);
    expect(token).not.toBe('x'.repeat(43));
  });

  it('prints the dashboard link with the token once, after the host is up', async () => {
    const configDir = fresh();
    const c = capture();
    let up = false;
    const start = async (config: HostConfig) => {
      up = true;
      return fakeHost({ ...config, port: 4567 }).host as unknown as RunningHost;
    };
    const done = runServe({ ephemeral: true }, c.io, { env: {}, configDir, start });
    await until(() => up, 2000, 'the host to start');
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
    const failure = await runServe({ ephemeral: true }, c.io, { env: {}, configDir: join(blocker, 'flylight') }).then(
      () => null,
      (err: unknown) => err as CommandFailure,
    );
    expect(failure).toBeInstanceOf(CommandFailure);
    expect(failure?.code).toBe('token_unwritable');
    expect(failure?.message).toMatch(/^cannot create the API token in .*file\/flylight: /);
    expect(c.err).toEqual([]);
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
      let up = false;
      const start = async (config: HostConfig) => {
        up = true;
        return fakeHost(config).host as unknown as RunningHost;
      };
      const done = runServe({ host, ephemeral: true }, c.io, { env: {}, configDir: fresh(), start });
      await until(() => up, 2000, 'the host to start');
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
