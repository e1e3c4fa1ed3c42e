import { describe, expect, it } from 'vitest';
import { EXIT, type ServeFlags } from '../../../src/shared/cli/env';
import { nothingListening } from '../../../src/shared/cli/failure-wording';
import { runCommand } from '../../../src/shared/cli/run';
import { ApiError } from '../../../src/shared/errors';
import { VERSION } from '../../../src/shared/version';
import {
  answering,
  capture,
  cliAuth,
  FakeApi,
  FakeFeed,
  MACHINES,
  machineEvent,
  makeEnv,
  REGIONS,
  STATUS,
  TOKEN,
  TOKEN_FILE,
  VM,
} from '../../helpers/cli-fixtures';
import { until } from '../../helpers/until';

async function run(argv: string[], opts: { api?: FakeApi; where?: 'cli' | 'console'; color?: boolean } = {}) {
  const api = opts.api ?? new FakeApi();
  const c = capture({ color: opts.color });
  const code = await runCommand(argv, makeEnv(api, new FakeFeed(), opts.where ?? 'cli'), c.io);
  return { code, out: c.out, err: c.err, api };
}

describe('runCommand: output and exit codes', () => {
  it('regions prints an aligned table sorted by code', async () => {
    const r = await run(['regions']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toEqual([]);
    expect(r.out[0]).toMatch(/^CODE\s+LOCATION\s+STATUS\s+MACHINES\s+CORES\s+MEMORY GB\s+UTIL%\s+CAPACITY$/);
    expect(r.out.slice(1).map((l) => l.split(' ')[0])).toEqual(['AMS', 'BOM', 'SIN']);
  });

  it('regions --filter matches the status in any case, by substring', async () => {
    const r = await run(['regions', '--filter', 'DEGRADED']);
    expect(r.out.slice(1).map((l) => l.split(' ')[0])).toEqual(['BOM']);
    const none = await run(['regions', '--filter', 'maintenance']);
    expect(none.code).toBe(EXIT.ok);
    expect(none.out).toEqual(["No region has a status matching 'maintenance'."]);
  });

  it('regions --sort location --json prints the wrapped list as parseable JSON', async () => {
    const r = await run(['--json', 'regions', '--sort', 'location']);
    const body = JSON.parse(r.out.join('\n'));
    expect(body.regions.map((x: { code: string }) => x.code)).toEqual(['AMS', 'BOM', 'SIN']);
    expect(body.regions[2]).toEqual(REGIONS[0]);
  });

  it('machines REGION prints the machines of the region', async () => {
    const r = await run(['machines', 'sin']);
    expect(r.api.calls).toEqual([{ method: 'machines', args: ['sin'] }]);
    expect(r.out).toHaveLength(3);
    expect(r.out[1]).toMatch(/^consul-node-80 /);
    const json = await run(['machines', 'SIN', '--json']);
    expect(JSON.parse(json.out.join('\n'))).toEqual({ machines: MACHINES });
  });

  it('machines of an unknown region fails with the API message', async () => {
    const r = await run(['machines', 'XYZ']);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toEqual(["error: unknown region 'XYZ'"]);
    expect(r.out).toEqual([]);
  });

  it("launch in the seed's flag order sends whole numbers and prints one line", async () => {
    const r = await run(['--vm-memory', '8', '--vm-cores', '4', '--vm-region', 'sin', 'launch']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.api.calls).toEqual([{ method: 'launch', args: [{ region: 'SIN', memory_gb: 8, cores: 4 }] }]);
    expect(r.out).toEqual([`Launched ${VM.id} on consul-node-80 (SIN): 8 GB, 4 cores`]);
  });

  it('launch --num-candidates and --json', async () => {
    const r = await run(['launch', '--region=SIN', '--memory=2', '--cores=1', '--num-candidates', '3', '--json']);
    expect(r.api.calls[0].args[0]).toEqual({ region: 'SIN', memory_gb: 2, cores: 1, num_candidates: 3 });
    expect(JSON.parse(r.out.join('\n'))).toMatchObject({ id: VM.id, memory_gb: 2, cores: 1 });
  });

  it.each([
    ['8.5', '4', 'vm_memory must be a whole number of GB from 1 to 256; got "8.5"'],
    ['0', '4', 'vm_memory must be a whole number of GB from 1 to 256; got "0"'],
    ['512', '4', 'vm_memory must be a whole number of GB from 1 to 256; got "512"'],
    ['-5', '4', 'vm_memory must be a whole number of GB from 1 to 256; got "-5"'],
    ['8', 'four', 'vm_cores must be a whole number from 1 to 32; got "four"'],
    ['8', '33', 'vm_cores must be a whole number from 1 to 32; got "33"'],
  ])(
    'launch --vm-memory %s --vm-cores %s is refused locally with the proxy message',
    async (memory, cores, message) => {
      const r = await run(['launch', '--vm-region', 'SIN', '--vm-memory', memory, '--vm-cores', cores]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.err).toEqual([`error: ${message}`]);
      expect(r.api.calls).toEqual([]);
    },
  );

  it('launch sends a fresh Idempotency-Key each run, or the one given', async () => {
    const api = new FakeApi();
    await run(['launch', '--vm-region', 'SIN', '--vm-memory', '8', '--vm-cores', '4'], { api });
    await run(['launch', '--vm-region', 'SIN', '--vm-memory', '8', '--vm-cores', '4'], { api });
    await run(
      ['launch', '--vm-region', 'SIN', '--vm-memory', '8', '--vm-cores', '4', '--idempotency-key', 'deploy-7'],
      {
        api,
      },
    );
    expect(api.keys[0]).toMatch(/^cli-[0-9a-f]{32}$/);
    expect(api.keys[1]).toMatch(/^cli-[0-9a-f]{32}$/);
    expect(api.keys[1]).not.toBe(api.keys[0]);
    expect(api.keys[2]).toBe('deploy-7');
    const bad = await run([
      'launch',
      '--vm-region',
      'SIN',
      '--vm-memory',
      '8',
      '--vm-cores',
      '4',
      '--idempotency-key',
      'a b',
    ]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err[0]).toContain('Idempotency-Key "a b" is not valid');
    expect(bad.api.calls).toEqual([]);
  });

  it('launch retries a restarting worker under the same key, and says so', async () => {
    const api = new FakeApi();
    api.launchFailures.push(
      new ApiError('unavailable', 'orchestrator is unavailable (restarting or stopped)'),
      new ApiError(
        'unavailable',
        'the connection to http://127.0.0.1:3030 dropped before an answer (other side closed)',
      ),
    );
    const r = await run(['launch', '--vm-region', 'SIN', '--vm-memory', '8', '--vm-cores', '4'], { api });
    expect(r.code).toBe(EXIT.ok);
    expect(api.keys).toHaveLength(3);
    expect(new Set(api.keys).size).toBe(1);
    expect(r.err).toEqual([
      'orchestrator is unavailable (restarting or stopped); retrying in 0.25 s',
      'the connection to http://127.0.0.1:3030 dropped before an answer (other side closed); retrying in 0.5 s',
    ]);
    expect(r.out).toEqual([`Launched ${VM.id} on consul-node-80 (SIN): 8 GB, 4 cores`]);
  });

  it('launch retries a refused connection once the host has answered (its proxy restarting)', async () => {
    const api = new FakeApi();
    api.launchFailures.push(
      new ApiError(
        'unavailable',
        'the connection to http://127.0.0.1:3030 dropped before an answer (other side closed)',
      ),
      new ApiError('unavailable', 'nothing answers at http://127.0.0.1:3030 (fetch failed)'),
    );
    const r = await run(['launch', '--vm-region', 'SIN', '--vm-memory', '8', '--vm-cores', '4'], { api });
    expect(r.code).toBe(EXIT.ok);
    expect(api.keys).toHaveLength(3);
    expect(new Set(api.keys).size).toBe(1);
  });

  it('launch does not retry what a retry cannot fix', async () => {
    for (const failure of [
      new ApiError('no_capacity', 'no machine in SIN has 8 GB and 4 cores free'),
      new ApiError('unavailable', 'nothing answers at http://127.0.0.1:3030 (fetch failed)'),
      new ApiError('idempotency_key_reused', 'Idempotency-Key k already launched vm-1'),
    ]) {
      const api = new FakeApi();
      api.launchFailures.push(failure);
      const r = await run(['launch', '--vm-region', 'SIN', '--vm-memory', '8', '--vm-cores', '4'], { api });
      expect(r.code).toBe(EXIT.failed);
      expect(api.keys).toHaveLength(1);
    }
  });

  it('launch reports no capacity from the API as a failure', async () => {
    const r = await run(['launch', '--vm-region', 'SIN', '--vm-memory', '250', '--vm-cores', '4']);
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toEqual(['error: no machine in SIN has 250 GB and 4 cores free']);
  });

  it('vms lists VMs, by region when asked', async () => {
    const all = await run(['vms']);
    expect(all.out[0]).toMatch(/^VM\s+REGION\s+MACHINE\s+MEMORY GB\s+CORES\s+STATE\s+CREATED$/);
    expect(all.out[1]).toMatch(/^vm-3f9c2a71\s+SIN\s+consul-node-80\s+8\s+4\s+started\s+2025-11-27 20:47:01$/);
    const none = await run(['vms', '--vm-region', 'ams']);
    expect(none.api.calls).toEqual([{ method: 'vms', args: ['ams'] }]);
    expect(none.out).toEqual(['No VMs in AMS.']);
    const json = await run(['vms', '--json']);
    expect(JSON.parse(json.out.join('\n'))).toEqual({ vms: [VM] });
  });

  it('destroy prints what was freed, and fails for an unknown id', async () => {
    const ok = await run(['destroy', VM.id]);
    expect(ok.out).toEqual([`Destroyed ${VM.id} on consul-node-80 (SIN): freed 8 GB, 4 cores`]);
    const missing = await run(['destroy', 'vm-nope00']);
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.err).toEqual(['error: no VM with id "vm-nope00"']);
  });

  it('status prints the summary, or the report as JSON', async () => {
    const r = await run(['status']);
    expect(r.out[0]).toContain('0.1.0 at http://127.0.0.1:3030');
    expect(r.out.some((l) => l.includes('35 regions, 120 machines, 3 VMs'))).toBe(true);
    const json = await run(['status', '--json']);
    expect(JSON.parse(json.out.join('\n'))).toEqual(STATUS);
  });

  it('colours output only when the IO asks for it, and --no-color wins', async () => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes
    const esc = /\x1b\[/;
    expect((await run(['regions'], { color: true })).out.some((l) => esc.test(l))).toBe(true);
    expect((await run(['regions'], { color: false })).out.some((l) => esc.test(l))).toBe(false);
    expect((await run(['regions', '--no-color'], { color: true })).out.some((l) => esc.test(l))).toBe(false);
  });
});

