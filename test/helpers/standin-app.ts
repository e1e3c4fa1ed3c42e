// Runs the BUILT Electron main bundle (out/main/index.js) in a Node child process on the
// stand-in 'electron' module (test/helpers/electron-standin), with the real host and worker
// threads under it. The test sees what the app did as records and acts as user, page and OS
// through commands.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import type { Command, Report } from './electron-standin/protocol';
import { ROOT } from './host';

const MAIN_BUNDLE = join(ROOT, 'out', 'main', 'index.js');
let built: string | null = null;

/** The stand-in is TypeScript (checked with the project); Node 20 runs it transpiled. */
function buildStandin(): string {
  if (built) return built;
  const src = join(ROOT, 'test', 'helpers', 'electron-standin');
  const dir = mkdtempSync(join(tmpdir(), 'flylight-standin-'));
  for (const f of readdirSync(src).filter((n) => n.endsWith('.ts'))) {
    const out = ts.transpileModule(readFileSync(join(src, f), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: f,
    });
    writeFileSync(join(dir, f.replace(/\.ts$/, '.js')), out.outputText);
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  built = dir;
  return dir;
}

export interface Rec {
  kind: string;
  data?: unknown;
}

export interface StandinApp {
  proc: ChildProcess;
  userData: string;
  configDir: string;
  records: Rec[];
  out(): string;
  err(): string;
  exited: Promise<number | null>;
  /** Resolves with the first record of `kind` (matching `pred`), waiting for it if need be. */
  waitFor<T = unknown>(kind: string, pred?: (data: T) => boolean, ms?: number): Promise<T>;
  call<T = unknown>(cmd: Command, ms?: number): Promise<T>;
  /** The address the host printed, once it has. */
  url(): Promise<string>;
  token(): string;
  kill(): void;
}

export interface StandinOptions {
  userData?: string;
  configDir?: string;
  packaged?: boolean;
  env?: Record<string, string>;
}

export function startStandinApp(opts: StandinOptions = {}): StandinApp {
  if (!existsSync(MAIN_BUNDLE)) throw new Error(`${MAIN_BUNDLE} is missing: run \`npm run build\` first`);
  const dir = buildStandin();
  const userData = opts.userData ?? mkdtempSync(join(tmpdir(), 'flylight-userdata-'));
  const configDir = opts.configDir ?? mkdtempSync(join(tmpdir(), 'flylight-config-'));
  mkdirSync(userData, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('FLYLIGHT_') || k === 'ELECTRON_RENDERER_URL') delete env[k];
  // Under vitest's forks pool these describe vitest's own channel, not ours.
  delete env.NODE_CHANNEL_FD;
  delete env.NODE_CHANNEL_SERIALIZATION_MODE;
  const proc = spawn(process.execPath, ['--import', pathToFileURL(join(dir, 'register.js')).href, MAIN_BUNDLE], {
    cwd: ROOT,
    env: {
      ...env,
      NO_COLOR: '1',
      XDG_CONFIG_HOME: configDir,
      FAKE_ELECTRON_USER_DATA: userData,
      FAKE_ELECTRON_PACKAGED: opts.packaged ? '1' : '0',
      FLYLIGHT_PORT: '0',
      FLYLIGHT_FLYD_INTERVAL: '100',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  const records: Rec[] = [];
  const waiters = new Set<() => void>();
  const replies = new Map<number, (r: { value?: unknown; error?: string }) => void>();
  let next = 1;
  let out = '';
  let err = '';
  proc.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
    for (const w of waiters) w();
  });
  proc.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  proc.on('message', (m: Report) => {
    if (m.t === 'reply') replies.get(m.id)?.(m);
    else records.push({ kind: m.kind, data: m.data });
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  void exited.then(() => {
    for (const w of waiters) w();
  });

  const until = <T>(what: string, probe: () => T | undefined, ms: number) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const v = probe();
        if (v !== undefined) {
          done();
          resolve(v);
        } else if (proc.exitCode !== null || proc.signalCode !== null) {
          done();
          reject(new Error(`the app exited (${proc.exitCode ?? proc.signalCode}) before ${what}\n${out}\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    proc,
    userData,
    configDir,
    records,
    out: () => out,
    err: () => err,
    exited,
    waitFor: <T>(kind: string, pred: (data: T) => boolean = () => true, ms = 20_000) =>
      // Boxed: a record may carry no data.
      until(`a '${kind}' record`, () => records.find((r) => r.kind === kind && pred(r.data as T)), ms).then(
        (r) => r.data as T,
      ),
    call: <T>(cmd: Command, ms = 20_000) => {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${cmd.cmd} within ${ms} ms`)), ms);
        replies.set(id, (r) => {
          clearTimeout(timer);
          replies.delete(id);
          if (r.error !== undefined) reject(new Error(r.error));
          else resolve(r.value as T);
        });
        proc.send({ ...cmd, id });
      });
    },
    url: () => until('the listening line', () => /listening on (http:\/\/\S+)/.exec(out)?.[1], 20_000),
    token: () => readFileSync(join(configDir, 'flylight', 'token'), 'utf8').trim(),
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}
