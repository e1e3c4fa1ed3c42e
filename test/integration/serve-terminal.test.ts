// `flylight serve` keeps working while its terminal does not read: a terminal paused with
// Ctrl+S (a real pty that stops being read, test/helpers/stuck-terminal.py) held the host thread
// in write(2) and /v1/status never answered; a pipe that is not read (`serve | less` with its
// screen full) queued every line in memory. Now lines past a bounded queue are skipped, the log
// file still gets all of them, and the terminal is told how many it missed once it reads again.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/host';
import { until } from '../helpers/until';

const STUCK_TERMINAL = join(ROOT, 'test', 'helpers', 'stuck-terminal.py');
/** Enough request lines to pass the terminal's 1 MB queue (~170 bytes a line). */
const REQUESTS = 12_000;

interface Served {
  proc: ChildProcess;
  output: () => string;
  url: string;
  token: string;
  dataDir: string;
}

const started: ChildProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

/** serve on the stuck terminal, or on a plain pipe; resolves once it listens. */
async function serve(viaTerminal: boolean): Promise<Served> {
  const config = mkdtempSync(join(tmpdir(), 'flylight-config-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'flylight-data-'));
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: config,
    NO_COLOR: '1',
    FLYLIGHT_TIMING: 'instant',
    STOP_AFTER: 'Dashboard:',
  };
  const args = [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--rate-limit', '1000000'];
  const proc = viaTerminal
    ? spawn('python3', [STUCK_TERMINAL, process.execPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  await until(() => /Dashboard: /.test(out), 30_000, 'serve printing its dashboard address', 20).catch((err: Error) => {
    throw new Error(`${err.message}; output:\n${out}`);
  });
  const url = (/listening on (http:\/\/\S+)/.exec(out) as RegExpExecArray)[1];
  const token = readFileSync(join(config, 'flylight', 'token'), 'utf8').trim();
  return { proc, output: () => out, url, token, dataDir };
}

/** `n` GET /healthz over 16 keep-alive connections; each is one request line in the log. */
async function requests(s: Served, n: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(`${s.url}/healthz`, { agent, headers: { authorization: `Bearer ${s.token}` } }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`/healthz answered ${res.statusCode}`)),
        );
      });
      req.on('error', reject);
      req.end();
    });
  const lane = async () => {
    while (next < n) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  agent.destroy();
}

/** An answer from the host thread itself (/v1/status is served by it), however long it takes. */
async function status(s: Served): Promise<number> {
  const res = await fetch(`${s.url}/v1/status`, {
    headers: { authorization: `Bearer ${s.token}` },
    signal: AbortSignal.timeout(20_000),
  });
  await res.text();
  return res.status;
}

function loggedRequests(dataDir: string): number {
  const dir = join(dataDir, 'logs');
  let n = 0;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith('flylight.log')) continue;
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line.includes('"path":"/healthz"')) n++;
  }
  return n;
}

describe.each([
  ['a terminal that stopped reading (Ctrl+S)', true],
  ['a pipe that is not read', false],
] as const)('serve with its log going to %s', (_what, viaTerminal) => {
  it('keeps answering, skips lines past the queue, files all of them and says how many the terminal missed', {
    timeout: 120_000,
  }, async () => {
    const s = await serve(viaTerminal);
    // The terminal stops reading: the stuck pty stops on its own after the dashboard line; the
    // pipe's reader is paused (Node stops reading it once its own buffer is full).
    if (!viaTerminal) s.proc.stdout?.pause();
    await requests(s, REQUESTS);
    expect(await status(s)).toBe(200);
    // A launch too: the store, orchestrator and proxy never waited on the terminal.
    const launch = await fetch(`${s.url}/v1/vms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ region: 'SIN', memory_gb: 1, cores: 1 }),
    });
    expect(launch.status).toBe(201);
    await until(() => loggedRequests(s.dataDir) >= REQUESTS, 20_000, 'every request line in the log file', 100);

    // Reading again, the terminal is told what it missed and where it is.
    if (viaTerminal) s.proc.kill('SIGUSR1');
    else s.proc.stdout?.resume();
    await until(() => /log lines not shown here/.test(s.output()), 20_000, 'the notice of skipped lines', 50);
    const notice = /log lines not shown here: the terminal was not reading skipped=(\d+) file=(\S+)/.exec(s.output());
    expect(notice, s.output().slice(-500)).not.toBeNull();
    const skipped = Number((notice as RegExpExecArray)[1]);
    expect(skipped).toBeGreaterThan(0);
    expect(skipped).toBeLessThan(REQUESTS + 100);
    expect((notice as RegExpExecArray)[2]).toBe(join(s.dataDir, 'logs', 'flylight.log'));

    const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
    s.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