describe('runCommand: help, version and mistakes', () => {
  it('prints the version', async () => {
    for (const argv of [['--version'], ['-v'], ['version'], ['regions', '--version']]) {
      const r = await run(argv);
      expect(r.code).toBe(EXIT.ok);
      expect(r.out).toEqual([`flylight ${VERSION}`]);
    }
  });

  it('prints the overview for no command, --help and help', async () => {
    for (const argv of [[], ['--help'], ['-h'], ['help']]) {
      const r = await run(argv);
      expect(r.code).toBe(EXIT.ok);
      expect(r.out[0]).toMatch(/^Flylight — /);
      for (const c of ['regions', 'machines', 'launch', 'vms', 'destroy', 'status', 'watch', 'serve']) {
        expect(r.out.some((l) => l.trimStart().startsWith(c))).toBe(true);
      }
    }
  });

  it('prints help for each command, with --help or help COMMAND', async () => {
    for (const c of [
      'regions',
      'machines',
      'launch',
      'vms',
      'destroy',
      'status',
      'watch',
      'reset',
      'token',
      'serve',
      'help',
    ]) {
      const a = await run([c, '--help']);
      const b = await run(['help', c]);
      expect(a.code).toBe(EXIT.ok);
      expect(a.out).toEqual(b.out);
      expect(a.out[0]).toMatch(new RegExp(`^flylight ${c} — `));
      expect(a.out.some((l) => l.startsWith(`Usage: flylight ${c}`))).toBe(true);
    }
    const serve = (await run(['help', 'serve'])).out.join('\n');
    expect(serve).toContain('--listen ADDR');
    expect(serve).toContain("the seed's own CLI sends no token, and an open port lets any");
    expect((await run(['help', 'reset'])).out.join('\n')).toContain('-y, --yes');
    const launch = await run(['help', 'launch']);
    expect(launch.out.join('\n')).toContain('--vm-memory GB');
    expect(launch.out.join('\n')).toContain('; alias --memory');
  });

  it('writes examples without the program name in the console', async () => {
    const r = await run(['help', 'launch'], { where: 'console' });
    expect(r.out.some((l) => l.startsWith('Usage: launch --vm-region'))).toBe(true);
  });

  it.each([
    [['lanch'], "error: unknown command 'lanch' — did you mean 'launch'? (see `help`)"],
    [['regions', '--filtr', 'x'], 'error: unknown flag --filtr — did you mean --filter?'],
    [['launch', '--vm-region'], 'error: --vm-region needs a value (REGION)'],
    [['serve', '--port', 'x'], "error: --port must be a whole number from 0 to 65535, got 'x'"],
    [['--json'], 'error: missing command (see `help`)'],
  ])('%j exits 2 with one line on stderr', async (argv, line) => {
    const r = await run(argv);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toEqual([line]);
    expect(r.out).toEqual([]);
  });

  it('says how to start Flylight when nothing listens', async () => {
    const api = new FakeApi();
    api.failWith = new ApiError('unavailable', 'nothing answers at http://127.0.0.1:3030 (ECONNREFUSED)');
    const r = await run(['regions'], { api });
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toEqual([`error: ${nothingListening({ apiUrl: 'http://127.0.0.1:3030', auth: cliAuth() })}`]);
    expect(r.err[0]).toBe(
      'error: nothing is listening at http://127.0.0.1:3030 — start Flylight with `npm start` or `flylight serve` (or pass --api URL)',
    );
  });

  it('refuses a malformed API address', async () => {
    const c = capture();
    const env = { ...makeEnv(new FakeApi()), apiUrl: 'ftp://x' };
    expect(await runCommand(['regions', '--api', 'ftp://x'], env, c.io)).toBe(EXIT.usage);
    expect(c.err[0]).toMatch(/^error: --api must be an http:\/\/ or https:\/\/ URL/);
  });

  it('stops waiting when interrupted', async () => {
    const api = new FakeApi();
    api.regions = () => new Promise(() => {});
    const c = capture();
    const pending = runCommand(['regions'], makeEnv(api), c.io);
    c.abort();
    expect(await pending).toBe(EXIT.interrupted);
  });
});

