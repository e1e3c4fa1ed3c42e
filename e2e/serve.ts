// `flylight serve` as the browser specs run it: its own process, port 0, an ephemeral fleet, a
// config directory of its own (so tests never read or create the user's real token), opened
// through the `Dashboard: …?token=…` link it prints.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from '../test/helpers/host';

export const FLYD_MS = 500;

/** How long serve may take between its "listening" line and its "Dashboard:" line. */
const DASHBOARD_LINE_GRACE_MS = 3000;

/** One config directory for every host of a spec file: a restarted host keeps its token, as at home. */
export const CONFIG_HOME = mkdtempSync(join(tmpdir(), 'flylight-e2e-config-'));

export interface Serve {
  url: string;
  port: number;
  /** Where a browser opens the dashboard: the printed link with the token, or the plain URL. */
  open: string;
  token: string | null;
  proc: ChildProcess;
  output(): string;
}

/** The external CLI, pointed at `api` and at this file's token. */
export const cliEnv = (api: string) => ({ FLYLIGHT_API: api, XDG_CONFIG_HOME: CONFIG_HOME });

/** The dashboard link with a fragment (the browser keeps it across the sign-in redirect). */
export const openAt = (s: Serve, hash = ''): string => `${s.open}${hash}`;

/** One launch of a 1 GB, 1-core VM into `region`, as the API's user makes it. */
export function launchVm(s: Serve, region: string): Promise<Response> {
  return fetch(`${s.url}/v1/vms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ region, memory_gb: 1, cores: 1 }),
  });
}

/**
 * `flylight serve` on `port` (0: any), with `extra` flags after the defaults; resolves once it
 * listens and has printed its dashboard link.
 */
export function serve(port = 0, extra: string[] = []): Promise<Serve> {
  const proc = spawn(
    process.execPath,
    [CLI, 'serve', '--port', String(port), '--ephemeral', '--flyd-interval', String(FLYD_MS), '--seed', '7', ...extra],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: CONFIG_HOME, FLYLIGHT_TIMING: 'instant' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`flylight serve did not start within 20 s:\n${out}`));
    }, 20_000);
    let grace: ReturnType<typeof setTimeout> | null = null;
    let listening: RegExpExecArray | null = null;
    const finish = (link: string | null) => {
      clearTimeout(timer);
      if (grace) clearTimeout(grace);
      const m = listening as RegExpExecArray;
      const token = link ? new URL(link).searchParams.get('token') : null;
      resolve({ url: m[1], port: Number(m[2]), open: link ?? `${m[1]}/`, token, proc, output: () => out });
    };
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      listening ??= /Flylight proxy listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (!listening) return;
      const link = /^Dashboard: (http:\/\/\S+)$/m.exec(out);
      if (link) finish(link[1]);
      // An older build prints no link: open the plain URL.
      else grace ??= setTimeout(() => finish(null), DASHBOARD_LINE_GRACE_MS);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`flylight serve exited with ${code} before listening:\n${out}`));
    });
  });
}

export function stop(s: Serve | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    s.proc.once('exit', () => resolve());
    s.proc.kill(signal);
  });
}
