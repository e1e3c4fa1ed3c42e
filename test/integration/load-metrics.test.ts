// The load generator against the real thing: `flylight serve` in its own process, the real CLI
// process driving its port (and the host driving it for /v1/load), and the summary compared
// with the server's own counters on /metrics: every launch the summary counts is one the proxy
// answered, with the same outcome.

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadStatusView } from '../../src/shared/load/keeper';
import type { LoadSummary } from '../../src/shared/load/stats';
import { CLI, ROOT, type ServeProcess, startServe } from '../helpers/host';
import { parseExposition } from '../helpers/prom-text';
import { until } from '../helpers/until';

let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServe(['--ephemeral', '--seed', '3', '--flyd-interval', '200']);
}, 30_000);

afterAll(async () => {
  await serve?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: the tests read several answer shapes straight from the JSON
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(serve.url + path, {
    method,
    headers: { ...serve.auth(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Requests the proxy answered, by route, method and status. */
async function requestCounts(): Promise<Map<string, number>> {
  const res = await fetch(`${serve.url}/metrics`, { headers: serve.auth() });
  const families = parseExposition(await res.text());
  const out = new Map<string, number>();
  for (const s of families.get('flylight_http_requests_total')?.samples ?? []) {
    out.set(`${s.labels.method} ${s.labels.route} ${s.labels.status}`, s.value);
  }
  return out;
}

/** What the proxy counted between two scrapes, for launches and destroys. */
function delta(before: Map<string, number>, after: Map<string, number>) {
  const d = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
  let launchOther = 0;
  for (const k of after.keys()) {
    if (k.startsWith('POST vms ') && k !== 'POST vms 201' && k !== 'POST vms 409') launchOther += d(k);
  }
  return { ok: d('POST vms 201'), no_capacity: d('POST vms 409'), errors: launchOther, destroyed: d('DELETE vm 200') };
}

function expectMatches(summary: LoadSummary, counted: ReturnType<typeof delta>): void {
  expect({
    ok: summary.ok,
    no_capacity: summary.no_capacity,
    errors: summary.errors,
    destroyed: summary.destroyed,
  }).toEqual(counted);
  expect(summary.sent).toBe(summary.ok + summary.no_capacity + summary.errors);
}

// A mix where whole-machine VMs soon run out of room in SIN: both outcomes show up.
const MIX = '1x1:60,32x256:40';

describe('flylight load (the CLI process)', () => {
  it('summarises exactly what /metrics counted, and destroys every VM it launched', async () => {
    const before = await requestCounts();
    const r = await serve.cli([
      'load',
      '--rate',
      '40',
      '--duration',
      '3s',
      '--mix',
      MIX,
      '--regions',
      'SIN,nrt',
      '--destroy-after',
      '1s',
      '--seed',
      '11',
      '--json',
    ]);
    expect(r.stderr).toContain('Load: 40/s for 3s');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as LoadSummary;
    const after = await requestCounts();
    expect(summary.sent).toBe(120);
    expect(summary.ok).toBeGreaterThan(0);
    expect(summary.no_capacity).toBeGreaterThan(0);
    expectMatches(summary, delta(before, after));
    expect(summary.destroyed).toBe(summary.ok);
    expect(summary.left).toEqual([]);
    expect(summary.spec).toMatchObject({ rate: 40, regions: ['SIN', 'NRT'], seed: 11, destroy_after_ms: 1000 });
    expect((await api('GET', '/v1/vms')).body.vms).toEqual([]);
  }, 30_000);

  it('Ctrl+C stops launching, still destroys what it launched and prints the summary', async () => {
    const before = await requestCounts();
    const proc = spawn(
      process.execPath,
      [
        CLI,
        'load',
        '--rate',
        '30',
        '--duration',
        '60s',
        '--destroy-after',
        '30s',
        '--regions',
        'ORD',
        '--api',
        serve.url,
      ],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...serve.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
    try {
      // A plain line a second when stdout is not a terminal, once some launches have landed.
      await until(() => /\/1m {2}rate \d+\/s {2}ok [1-9]/.test(stdout), 20_000);
      expect((await api('GET', '/v1/vms')).body.vms.length).toBeGreaterThan(0);
      proc.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    expect(stdout).toContain('Stopping: no more launches');
    expect(stdout).toMatch(/Load run stopped after \d/);
    expect(stdout).toContain('Nothing left running.');
    const ok = Number(/ok +(\d+)/.exec(stdout.slice(stdout.indexOf('Load run stopped')))?.[1]);
    const counted = delta(before, await requestCounts());
    expect(ok).toBe(counted.ok);
    expect(counted.destroyed).toBe(counted.ok);
    expect((await api('GET', '/v1/vms')).body.vms).toEqual([]);
  }, 30_000);

  it.each([
    [
      ['--rate', '0', '--duration', '5s'],
      "error: --rate must be launches per second above 0 and at most 10000; got '0'",
    ],
    [
      ['--rate', '5', '--duration', 'ages'],
      "error: --duration must be a duration such as 60s, 2m, 1m30s or 500ms; got 'ages'",
    ],
    [
      ['--rate', '5', '--duration', '5s', '--mix', '4x8;25'],
      "error: --mix must be entries CORESxGB:WEIGHT separated by commas, such as 1x1:70,4x8:25,16x64:5; '4x8;25' is not one",
    ],
    [['--rate', '5', '--duration', '5s', '--regions', 'SIN,ZZZ'], "error: --regions: unknown region 'ZZZ'"],
    [['--duration', '5s'], 'error: load needs --rate N'],
  ])('%j is a usage error (exit 2) that names the flag, and launches nothing', async (args, message) => {
    const before = await requestCounts();
    const r = await serve.cli(['load', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(delta(before, await requestCounts()).ok).toBe(0);
  });
});

describe('/v1/load (the host runs it)', () => {
  it('runs one at a time, and its summary is what /metrics counted', async () => {
    const before = await requestCounts();
    const body = {
      rate: 50,
      duration_ms: 2000,
      mix: [
        { cores: 2, memory_gb: 4, weight: 3 },
        { cores: 32, memory_gb: 256, weight: 1 },
      ],
      regions: ['SIN'],
      destroy_after_ms: 500,
      seed: 5,
    };
    const started = await api('POST', '/v1/load', body);
    expect(started.status).toBe(201);
    const id = (started.body as LoadStatusView).run?.id;
    const second = await api('POST', '/v1/load', body);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('load_running');
    expect(second.body.error.message).toContain(`a load run is already running on this host (${id}`);
    let view: LoadStatusView = { run: null };
    await until(async () => {
      view = (await api('GET', '/v1/load')).body;
      return view.run?.summary != null;
    }, 20_000);
    const summary = view.run?.summary as LoadSummary;
    expect(view.run?.id).toBe(id);
    expect(view.run?.series.length).toBeGreaterThanOrEqual(2);
    expect(summary.sent).toBe(100);
    expectMatches(summary, delta(before, await requestCounts()));
    expect(summary.left).toEqual([]);
    // The finished run stays for whoever opens the panel next.
    expect((await api('GET', '/v1/load')).body.run.summary.sent).toBe(100);
  }, 30_000);

  it('DELETE stops it early; the VMs it launched are destroyed', async () => {
    const started = await api('POST', '/v1/load', {
      rate: 20,
      duration_ms: 60_000,
      destroy_after_ms: 60_000,
      regions: ['AMS'],
    });
    expect(started.status).toBe(201);
    await until(async () => (await api('GET', '/v1/load')).body.run.progress.ok >= 5, 15_000);
    const stopped = await api('DELETE', '/v1/load');
    expect(stopped.status).toBe(200);
    let view: LoadStatusView = { run: null };
    await until(async () => {
      view = (await api('GET', '/v1/load')).body;
      return view.run?.summary != null;
    }, 15_000);
    expect(view.run?.summary).toMatchObject({ stopped: true, left: [] });
    expect((await api('GET', '/v1/vms?region=AMS')).body.vms).toEqual([]);
  }, 30_000);

  it('refuses a bad body the way every other route does', async () => {
    const r = await api('POST', '/v1/load', { rate: -1, duration_ms: 1000 });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^rate must be launches per second above 0/);
  });
});