describe('runCommand: serve', () => {
  it('is only available from a terminal in the console', async () => {
    const r = await run(['serve'], { where: 'console' });
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toEqual(['error: serve is only available from a terminal: run `flylight serve` there']);
  });

  it('hands the parsed flags to the CLI serve hook', async () => {
    const seen: ServeFlags[] = [];
    const env = {
      ...makeEnv(new FakeApi()),
      serve: async (f: ServeFlags) => {
        seen.push(f);
        return 0;
      },
    };
    const c = capture();
    const argv = ['--port', '0', 'serve', '--regions', 'x.csv', '--flyd-interval', '50', '--ephemeral', '--seed', '9'];
    expect(await runCommand(argv, env, c.io)).toBe(0);
    expect(seen).toEqual([
      {
        port: 0,
        host: undefined,
        regions: 'x.csv',
        flydIntervalMs: 50,
        dataDir: undefined,
        ephemeral: true,
        seed: 9,
        compatOpen: undefined,
      },
    ]);
  });

  it('takes --listen (or its alias --host) and --compat-open', async () => {
    const seen: ServeFlags[] = [];
    const env = {
      ...makeEnv(new FakeApi()),
      serve: async (f: ServeFlags) => {
        seen.push(f);
        return 0;
      },
    };
    expect(await runCommand(['serve', '--listen', '0.0.0.0', '--compat-open'], env, capture().io)).toBe(0);
    expect(await runCommand(['serve', '--host', '::1'], env, capture().io)).toBe(0);
    expect(seen.map((f) => [f.host, f.compatOpen])).toEqual([
      ['0.0.0.0', true],
      ['::1', undefined],
    ]);
  });
});

