// How `flylight serve` builds the host config from flags, environment and defaults.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServeConfig } from '../../src/cli/serve-config';
import { UsageError } from '../../src/shared/cli/usage-error';
import { INSTANT, REALISTIC } from '../../src/shared/timing';
import { csv, defaults, dir, isolateConfigHome } from '../helpers/serve-fixtures';

isolateConfigHome();

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
      timing: REALISTIC,
    });
  });

  it('takes --timing instant|realistic|FILE and --speed, or FLYLIGHT_TIMING / FLYLIGHT_SPEED, and refuses nonsense', () => {
    expect(buildServeConfig({ timing: 'instant' }, {}, { defaults }).timing).toBe(INSTANT);
    expect(buildServeConfig({}, { FLYLIGHT_TIMING: 'Instant' }, { defaults }).timing).toBe(INSTANT);
    expect(buildServeConfig({ timing: 'realistic' }, { FLYLIGHT_TIMING: 'instant' }, { defaults }).timing).toBe(
      REALISTIC,
    );
    const file = join(dir, 'timing.json');
    writeFileSync(file, JSON.stringify({ name: 'mine', stages: { start: { delay_ms: 5, jitter_ms: 0, failure: 1 } } }));
    const custom = buildServeConfig({ timing: 'timing.json' }, {}, { cwd: dir, defaults }).timing;
    expect(custom?.name).toBe('mine');
    expect(custom?.stages.start).toEqual({ delay_ms: 5, jitter_ms: 0, failure: 1 });
    expect(custom?.stages.stop).toEqual(REALISTIC.stages.stop);
    expect(buildServeConfig({ speed: '20' }, {}, { defaults }).speed).toBe(20);
    expect(buildServeConfig({}, { FLYLIGHT_SPEED: '2.5' }, { defaults }).speed).toBe(2.5);
    expect(() => buildServeConfig({ timing: 'fast' }, {}, { cwd: dir, defaults })).toThrow(
      /--timing must be instant, realistic or a JSON file of stage timings; no such file/,
    );
    writeFileSync(file, '{"stages":{"start":{"failure":-1}}}');
    expect(() => buildServeConfig({ timing: file }, {}, { defaults })).toThrow(
      /stages\.start\.failure must be a probability from 0 to 1/,
    );
    expect(() => buildServeConfig({ speed: '0' }, {}, { defaults })).toThrow(
      /--speed must be a number from 0.1 to 10000/,
    );
    expect(() => buildServeConfig({}, { FLYLIGHT_SPEED: 'x' }, { defaults })).toThrow(
      /FLYLIGHT_SPEED must be a number/,
    );
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

  it('passes --strategy on as the host default placement strategy (absent: the orchestrator uses random)', () => {
    expect(buildServeConfig({ strategy: 'binpack', seed: 7 }, {}, { defaults })).toMatchObject({
      strategy: 'binpack',
      seed: 7,
    });
    expect(buildServeConfig({}, {}, { defaults }).strategy).toBeUndefined();
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

  it('shares the fleet through etcd with --store or FLYLIGHT_STORE, keeping no data directory unless asked', () => {
    const config = buildServeConfig({ store: 'etcd://127.0.0.1:2379,127.0.0.1:22379' }, {}, { cwd: dir, defaults });
    expect(config.store).toEqual({
      kind: 'etcd',
      endpoints: ['127.0.0.1:2379', '127.0.0.1:22379'],
      tls: null,
      prefix: '/flylight/',
    });
    expect(config.dataDir).toBeNull();
    const env = { FLYLIGHT_STORE: 'etcd+https://alice@e:2379', FLYLIGHT_ETCD_PASSWORD: 'pw' };
    const tls = buildServeConfig({ etcdCacert: 'fleet.csv', dataDir: 'logs' }, env, { cwd: dir, defaults });
    expect(tls.store).toMatchObject({ tls: { caFile: csv }, user: 'alice', password: 'pw' });
    expect(tls.dataDir).toBe(join(dir, 'logs'));
  });

  it('sets the TTL of the etcd lease with --lease-ttl or FLYLIGHT_LEASE_TTL (the flag wins), default none', () => {
    const store = 'etcd://127.0.0.1:2379';
    expect(buildServeConfig({ store }, {}, { cwd: dir, defaults }).store?.leaseTtlS).toBeUndefined();
    expect(buildServeConfig({ store, leaseTtlS: 30 }, {}, { cwd: dir, defaults }).store?.leaseTtlS).toBe(30);
    const env = { FLYLIGHT_LEASE_TTL: '12' };
    expect(buildServeConfig({ store }, env, { cwd: dir, defaults }).store?.leaseTtlS).toBe(12);
    expect(buildServeConfig({ store, leaseTtlS: 3 }, env, { cwd: dir, defaults }).store?.leaseTtlS).toBe(3);
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
    [{ store: 'etcd://h' }, {}, "--store etcd://h: 'h' needs a port"],
    [{}, { FLYLIGHT_STORE: 'redis://h:1' }, "--store: unknown scheme 'redis://'"],
    [{ store: 'etcd://h:2379', ephemeral: true }, {}, '--ephemeral keeps the fleet in memory and --store etcd://'],
    [{ store: 'etcd+https://h:2379', etcdCacert: 'missing.pem' }, {}, '--etcd-cacert: no such file'],
    [{ leaseTtlS: 10 }, {}, "--lease-ttl is the TTL of a host's etcd lease: it needs --store etcd://"],
    [{}, { FLYLIGHT_LEASE_TTL: '10' }, "FLYLIGHT_LEASE_TTL is the TTL of a host's etcd lease: it needs --store"],
    [
      { store: 'etcd://h:2379' },
      { FLYLIGHT_LEASE_TTL: '1' },
      'FLYLIGHT_LEASE_TTL must be a whole number from 2 to 300',
    ],
    [
      { store: 'etcd://h:2379' },
      { FLYLIGHT_LEASE_TTL: '5s' },
      "FLYLIGHT_LEASE_TTL must be a whole number from 2 to 300; got '5s'",
    ],
  ])('refuses %j with env %j', (flags, env, message) => {
    expect(() => buildServeConfig(flags, env, { cwd: dir, defaults })).toThrow(UsageError);
    expect(() => buildServeConfig(flags, env, { cwd: dir, defaults })).toThrow(message);
  });
});
