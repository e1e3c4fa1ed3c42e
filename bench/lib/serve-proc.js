// `flylight serve` as a user starts it, in its own process: the built CLI (bin/flylight.js), the
// default durable LMDB data directory (under a temporary XDG_DATA_HOME), default logging to its
// terminal (a pipe here, read and thrown away), the default or a given fleet. The only flag a
// user would not pass is --rate-limit, which the README documents for load generators: the
// gate's 500/s per token would otherwise measure itself.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CACHE, ROOT } from './store-bundle.js';

export const CLI = join(ROOT, 'bin', 'flylight.js');
const TOKEN = 'S'.repeat(43);

/**
 * @typedef {{
 *   port: number, pid: number, token: string, headers: Record<string, string>,
 *   home: string, env: Record<string, string>, readyMs: number, label: string,
 *   peakRssMb: () => number, rssMb: () => number, stop: () => Promise<void>,
 * }} Served
 */

/** A port that was free a moment ago (serve needs it up front so we can poll from the spawn). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * One request; resolves with the status, or 0 when the connection is refused (not up yet).
 * @param {number} port @param {string} path @param {Record<string, string>} [headers]
 * @param {string} [method] @param {string} [body]
 * @returns {Promise<{status: number, text: string}>}
 */
export function get(port, path, headers = {}, method = 'GET', body = undefined) {
  return new Promise((resolve) => {
    /** @type {Record<string, string>} */
    const h = { ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    const req = request({ host: '127.0.0.1', port, path, method, headers: h, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(body);
  });
}

/** @param {number} pid @param {'VmHWM' | 'VmRSS'} field */
function procStatusMb(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts `flylight serve` and resolves once `GET /v1/regions` answers 200 — the time from the
 * spawn to that answer is `readyMs`, what a user waits before the first command works.
 * `cli` runs another build (a checkout's bin/flylight.js) for a before/after pair; `nodeArgs`
 * go to node itself (say `--cpu-prof`, which NODE_OPTIONS refuses); past `limitMs` the child is
 * killed and the start fails.
 * @param {{label: string, args?: string[], env?: Record<string, string>, limitMs?: number, cli?: string, nodeArgs?: string[]}} opts
 * @returns {Promise<Served>}
 */
export async function startServe({ label, args = [], env = {}, limitMs = 120_000, cli = CLI, nodeArgs = [] }) {
  const home = mkdtempSync(join(tmpdir(), 'flylight-bench-'));
  const config = join(home, 'config');
  mkdirSync(join(config, 'flylight'), { recursive: true, mode: 0o700 });
  // The token a first start would create, written first so the poll below can authenticate.
  writeFileSync(join(config, 'flylight', 'token'), `${TOKEN}\n`, { mode: 0o600 });
  const port = await freePort();
  /** @type {Record<string, string>} */
  const childEnv = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    XDG_CONFIG_HOME: config,
    XDG_DATA_HOME: join(home, 'data'),
    // The benchmarks measure the platform's own cost, not the simulated stage times of a VM.
    FLYLIGHT_TIMING: 'instant',
    ...env,
  };
  const began = performance.now();
  const child = spawn(
    process.execPath,
    [...nodeArgs, cli, 'serve', '--port', String(port), '--rate-limit', '1000000', ...args],
    {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  // Drain both pipes as a terminal would; keep the tail for error messages.
  const keep = (/** @type {Buffer} */ c) => {
    output = (output + c.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  void exit.then(() => (exited = true));
  const headers = { authorization: `Bearer ${TOKEN}` };
  for (;;) {
    if (exited) throw new Error(`flylight serve (${label}) exited before answering:\n${output}`);
    if (performance.now() - began > limitMs) {
      child.kill('SIGKILL');
      throw new Error(`flylight serve (${label}) not ready in ${limitMs / 1000} s`);
    }
    const r = await get(port, '/v1/regions', headers);
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, r.status === 0 ? 5 : 20));
  }
  const readyMs = performance.now() - began;
  const pid = child.pid ?? 0;
  return {
    label,
    port,
    pid,
    token: TOKEN,
    headers,
    home,
    env: childEnv,
    readyMs,
    peakRssMb: () => procStatusMb(pid, 'VmHWM'),
    rssMb: () => procStatusMb(pid, 'VmRSS'),
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * A before/after pair without the start-order bias: in A/A runs (one build against itself) the
 * first-started of two `serve` processes read ~10–20 % worse than the second (bench/floor-ab.js,
 * bench/launch.js under BENCH_COMPARE; BENCHMARKS.md). So a comparison starts two processes of
 * each build, in this order (A: this build, B: the compared one): each build gets one early and
 * one late start.
 */
export const ABBA = /** @type {const} */ (['A', 'B', 'B', 'A']);

/**
 * The order in which round `r` measures the four processes, as indices into ABBA's start order:
 * A B B A, B A A B, A B B A, B A A B with the processes rotated, so each build holds mirrored
 * positions in every round and each process takes every position once in four rounds.
 * @param {number} r
 */
export function abbaRound(r) {
  return [
    [0, 1, 2, 3],
    [2, 3, 0, 1],
    [3, 2, 1, 0],
    [1, 0, 3, 2],
  ][r % 4];
}

/**
 * The bare baseline server (bench/lib/bare-server.js) in its own process.
 * @returns {Promise<{port: number, pid: number, readyMs: number, stop: () => Promise<void>}>}
 */
export function startBareProcess() {
  const began = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'lib', 'bare-server.js')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the bare server exited (${code})`)));
    child.once('message', (m) => {
      const port = /** @type {{port: number}} */ (m).port;
      child.removeAllListeners('exit');
      resolve({
        port,
        pid: child.pid ?? 0,
        readyMs: performance.now() - began,
        stop: () =>
          new Promise((r) => {
            child.once('exit', () => r(undefined));
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/**
 * Spawns a command and resolves with its wall time in ms (rejects on a non-zero exit).
 * @param {string[]} args @param {Record<string, string>} [env]
 */
export function wall(args, env) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, args, { env: env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.once('exit', (code) => {
      if (code === 0) resolve(performance.now() - t);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${err.trim().slice(0, 300)}`));
    });
  });
}

/**
 * Writes `flylight gen-fleet --regions R --machines N --seed 1` into the bench cache (made here:
 * a fresh clone has none, and gen-fleet writes into a folder, it does not make it).
 * @param {number} machines @param {number} [regions]
 * @returns {Promise<{file: string, ms: number}>} the file and gen-fleet's wall time
 */
export async function writeFleet(machines, regions = 35) {
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `gen-fleet-${machines}${regions === 35 ? '' : `-${regions}`}.csv`);
  const args = ['gen-fleet', '--regions', String(regions), '--machines', String(machines), '--seed', '1'];
  const ms = await wall([CLI, ...args, '--out', file]);
  return { file, ms };
}