describe('runCommand: watch', () => {
  it('prints one line per event until aborted, then closes the feed', async () => {
    const feed = new FakeFeed();
    const c = capture();
    const done = runCommand(['watch'], makeEnv(new FakeApi(), feed), c.io);
    await until(() => feed.onEvent !== null);
    feed.onState?.('open');
    feed.onEvent?.(machineEvent(1));
    feed.onEvent?.({ type: 'reset', seq: 2, at: '2025-11-27T20:48:00Z' });
    c.abort();
    expect(await done).toBe(EXIT.ok);
    expect(feed.closed).toBe(true);
    expect(c.out[0]).toBe('Watching every region at http://127.0.0.1:3030 (Ctrl+C to stop)');
    expect(c.out[1]).toMatch(/^20:47:05 SIN consul-node-80 allocated: cores 8\/64/);
    expect(c.out[2]).toMatch(/reset/);
    expect(c.out).toHaveLength(3);
  });

  it('filters by region, says when it reconnects, and prints JSON lines', async () => {
    const feed = new FakeFeed();
    const c = capture();
    const done = runCommand(['watch', '--vm-region', 'ams', '--json'], makeEnv(new FakeApi(), feed), c.io);
    await until(() => feed.onEvent !== null);
    feed.onState?.('open');
    feed.onEvent?.(machineEvent(1)); // SIN: filtered out
    const ams = { ...MACHINES[1], id: 'ams-1', region: 'AMS' };
    feed.onEvent?.(machineEvent(2, ams, REGIONS[2]));
    feed.onState?.('connecting', 'the server closed the stream; retrying in 1 s');
    feed.onState?.('open');
    c.abort();
    expect(await done).toBe(EXIT.ok);
    expect(c.out).toHaveLength(1);
    expect(JSON.parse(c.out[0])).toMatchObject({ seq: 2, machine: { id: 'ams-1' } });
    expect(c.err).toEqual([
      'Watching AMS at http://127.0.0.1:3030 (Ctrl+C to stop)',
      'Connection lost: the server closed the stream; retrying in 1 s',
      'Reconnected.',
    ]);
  });

  it('fails at once for an unknown region or when nothing listens', async () => {
    const unknown = await run(['watch', '--vm-region', 'XYZ']);
    expect(unknown.code).toBe(EXIT.failed);
    expect(unknown.err[0]).toMatch(/^error: unknown region 'XYZ'/);
    const api = new FakeApi();
    api.failWith = new ApiError('unavailable', 'nothing answers at http://127.0.0.1:3030 (ECONNREFUSED)');
    const down = await run(['watch'], { api });
    expect(down.code).toBe(EXIT.failed);
    expect(down.err[0]).toMatch(/^error: nothing is listening at/);
  });

  it('fails when the server refuses the stream for good', async () => {
    const feed = new FakeFeed();
    const c = capture();
    const done = runCommand(['watch'], makeEnv(new FakeApi(), feed), c.io);
    await until(() => feed.onState !== null);
    feed.onState?.('closed', 'the server answered 403: cross-origin requests are refused');
    expect(await done).toBe(EXIT.failed);
    expect(c.err).toEqual([
      'error: the event stream closed: the server answered 403: cross-origin requests are refused',
    ]);
  });

  it('says the token was refused when the stream answers 401', async () => {
    const feed = new FakeFeed();
    const c = capture();
    const done = runCommand(['watch'], { ...makeEnv(new FakeApi(), feed), auth: cliAuth({ source: 'env' }) }, c.io);
    await until(() => feed.onState !== null);
    feed.onState?.('closed', 'the server answered 401: this request needs the API token: pass …');
    expect(await done).toBe(EXIT.failed);
    expect(c.err).toEqual([
      'error: the API refused the token in FLYLIGHT_TOKEN: `flylight token` prints the right one',
    ]);
  });

  it('asks for the region list first, so a refused token fails at once', async () => {
    const api = new FakeApi();
    api.failWith = new ApiError('unauthorized', 'this request needs the API token: pass Authorization…');
    const c = capture();
    const code = await runCommand(
      ['watch'],
      { ...makeEnv(api), auth: cliAuth({ source: null, storedToken: null }) },
      c.io,
    );
    expect(code).toBe(EXIT.failed);
    expect(api.calls.map((x) => x.method)).toEqual(['regions']);
    expect(c.err[0]).toMatch(/^error: the API needs a token and none was found/);
  });
});

