// `flylight serve` stops cleanly on Ctrl+C and SIGTERM: within 2 s, exit 0, port closed, and
// FlyD's queue flushed into the store first — seen on the next start, where the store has
// nothing to reconcile although FlyD's interval was far too long to have flushed by itself.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServe } from '../helpers/host';

/**
 * serve with a data directory and a FlyD interval far too long to flush by itself, and one VM
 * launched: its machine's update sits in FlyD's queue until a clean stop flushes it.
 */
async function serveWithOneVm() {
  const dataDir = mkdtempSync(join(tmpdir(), 'flylight-stop-'));
  const env = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'flylight-config-')) };
  const args = ['--data-dir', dataDir, '--flyd-interval', '600000'];
  const serve = await startServe(args, env);
  const res = await fetch(`${serve.url}/v1/vms`, {
    method: 'POST',
    headers: { ...serve.auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ region: 'SIN', memory_gb: 8, cores: 4 }),
  });
  expect(res.status).toBe(201);
  return { serve, args, env };
}

describe.each(['SIGTERM', 'SIGINT'] as const)('serve on %s', (signal) => {
  it('flushes FlyD, closes the port and exits 0 within 2 s', { timeout: 60_000 }, async () => {
    const { serve, args, env } = await serveWithOneVm();

    const exited = new Promise<number | null>((r) => serve.proc.once('exit', (code) => r(code)));
    const sent = Date.now();
    serve.proc.kill(signal);
    const code = await exited;
    const took = Date.now() - sent;
    expect(code).toBe(0);
    expect(took, `stopped in ${took} ms`).toBeLessThan(2000);
    await expect(fetch(`${serve.url}/healthz`)).rejects.toThrow();

    const again = await startServe(args, env);
    try {
      // The store's start line: one VM, and no machine whose allocation needed correcting.
      await again.logged(/store ready .*vms=1 .*reconciled=0/);
    } finally {
      await again.stop();
    }
  });
});

describe('serve whose reader leaves (`flylight serve | head`)', () => {
  it('stops as on Ctrl+C: exit 0 and FlyD flushed into the store', { timeout: 60_000 }, async () => {
    const { serve, args, env } = await serveWithOneVm();

    const exited = new Promise<number | null>((r) => serve.proc.once('exit', (code) => r(code)));
    // The reader goes; the next line serve writes (this request's) meets a closed pipe.
    serve.proc.stdout?.destroy();
    await fetch(`${serve.url}/healthz`).catch(() => {});
    expect(await exited).toBe(0);

    const again = await startServe(args, env);
    try {
      // Stopped, not dropped: nothing for the next start to correct.
      await again.logged(/store ready .*vms=1 .*reconciled=0/);
    } finally {
      await again.stop();
    }
  });
});
