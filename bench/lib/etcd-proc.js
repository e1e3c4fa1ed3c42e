// One etcd member for the benchmarks: the distribution's /usr/bin/etcd (or ETCD_BIN), on free
// loopback ports, in a temporary data directory, with etcd's default timings (as a user runs it).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './serve-proc.js';

export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

/** @returns {Promise<{endpoint: string, clientUrl: string, pid: number, stop: () => Promise<void>}>} */
export async function startEtcdMember() {
  if (!existsSync(ETCD_BIN))
    throw new Error(
      `${ETCD_BIN} is missing: install it with \`sudo apt-get install -y etcd-server\`, or set ETCD_BIN to an etcd binary`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'flylight-bench-etcd-'));
  const client = await freePort();
  const peer = await freePort();
  const clientUrl = `http://127.0.0.1:${client}`;
  const child = spawn(
    ETCD_BIN,
    [
      '--name=bench',
      `--data-dir=${dir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=bench=http://127.0.0.1:${peer}`,
      '--log-level=error',
      '--logger=zap',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d.toString()).slice(-2000)));
  const exit = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`etcd exited at start: ${log.trim()}`);
    const ok = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) })
      .then(async (r) => /** @type {{health?: string}} */ (await r.json()).health === 'true')
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`etcd not healthy within 20 s: ${log.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    endpoint: `127.0.0.1:${client}`,
    clientUrl,
    pid: child.pid ?? 0,
    async stop() {
      child.kill('SIGKILL');
      await exit;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