describe('runCommand: the API token', () => {
  const refused = () => {
    const api = new FakeApi();
    api.failWith = new ApiError('unauthorized', 'the API token is not valid: pass Authorization: Bearer <token> …');
    return api;
  };
  async function with401(auth: ReturnType<typeof cliAuth> | undefined, where: 'cli' | 'console' = 'cli') {
    const c = capture();
    const env = { ...makeEnv(refused(), new FakeFeed(), where), auth };
    const code = await runCommand(['regions'], env, c.io);
    return { code, err: c.err, out: c.out };
  }

  it.each([
    ['flag', 'error: the API refused the token given with --token: `flylight token` prints the right one'],
    ['env', 'error: the API refused the token in FLYLIGHT_TOKEN: `flylight token` prints the right one'],
    [
      'file',
      `error: the API refused the token in ${TOKEN_FILE}: is http://127.0.0.1:3030 another Flylight? Pass its token with --token or FLYLIGHT_TOKEN (\`flylight token\` prints it on that host)`,
    ],
  ] as const)('a 401 with the token from the %s says which token was refused, in one line', async (source, line) => {
    const r = await with401(cliAuth({ source }));
    expect(r.code).toBe(EXIT.failed);
    expect(r.err).toEqual([line]);
    expect(r.out).toEqual([]);
    expect(r.err.join('\n')).not.toContain(TOKEN);
  });

  it('a 401 without any token says how to get one', async () => {
    const none = await with401(cliAuth({ source: null, storedToken: null }));
    expect(none.err).toEqual([
      `error: the API needs a token and none was found: start Flylight once (\`npm start\` or \`flylight serve\`) to create ${TOKEN_FILE}, or pass one with --token or FLYLIGHT_TOKEN`,
    ]);
    const withheld = await with401(cliAuth({ source: null, withheld: true }));
    expect(withheld.err[0]).toMatch(/sent only to this computer's own addresses, so pass the token of http/);
  });

  it('a 401 in the console points at the dashboard link, not at --token', async () => {
    const r = await with401(undefined, 'console');
    expect(r.err).toEqual([
      "error: the API refused this page's session: open the dashboard link that `flylight serve` prints, or run `flylight token` in a terminal",
    ]);
  });

  it('a malformed --token or FLYLIGHT_TOKEN is a usage error before any call, never echoed', async () => {
    const api = new FakeApi();
    const c = capture();
    const problem =
      'FLYLIGHT_TOKEN is not a Flylight token (43 letters, digits, - and _; `flylight token` prints the right one)';
    const env = { ...makeEnv(api), auth: cliAuth({ source: null, problem }) };
    expect(await runCommand(['regions'], env, c.io)).toBe(EXIT.usage);
    expect(c.err).toEqual([`error: ${problem}`]);
    expect(api.calls).toEqual([]);
    // Help still works: the problem only matters to commands that call the API.
    const h = capture();
    expect(await runCommand(['help'], env, h.io)).toBe(EXIT.ok);
  });

  it('token prints the stored token and nothing else', async () => {
    const c = capture();
    const env = { ...makeEnv(new FakeApi()), auth: cliAuth({ source: 'env' }) };
    expect(await runCommand(['token'], env, c.io)).toBe(EXIT.ok);
    expect(c.out).toEqual([TOKEN]);
    expect(c.err).toEqual([]);
  });

  it('token without a token file says how to create one', async () => {
    const c = capture();
    const env = { ...makeEnv(new FakeApi()), auth: cliAuth({ source: null, storedToken: null }) };
    expect(await runCommand(['token'], env, c.io)).toBe(EXIT.failed);
    expect(c.err).toEqual([
      `error: no token yet: start Flylight once (\`npm start\` or \`flylight serve\`) to create ${TOKEN_FILE}`,
    ]);
    expect(c.out).toEqual([]);
  });

  it('token and --token are refused in the console; serve and token take no --token', async () => {
    const inConsole = await run(['token'], { where: 'console' });
    expect(inConsole.code).toBe(EXIT.failed);
    expect(inConsole.err).toEqual([
      'error: token is not available in the console: this window needs no token (run `flylight token` in a terminal)',
    ]);
    const flag = await run(['regions', '--token', TOKEN], { where: 'console' });
    expect(flag.code).toBe(EXIT.usage);
    expect(flag.err).toEqual(['error: --token is not available in the console: this window needs no token']);
    const c = capture();
    const env = { ...makeEnv(new FakeApi()), auth: cliAuth(), serve: async () => 0 };
    expect(await runCommand(['serve', '--token', TOKEN], env, c.io)).toBe(EXIT.usage);
    expect(c.err[0]).toMatch(/^error: serve takes no --token/);
    const d = capture();
    expect(await runCommand(['token', '--token', TOKEN], env, d.io)).toBe(EXIT.usage);
    expect(d.err[0]).toMatch(/^error: token prints the token stored in .*; it takes no --token$/);
    expect(d.err[0]).not.toContain(TOKEN);
  });
});

describe('runCommand: reset', () => {
  async function reset(argv: string[], opts: { where?: 'cli' | 'console'; answer?: string | null } = {}) {
    const api = new FakeApi();
    const c = capture();
    const asker = opts.answer !== undefined ? answering(opts.answer) : null;
    if (asker) c.io.prompt = asker.prompt;
    const code = await runCommand(argv, makeEnv(api, new FakeFeed(), opts.where ?? 'cli'), c.io);
    return { code, out: c.out, err: c.err, methods: api.calls.map((x) => x.method), asked: asker?.asked ?? [] };
  }

  it('--yes resets at once and prints the summary', async () => {
    const r = await reset(['reset', '--yes']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.methods).toEqual(['reset']);
    expect(r.out).toEqual(['Fleet reset: 35 regions, 215 machines, all VMs destroyed.']);
    const json = await reset(['reset', '-y', '--json']);
    expect(JSON.parse(json.out.join('\n'))).toEqual({ machines: 215, regions: 35, reset: true });
  });

  it("at a terminal, asks first with the number of VMs and resets on 'reset'", async () => {
    const r = await reset(['reset'], { answer: ' reset ' });
    expect(r.asked).toEqual([
      `This destroys all ${STATUS.fleet.vms} VMs and returns the fleet to its bootstrap state. Type 'reset' to confirm: `,
    ]);
    expect(r.methods).toEqual(['status', 'reset']);
    expect(r.code).toBe(EXIT.ok);
  });

  it.each([['no'], ['RESET'], [''], [null]])('any other answer (%j) changes nothing', async (answer) => {
    const r = await reset(['reset'], { answer });
    expect(r.code).toBe(EXIT.failed);
    expect(r.methods).toEqual(['status']);
    expect(r.err).toEqual(['Reset cancelled: nothing was changed.']);
  });

  it('without a terminal and without --yes, refuses with exit 2 and names --yes', async () => {
    const r = await reset(['reset']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.methods).toEqual([]);
    expect(r.err).toEqual([
      'error: reset destroys every VM, and there is no terminal here to confirm it: pass --yes to reset without asking',
    ]);
  });

  it('in the console, needs --yes and says so', async () => {
    const r = await reset(['reset'], { where: 'console' });
    expect(r.code).toBe(EXIT.usage);
    expect(r.methods).toEqual([]);
    expect(r.asked).toEqual([]);
    expect(r.err[0]).toMatch(/^error: reset destroys every VM .*type `reset --yes`/);
    const ok = await reset(['reset', '--yes'], { where: 'console' });
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.methods).toEqual(['reset']);
  });

  it('Ctrl+C while asking interrupts (exit 130) and resets nothing', async () => {
    const api = new FakeApi();
    const c = capture();
    let asked = false;
    c.io.prompt = () => {
      asked = true;
      return new Promise(() => {});
    };
    const pending = runCommand(['reset'], makeEnv(api), c.io);
    await until(() => asked);
    c.abort();
    expect(await pending).toBe(EXIT.interrupted);
    expect(api.calls.map((x) => x.method)).toEqual(['status']);
  });

  it('words the question for one VM and for none', async () => {
    const { resetQuestion } = await import('../../../src/shared/cli/commands/reset');
    expect(resetQuestion(1)).toBe(
      "This destroys the one VM and returns the fleet to its bootstrap state. Type 'reset' to confirm: ",
    );
    expect(resetQuestion(0)).toMatch(/^There are no VMs\. .* Type 'reset' to confirm: $/);
  });
});

