// Every `flylight` command, run as the real CLI process against a real host (`flylight serve`),
// against the README's exit-code rule: 0 ok; 1 the platform refused or could not (no capacity,
// a VM gone or in the wrong state, a refused token); 2 the line is wrong (a bad value, an unknown
// region, a reused Idempotency-Key). Each row runs twice: as typed, where a failure is one line
// `error: …` on stderr, and with --json, where stdout is JSON and a failure is one JSON object
// `{"error": {"code", "message", "exit_code"[, "flag"]}}` on stderr. Errors name the flag as typed.

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/shared/cli/command-specs';
import { CLI, type CliResult, ROOT, runCli, type ServeProcess, startServe } from '../helpers/host';

let host: ServeProcess;
let blocker: Server;
let busyPort = 0;

/** The CLI against the test host, its token found as a user's CLI finds it. */
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli([...args, '--api', host.url], { ...host.env, ...env });

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(host.url + path, {
    method,
    headers: { ...host.auth(), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** A started VM of its own for a row that changes or destroys one. */
async function freshVm(): Promise<string> {
  const r = await api('POST', '/v1/vms', { region: 'SIN', memory_gb: 1, cores: 1 });
  expect(r.status).toBe(201);
  return (r.json as { id: string }).id;
}

async function aMachine(): Promise<string> {
  const r = await api('GET', '/v1/regions/SIN/machines');
  return (r.json as { machines: { id: string }[] }).machines[0].id;
}

interface Row {
  /** The command this row exercises (every command must have rows for its exit codes). */
  command: string;
  argv: () => Promise<string[]> | string[];
  exit: 0 | 1 | 2;
  /** What stdout (success) or the error message (failure) must say, as typed. */
  says?: RegExp;
  /** The flag the error must name, as typed. */
  flag?: string;
  /** The JSON error code, for failures. */
  code?: string;
  env?: () => NodeJS.ProcessEnv;
  /** A local tool that talks to no host: run without --api. */
  local?: true;
}

const L = ['launch', '--vm-region', 'SIN', '--vm-memory', '1', '--vm-cores', '1'];

const ROWS: Row[] = [
  { command: 'regions', argv: () => ['regions'], exit: 0, says: /^CODE\s+LOCATION/ },
  { command: 'regions', argv: () => ['regions', '--sort', 'size'], exit: 2, says: /--sort must be one of/ },
  { command: 'regions', argv: () => ['regions', '--memory', '8'], exit: 2, says: /regions does not take --memory/ },
  { command: 'machines', argv: () => ['machines', 'sin'], exit: 0, says: /^MACHINE\s/ },
  {
    command: 'machines',
    argv: () => ['machines', 'XYZ'],
    exit: 2,
    says: /unknown region 'XYZ'/,
    code: 'unknown_region',
  },
  { command: 'launch', argv: () => L, exit: 0, says: /^Launched vm-/ },
  {
    command: 'launch',
    argv: () => ['launch', '--vm-region', 'SIN', '--vm-memory', '0', '--vm-cores', '1'],
    exit: 2,
    says: /^--vm-memory must be a whole number of GB from 1 to 256; got "0"/,
    flag: '--vm-memory',
  },
  {
    command: 'launch',
    argv: () => ['launch', '--region', 'SIN', '--region', 'NRT', '--memory', '1', '--cores', '1'],
    exit: 2,
    says: /^--region is given twice/,
  },
  {
    // Caught by the host (only it knows the regions), reported in the words typed.
    command: 'launch',
    argv: () => ['launch', '--region', 'XYZ', '--memory', '1', '--cores', '1'],
    exit: 2,
    says: /^--region: unknown region 'XYZ'/,
    flag: '--region',
    code: 'unknown_region',
  },
  {
    command: 'launch',
    // All or none: a hundred of the largest VMs fit nowhere.
    argv: () => ['launch', '-r', 'sin', '--vm-memory', '256', '--vm-cores', '32', '--count', '100'],
    exit: 1,
    code: 'no_capacity',
  },
  { command: 'place', argv: () => ['place', '-r', 'sin', '--vm-memory', '2', '--vm-cores', '1'], exit: 0, says: /✓/ },
  {
    command: 'place',
    argv: () => ['place', '-r', 'sin', '--vm-memory', '2', '--cores', '99'],
    exit: 2,
    says: /^--cores must be a whole number from 1 to 32/,
    flag: '--cores',
  },
  { command: 'platform', argv: () => ['platform', 'regions'], exit: 0, says: /^CODE/ },
  { command: 'platform', argv: () => ['platform', 'apps'], exit: 2, says: /platform knows one subcommand/ },
  { command: 'vms', argv: () => ['vms'], exit: 0 },
  { command: 'vms', argv: () => ['vms', '-r', 'XYZ'], exit: 2, says: /^-r: unknown region 'XYZ'/, flag: '-r' },
  { command: 'destroy', argv: async () => ['destroy', await freshVm()], exit: 0, says: /^Destroyed vm-/ },
  { command: 'destroy', argv: () => ['destroy', 'vm-000000'], exit: 1, code: 'not_found' },
  { command: 'destroy', argv: () => ['destroy'], exit: 2, says: /destroy needs VM_ID/ },
  { command: 'status', argv: () => ['status'], exit: 0, says: /^Flylight/ },
  { command: 'status', argv: () => ['status', 'now'], exit: 2, says: /unexpected argument 'now'/ },
  // This host has a fleet of its own: nothing to show (a shared one: test/integration/etcd-ownership).
  { command: 'cluster', argv: () => ['cluster'], exit: 1, code: 'not_found', says: /not shared/ },
  { command: 'cluster', argv: () => ['cluster', 'now'], exit: 2, says: /unexpected argument 'now'/ },
  { command: 'watch', argv: () => ['watch', '-r', 'XYZ'], exit: 2, says: /^-r: unknown region/, flag: '-r' },
  {
    command: 'watch',
    // A host that cannot prove it holds this token is never sent it.
    argv: () => ['watch', '--token', 'W'.repeat(43)],
    exit: 1,
    says: /refusing to send the API token/,
    code: 'forbidden',
  },
  { command: 'reset', argv: () => ['reset'], exit: 2, says: /pass --yes/ },
  { command: 'token', argv: () => ['token'], exit: 0, says: /^[A-Za-z0-9_-]{43}\n$/ },
  {
    command: 'token',
    argv: () => ['token'],
    env: () => ({ XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'flylight-empty-')) }),
    exit: 1,
    says: /no token yet/,
    code: 'no_token',
  },
  { command: 'token', argv: () => ['token', 'please'], exit: 2, says: /unexpected argument/ },
  { command: 'serve', argv: () => ['serve', '--port', 'abc'], exit: 2, says: /--port must be a whole number/ },
  {
    // Refused inside serve's own code (loaded from the app's bundle): still wrong usage.
    command: 'serve',
    argv: () => ['serve', '--port', '0', '--ephemeral'],
    env: () => ({ FLYLIGHT_LOG_FORMAT: 'xml' }),
    exit: 2,
    says: /FLYLIGHT_LOG_FORMAT must be one of pretty, json, silent/,
  },
  {
    command: 'serve',
    argv: () => ['serve', '--port', String(busyPort), '--ephemeral'],
    exit: 1,
    code: 'start_failed',
  },
  { command: 'machine', argv: async () => ['machine', 'drain', await aMachine()], exit: 0, says: /is draining/ },
  { command: 'machine', argv: async () => ['machine', 'online', await aMachine()], exit: 0, says: /back online/ },
  { command: 'machine', argv: () => ['machine', 'drain', 'no-such-machine'], exit: 1, code: 'not_found' },
  { command: 'machine', argv: () => ['machine', 'explode', 'x'], exit: 2, says: /unknown action 'explode'/ },
  { command: 'region', argv: () => ['region', 'status', 'SIN', 'operational'], exit: 0, says: /is Operational/ },
  { command: 'region', argv: () => ['region', 'status', 'SIN', 'sideways'], exit: 2, says: /status must be/ },
  { command: 'region', argv: () => ['region', 'status', 'XYZ', 'down'], exit: 2, code: 'unknown_region' },
  { command: 'chaos', argv: () => ['chaos', 'kill-actors', '--count', '1', '--seed', '3'], exit: 0, says: /Killed 1/ },
  { command: 'chaos', argv: () => ['chaos', 'kill-actors', '--count', '0'], exit: 2, flag: '--count' },
  {
    command: 'chaos',
    argv: () => ['chaos', 'fail-machines', '--rate', '2', '--duration', '1s'],
    exit: 2,
    says: /^--rate must be a probability/,
    flag: '--rate',
  },
  { command: 'help', argv: () => ['help', 'launch'], exit: 0, says: /^Usage: flylight launch/m },
  { command: 'help', argv: () => ['help', 'lunch'], exit: 2, says: /unknown command 'lunch'/ },
  { command: 'version', argv: () => ['version'], exit: 0, says: /^flylight \d/ },
  { command: 'version', argv: () => ['version', 'x'], exit: 2 },
  { command: 'vm', argv: async () => ['vm', 'status', await freshVm()], exit: 0, says: /started/ },
  { command: 'vm', argv: () => ['vm', 'run', '-r', 'sin', '--vm-cpus', '1', '--vm-memory', '1024'], exit: 0 },
  {
    command: 'vm',
    argv: async () => {
      const id = await freshVm();
      await api('POST', `/v1/vms/${id}/stop`);
      return ['vm', 'suspend', id];
    },
    exit: 1,
    code: 'invalid_state',
  },
  { command: 'vm', argv: () => ['vm', 'status', 'vm-000000'], exit: 1, code: 'not_found' },
  {
    command: 'vm',
    argv: () => ['vm', 'run', '--region', 'sin', '--vm-cpus', '1', '--vm-memory', '1000'],
    exit: 2,
    says: /^--vm-memory 1000 MB is not whole GB/,
    flag: '--vm-memory',
  },
  { command: 'vm', argv: () => ['vm', 'wait', 'vm-000000', '--timeout', '0s'], exit: 2, says: /--timeout/ },
  { command: 'completion', argv: () => ['completion', 'bash'], exit: 0, says: /complete -F _flylight flylight/ },
  { command: 'completion', argv: () => ['completion', 'tcsh'], exit: 2, says: /unknown shell 'tcsh'/ },
  {
    command: 'gen-fleet',
    argv: () => ['gen-fleet', '--regions', '2', '--machines', '3'],
    exit: 0,
    says: /^kind,/,
    local: true,
  },
  {
    command: 'gen-fleet',
    argv: () => ['gen-fleet', '--machines', '0'],
    exit: 2,
    says: /--machines "0" is not valid/,
    local: true,
  },
  { command: 'logs', argv: () => ['logs', '--lines', '1'], exit: 0 },
  {
    command: 'logs',
    argv: () => ['logs', '--level', 'loud'],
    exit: 2,
    says: /--level must be one of debug, info, warn, error/,
  },
  { command: 'load', argv: () => ['load', '--rate', '5', '--duration', '1s', '--regions', 'SIN'], exit: 0 },
  {
    command: 'load',
    argv: () => ['load', '--rate', '0', '--duration', '1s'],
    exit: 2,
    says: /--rate must be launches per second above 0/,
    flag: '--rate',
  },
  {
    command: 'scenario',
    argv: () => ['scenario', 'export', join(mkdtempSync(join(tmpdir(), 'flylight-scenario-')), 'out')],
    exit: 0,
  },
  {
    command: 'scenario',
    argv: () => ['scenario', 'import', '/nonexistent-dir', '--yes'],
    exit: 2,
    says: /no such directory/,
  },
  { command: '(none)', argv: () => ['lunch'], exit: 2, says: /unknown command 'lunch'/ },
];

/** The one-line message of a failure, without the `error: ` prefix. */
function plainError(r: CliResult): string {
  const lines = r.stderr.trimEnd().split('\n');
  const last = lines[lines.length - 1];
  expect(last.startsWith('error: '), `stderr: ${r.stderr}`).toBe(true);
  return last.slice('error: '.length);
}

function jsonError(r: CliResult): { code: string; message: string; exit_code: number; flag?: string } {
  // Under --json every stderr line is JSON (notes too); the failure is the last one.
  const lines = r.stderr.trimEnd().split('\n');
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const error = parsed[parsed.length - 1].error as { code: string; message: string; exit_code: number };
  expect(error, `stderr: ${r.stderr}`).toBeTruthy();
  return error;
}

beforeAll(async () => {
  host = await startServe(['--ephemeral']);
  // A port something else holds: serve there cannot start (exit 1).
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  busyPort = (blocker.address() as { port: number }).port;
}, 30_000);

afterAll(async () => {
  await host?.stop();
  blocker?.close();
});

describe('every command against the exit-code rule, as typed and with --json', () => {
  it('has rows for every command of the grammar', () => {
    const covered = new Set(ROWS.map((r) => r.command));
    for (const c of COMMANDS) expect(covered.has(c.name), c.name).toBe(true);
  });

  for (const [i, row] of ROWS.entries()) {
    it(`${i}: ${row.command} → exit ${row.exit}`, async () => {
      const argv = await row.argv();
      const env = row.env?.() ?? {};
      const run = (args: string[]) => (row.local ? runCli(args, { ...host.env, ...env }) : cli(args, env));
      const plain = await run(argv);
      const what = `flylight ${argv.join(' ')}\n${plain.stdout}\n${plain.stderr}`;
      expect(plain.code, what).toBe(row.exit);
      if (row.exit === 0) {
        if (row.says) expect(plain.stdout, what).toMatch(row.says);
      } else {
        const message = plainError(plain);
        if (row.says) expect(message, what).toMatch(row.says);
        if (row.flag) expect(message, what).toContain(row.flag);
      }

      // The same line with --json (a fresh VM when the row makes one).
      const argvJson = [...(await row.argv()), '--json'];
      const json = await run(argvJson);
      const whatJson = `flylight ${argvJson.join(' ')}\n${json.stdout}\n${json.stderr}`;
      expect(json.code, whatJson).toBe(row.exit);
      if (row.exit === 0) {
        expect(() => JSON.parse(json.stdout), whatJson).not.toThrow();
        for (const line of json.stderr.split('\n').filter(Boolean)) expect(JSON.parse(line)).toHaveProperty('note');
      } else {
        // Nothing but JSON on stdout either (serve's log records, before it failed, are JSON).
        for (const line of json.stdout.split('\n').filter(Boolean))
          expect(() => JSON.parse(line), whatJson).not.toThrow();
        const error = jsonError(json);
        expect(error.exit_code).toBe(row.exit);
        expect(typeof error.message).toBe('string');
        if (row.code) expect(error.code, whatJson).toBe(row.code);
        if (row.flag) expect(error.flag, whatJson).toBe(row.flag);
        if (row.says) expect(error.message, whatJson).toMatch(row.says);
      }
    });
  }
});

describe('lines that run until stopped', () => {
  /** Starts the CLI, waits for `ready` on either stream, sends SIGINT, resolves with the result. */
  function interrupted(args: string[], ready: RegExp): Promise<CliResult> {
    return new Promise((resolve) => {
      const proc = spawn(process.execPath, [CLI, ...args], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', ...host.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let sent = false;
      const check = () => {
        if (!sent && ready.test(stdout + stderr)) {
          sent = true;
          proc.kill('SIGINT');
        }
      };
      proc.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        check();
      });
      proc.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        check();
      });
      proc.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('watch: Ctrl+C ends it with 0; under --json its notes are JSON on stderr', async () => {
    const plain = await interrupted(['watch', '--api', host.url], /Watching/);
    expect(plain.code).toBe(0);
    const json = await interrupted(['watch', '--api', host.url, '--json'], /"note"/);
    expect(json.code).toBe(0);
    for (const line of json.stderr.split('\n').filter(Boolean)) expect(JSON.parse(line)).toHaveProperty('note');
  });

  it('serve: Ctrl+C stops it with 0; under --json it says where it listens as a JSON line', async () => {
    const r = await interrupted(['serve', '--port', '0', '--ephemeral', '--json'], /"api"/);
    expect(r.code, r.stderr).toBe(0);
    // stdout is JSON lines only: the host's log records and the one saying where it listens.
    const lines = r.stdout.split('\n').filter(Boolean);
    for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();
    const where = lines.map((l) => JSON.parse(l)).find((o) => o.api !== undefined);
    expect(where).toMatchObject({
      api: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      dashboard: expect.any(String),
    });
  }, 30_000);

  it('reset --yes answers 0 (run last: it returns the fleet to its bootstrap state)', async () => {
    const r = await cli(['reset', '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ reset: true });
  });
});

describe('an Idempotency-Key', () => {
  it('replayed by a later run says so, and reused for another launch is the line at fault (2)', async () => {
    const key = `it-${Date.now()}`;
    const first = await cli([...L, '--idempotency-key', key]);
    expect(first.code).toBe(0);
    const id = /Launched (vm-\S+)/.exec(first.stdout)?.[1];
    expect(id).toBeDefined();
    const again = await cli([...L, '--idempotency-key', key]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Already launched as ${id} by an earlier run with this key (${key})`);
    const againJson = await cli([...L, '--idempotency-key', key, '--json']);
    expect(JSON.parse(againJson.stdout)).toMatchObject({ id, idempotent_replayed: true });
    const other = await cli(['launch', '-r', 'sin', '--vm-memory', '2', '--vm-cores', '1', '--idempotency-key', key]);
    expect(other.code).toBe(2);
    expect(plainError(other)).toContain(`already launched ${id}`);
  });
});
