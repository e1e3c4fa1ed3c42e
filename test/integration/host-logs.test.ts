// `flylight logs` against the real `flylight serve` (its own process, a real data directory and
// log file) with the real CLI process: the host's log over the port, without the CLI touching the
// data directory; --level filters, a wrong level is a usage error naming the levels (exit 2),
// --follow prints new lines as they are written and stops cleanly on Ctrl+C.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

let serve: ServeProcess;
let dataDir: string;

const EARLIER = {
  time: '2026-11-30T01:00:00.000Z',
  level: 'warn',
  worker: 'host',
  msg: 'a warning from an earlier run',
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'flylight-logs-'));
  // A log file left by an earlier run: the host starts with its last lines.
  mkdirSync(join(dataDir, 'logs'), { mode: 0o700 });
  writeFileSync(join(dataDir, 'logs', 'flylight.log'), `${JSON.stringify(EARLIER)}\n`, { mode: 0o600 });
  serve = await startServe(['--data-dir', dataDir], { FLYLIGHT_LOG_FORMAT: 'json' });
});

afterAll(async () => {
  await serve?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('flylight logs', () => {
  it("prints the newest lines of the host's log, readable, with the earlier run's", async () => {
    const all = await serve.cli(['logs', '--lines', '500']);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toBe('2026-11-30 01:00:00.000 WARN  [host] a warning from an earlier run');
    expect(all.stdout).toMatch(/INFO {2}\[store\] store ready/);
    expect(all.stdout).toMatch(/INFO {2}\[proxy\] request method=GET path=\/v1\/hello/);
    const three = await serve.cli(['logs', '-n', '3']);
    expect(three.code).toBe(0);
    expect(three.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('--level shows that level and above; --json one record per line', async () => {
    const warn = await serve.cli(['logs', '--level', 'warn', '--json']);
    expect(warn.code).toBe(0);
    const records = warn.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(records.length).toBeGreaterThanOrEqual(1);
    expect(records.every((r) => r.level === 'warn' || r.level === 'error')).toBe(true);
    expect(records[0]).toEqual(EARLIER);
    const info = await serve.cli(['logs', '--level', 'info', '--json', '--lines', '5000']);
    expect(info.stdout).not.toMatch(/"level":"debug"/);
    expect(info.stdout).toMatch(/"level":"info"/);
  });

  it('refuses a level it does not know with the levels it does (exit 2), before asking the host', async () => {
    const r = await serve.cli(['logs', '--level', 'loud']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("error: --level must be one of debug, info, warn, error; got 'loud'");
    expect(r.stdout).toBe('');
    const lines = await serve.cli(['logs', '--lines', '-4']);
    expect(lines.code).toBe(2);
    expect(lines.stderr).toMatch(/--lines/);
  });

  it('--follow prints lines as the host writes them and stops on Ctrl+C', async () => {
    const proc = spawn(process.execPath, [CLI, 'logs', '--follow', '--json', '--lines', '0', '--api', serve.url], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...serve.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
    try {
      // Each request logs one line; ours carries an id we can find.
      const id = `follow-${Date.now()}`;
      await until(
        async () => {
          await fetch(`${serve.url}/v1/regions`, { headers: { ...serve.auth(), 'x-request-id': id } });
          return out.includes(id);
        },
        10_000,
        'the request line to reach the follower',
        200,
      );
      const line = out.split('\n').find((l) => l.includes(id)) as string;
      expect(JSON.parse(line)).toMatchObject({ level: 'info', msg: 'request', path: '/v1/regions', request_id: id });
      // --lines 0: nothing from before it started.
      expect(out).not.toContain('earlier run');
    } finally {
      proc.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('--follow --level error skips what is below error', async () => {
    const proc = spawn(
      process.execPath,
      [CLI, 'logs', '--follow', '--level', 'error', '--json', '--lines', '10', '--api', serve.url],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...serve.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
    await until(() => err.includes('Following the log'), 10_000, 'the follower to say it follows', 50);
    // Under --json the note is a JSON line too.
    expect(JSON.parse(err.trim())).toEqual({
      note: `Following the log of ${serve.url} at error and above (Ctrl+C to stop)`,
    });
    // Info lines are written meanwhile; none of them may come through.
    for (let i = 0; i < 5; i++) {
      await fetch(`${serve.url}/v1/regions`, { headers: serve.auth() });
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const l of out.trim().split('\n').filter(Boolean)) expect(JSON.parse(l).level).toBe('error');
  });
});