describe('runCommand: status with the circuit breaker', () => {
  it('shows the breaker when the proxy reports it, and nothing when it does not', async () => {
    const api = new FakeApi();
    api.status = async () => ({ ...STATUS, breaker: { state: 'open', failures: 5, opened: 2, retry_after_s: 2 } });
    const c = capture();
    await runCommand(['status'], makeEnv(api), c.io);
    expect(c.out.at(-1)).toBe(
      'Breaker   open: the orchestrator is not answering, requests fail fast with 503, next probe in 2 s (opened 2 times since start)',
    );
    api.status = async () => ({ ...STATUS, breaker: { state: 'closed', failures: 0, opened: 0 } });
    const d = capture();
    await runCommand(['status'], makeEnv(api), d.io);
    expect(d.out.at(-1)).toBe('Breaker   closed (never opened)');
    const plain = await run(['status']);
    expect(plain.out.some((l) => l.startsWith('Breaker'))).toBe(false);
  });
});

describe('runCommand: what a command may do follows from its environment', () => {
  it('an environment without credentials refuses --token and token, whatever it is called', async () => {
    const c = capture();
    const env = { ...makeEnv(new FakeApi()), auth: undefined };
    expect(await runCommand(['regions', '--token', TOKEN], env, c.io)).toBe(EXIT.usage);
    expect(await runCommand(['token'], env, c.io)).toBe(EXIT.failed);
    expect(c.err[0]).toMatch(/^error: --token is not available/);
    expect(c.err[1]).toMatch(/^error: token is not available/);
  });

  it('an environment with a serve hook serves; without one, serve is refused', async () => {
    const c = capture();
    const served: ServeFlags[] = [];
    const serve = async (f: ServeFlags) => {
      served.push(f);
      return 0;
    };
    const env = { ...makeEnv(new FakeApi()), serve };
    expect(await runCommand(['serve', '--port', '0'], env, c.io)).toBe(EXIT.ok);
    expect(served).toEqual([expect.objectContaining({ port: 0 })]);
    expect(await runCommand(['serve'], makeEnv(new FakeApi()), c.io)).toBe(EXIT.failed);
  });

  it('a console line pasted with the program name reads as typed there', async () => {
    const c = capture();
    expect(await runCommand(['flylight', 'version'], makeEnv(new FakeApi(), new FakeFeed(), 'console'), c.io)).toBe(0);
    expect(c.out).toEqual([`flylight ${VERSION}`]);
  });
});
