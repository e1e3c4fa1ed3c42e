// Starting real hosts for integration tests: in-process (the built host bundle, real worker
// threads, real HTTP on 127.0.0.1 port 0) or as the real `flylight serve` child process.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HostConfig } from '../../src/shared/config';
import { INSTANT } from '../../src/shared/timing';
import { until } from './until';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'bin', 'flylight.js');
export const HOST_BUNDLE = join(ROOT, 'out', 'main', 'host.js');

type HostModule = typeof import('../../src/main/host/index');

export async function loadHostBundle(): Promise<HostModule> {
  if (!existsSync(HOST_BUNDLE)) {
    throw new Error(`${HOST_BUNDLE} is missing: integration tests drive the built app; run \`npm run build\` first`);
  }
  return (await import(/* @vite-ignore */ pathToFileURL(HOST_BUNDLE).href)) as HostModule;
}

/** The built dashboard, for hosts that serve it. */
export function builtDashboard(): string {
  return join(ROOT, 'out', 'renderer');
}

export function testConfig(overrides: Partial<HostConfig> = {}): HostConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    regionsFile: join(ROOT, 'resources', 'regions.csv'),
    flydIntervalMs: 100,
    numCandidates: 5,
    dataDir: null,
    staticDir: null,
    rpcTimeoutMs: 5000,
    logFormat: 'silent',
    // The seed's behaviour (a launch answers with a started VM) unless a test asks for timing.
    timing: INSTANT,
    ...overrides,
  };
}

export type TestHost = Awaited<ReturnType<HostModule['startHost']>>;

/** The real host in this process: real worker threads and a real HTTP port. */
export async function startTestHost(overrides: Partial<HostConfig> = {}): Promise<TestHost> {
  const { startHost } = await loadHostBundle();
  return startHost(testConfig(overrides));
}

export interface ServeProcess {
  url: string;
  /** The API token the host created in its (temporary) config directory, once auth exists. */
  token: string | null;
  /** The environment it runs with: a private XDG_CONFIG_HOME, so tests never touch a real token. */
  env: NodeJS.ProcessEnv;
  /** Headers that authenticate a request to this host. */
  auth(): Record<string, string>;
  /** Runs the real CLI against this host, finding its token the way a user's CLI does. */
  cli(args: string[]): Promise<CliResult>;
  proc: ChildProcess;
  output(): string;
  /**
   * Resolves once the output has a line matching `line`. The host writes its log in batches from
   * several threads, so a line can arrive after an answer the same event produced.
   */
  logged(line: RegExp, ms?: number): Promise<void>;
  /** SIGTERM, then the exit code (rejects if it takes longer than `ms`). */
  stop(ms?: number): Promise<number | null>;
}

/** The real `flylight serve` as a child process; resolves once it prints its address. */
export function startServe(args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const env: NodeJS.ProcessEnv = {
    XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'flylight-config-')),
    XDG_DATA_HOME: mkdtempSync(join(tmpdir(), 'flylight-data-')),
    // The seed's behaviour unless the test asks for timing (--timing, or this variable, wins).
    FLYLIGHT_TIMING: 'instant',
    ...extraEnv,
  };
  const hasPort = args.includes('--port');
  const proc = spawn(process.execPath, [CLI, 'serve', ...(hasPort ? [] : ['--port', '0']), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Flylight proxy listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const url = m[1];
        const tokenFile = join(String(env.XDG_CONFIG_HOME), 'flylight', 'token');
        const token = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : null;
        resolvePromise({
          url,
          token,
          env,
          auth: (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {}),
          cli: (cliArgs) => runCli([...cliArgs, '--api', url], env),
          proc,
          output: () => out,
          logged: (line, ms = 5000) =>
            until(() => line.test(out), ms, `the log line ${line}`, 25).catch((err: Error) => {
              throw new Error(`${err.message}; its last output:\n${out.slice(-2000)}`);
            }),
          stop: async (ms = 5000) => {
            if (proc.exitCode !== null) return proc.exitCode;
            proc.kill('SIGTERM');
            const t = setTimeout(() => proc.kill('SIGKILL'), ms);
            const code = await exited;
            clearTimeout(t);
            return code;
          },
        });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`flylight serve did not start within 20 s:\n${out}`));
    }, 20_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`flylight serve exited with ${code} before listening:\n${out}`));
    });
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a child process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const proc = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}
