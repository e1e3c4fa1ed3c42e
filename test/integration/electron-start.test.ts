// `npm start` (scripts/start.js) against a stand-in Electron binary: it runs the app with the
// project root, passes Ctrl+C and SIGTERM on, hands back Electron's exit code and says in one
// line when Electron crashed. Where Electron cannot run, it says why in one line and runs the
// headless host instead, which answers on its port.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FakeElectronMode, type FakeProject, fakeProject } from '../helpers/fake-electron-binary';

interface Started {
  proc: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A clean environment: no display, no headless switch, private XDG dirs. */
function baseEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of ['DISPLAY', 'WAYLAND_DISPLAY', 'FLYLIGHT_HEADLESS', 'FLYLIGHT_PORT']) delete env[k];
  return {
    ...env,
    XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'flylight-config-')),
    XDG_DATA_HOME: mkdtempSync(join(tmpdir(), 'flylight-data-')),
    ...extra,
  };
}

function npmStart(project: FakeProject, args: string[], env: NodeJS.ProcessEnv): Started {
  const proc = spawn(process.execPath, [join(project.root, 'scripts', 'start.js'), ...args], {
    cwd: project.root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.once('exit', (code, signal) => r({ code, signal })),
  );
  return { proc, out: () => out, err: () => err, exited };
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function withElectron(mode: FakeElectronMode, args: string[] = [], extra: NodeJS.ProcessEnv = {}) {
  const project = fakeProject('installed');
  const started = npmStart(project, args, baseEnv({ DISPLAY: ':99', ...project.env(mode), ...extra }));
  return { project, ...started };
}

describe('npm start with an Electron binary', () => {
  it('runs it with the project root and the arguments, in our environment, and exits as it does', async () => {
    const s = withElectron({ exit: 0 }, ['--inspect-me'], { FLYLIGHT_FLYD_INTERVAL: '250' });
    expect(await s.exited).toEqual({ code: 0, signal: null });
    const rec = s.project.record();
    expect(rec, 'the stand-in ran').not.toBeNull();
    // argv[0] is node, argv[1] the stand-in script: Electron's own argv starts after them.
    expect(rec?.argv.slice(2)).toEqual([s.project.root, '--inspect-me']);
    expect(rec?.env.FLYLIGHT_FLYD_INTERVAL).toBe('250');
    expect(rec?.env.DISPLAY).toBe(':99');
    expect(s.out() + s.err()).toBe('');
  });

  it("hands back Electron's exit code and says so in one line", async () => {
    const s = withElectron({ exit: 3 });
    expect(await s.exited).toEqual({ code: 3, signal: null });
    expect(s.err()).toBe('Electron exited with code 3\n');
  });

  it('reports a crash (killed by a signal) in one readable line', async () => {
    const s = withElectron({ crash: 'SIGKILL' });
    expect(await s.exited).toEqual({ code: 128 + 9, signal: null });
    expect(s.err()).toBe('Electron crashed: it was killed by SIGKILL\n');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('passes %s on to Electron and exits with its code', async (sig) => {
    const s = withElectron({ wait: true });
    await until('the stand-in to start', () => s.project.record() !== null);
    s.proc.kill(sig);
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.project.record()?.signals).toEqual([sig]);
    expect(s.out() + s.err()).toBe('');
  });
});

describe('npm start where Electron cannot run', () => {
  const cases: [string, () => { project: FakeProject; env: NodeJS.ProcessEnv }, RegExp][] = [
    [
      'no Electron binary installed',
      () => ({ project: fakeProject('absent'), env: { DISPLAY: ':99' } }),
      /the Electron binary is not installed \(run `npx install-electron`/,
    ],
    [
      'the binary missing',
      () => ({ project: fakeProject('missing-binary'), env: { DISPLAY: ':99' } }),
      /the Electron binary is missing at \S+node_modules\/electron\/dist\/electron/,
    ],
    [
      'no display',
      () => ({ project: fakeProject('installed'), env: {} }),
      /there is no display \(DISPLAY and WAYLAND_DISPLAY are unset\)/,
    ],
    [
      'FLYLIGHT_HEADLESS=1',
      () => ({ project: fakeProject('installed'), env: { DISPLAY: ':99', FLYLIGHT_HEADLESS: '1' } }),
      /FLYLIGHT_HEADLESS=1 is set/,
    ],
  ];

  it.each(cases)('%s: one line why, then the headless host', { timeout: 90_000 }, async (_name, make, why) => {
    const { project, env } = make();
    const s = npmStart(project, ['--port', '0'], baseEnv({ ...env, ...project.env({ exit: 0 }) }));
    try {
      // Starting the whole host (and npm around it) took over 20 s in a CI run at load 16-20.
      await until('the headless host', () => /listening on http/.test(s.out()), 50_000).catch((err: Error) => {
        throw new Error(`${err.message}; it printed: ${s.out()}${s.err()}`);
      });
      const lines = s.out().split('\n');
      expect(lines[0]).toMatch(/^Electron cannot start: .*; running the headless host \(flylight serve\) instead\.$/);
      expect(lines[0]).toMatch(why);
      expect(lines.filter((l) => l.includes('Electron')).length, 'one line about Electron').toBe(1);
      expect(lines).toContainEqual(expect.stringMatching(/^Flylight proxy listening on http:\/\/127\.0\.0\.1:\d+$/));
      const url = /listening on (\S+)/.exec(s.out())?.[1];
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(existsSync(project.recordFile), 'the stand-in binary never ran').toBe(false);
    } finally {
      s.proc.kill('SIGTERM');
    }
    expect((await s.exited).code).toBe(0);
    expect(s.err()).toBe('');
  });
});
