// Nothing acknowledged is lost: the real `flylight serve` with a durable data directory is
// killed with SIGKILL in the middle of a launch/destroy load, several times, and every restart
// must show exactly what was acknowledged.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 as rng } from '../../src/shared/random';
import type { Machine, Vm } from '../../src/shared/types';
import { type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

const ROUNDS = 4;
const CLIENTS = 8;
/** Acknowledged launches and destroys each round must see before its kill. */
const PER_ROUND = 15;
const REGIONS = ['SIN', 'NRT', 'AMS', 'SEA'];

interface Ledger {
  /** Launched and acknowledged (201), not acknowledged as destroyed. */
  alive: Set<string>;
  /** Acknowledged as destroyed (200). */
  destroyed: Set<string>;
  /** Launch requests whose answer never came (in flight at the kill). */
  unanswered: number;
  /** VMs whose destroy the kill cut off: either outcome is allowed. */
  uncertain: Set<string>;
  /** Launches answered with an error: none of these may exist. */
  refused: number;
}

async function load(serve: ServeProcess, ledger: Ledger, random: () => number, stop: { killed: boolean }) {
  const headers = { ...serve.auth(), 'content-type': 'application/json' };
  const client = async () => {
    while (!stop.killed) {
      const mine = [...ledger.alive];
      if (mine.length > 0 && random() < 0.3) {
        const id = mine[Math.floor(random() * mine.length)];
        try {
          const res = await fetch(`${serve.url}/v1/vms/${id}?force=true`, { method: 'DELETE', headers });
          if (res.status === 200) {
            ledger.alive.delete(id);
            ledger.destroyed.add(id);
          }
        } catch {
          ledger.alive.delete(id);
          ledger.uncertain.add(id);
          return;
        }
      } else {
        const region = REGIONS[Math.floor(random() * REGIONS.length)];
        try {
          const res = await fetch(`${serve.url}/v1/vms`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ region, memory_gb: 1 + Math.floor(random() * 8), cores: 1 }),
          });
          const body = (await res.json()) as Vm;
          if (res.status === 201) ledger.alive.add(body.id);
          else ledger.refused++;
        } catch {
          ledger.unanswered++;
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
}

async function snapshot(serve: ServeProcess) {
  const h = serve.auth();
  const vms = ((await (await fetch(`${serve.url}/v1/vms`, { headers: h })).json()) as { vms: Vm[] }).vms;
  const machines: Machine[] = [];
  for (const r of REGIONS) {
    machines.push(
      ...(
        (await (await fetch(`${serve.url}/v1/regions/${r}/machines`, { headers: h })).json()) as { machines: Machine[] }
      ).machines,
    );
  }
  return { vms, machines };
}

/** Every machine's allocation equals the sum of its VMs. */
function balanced({ vms, machines }: Awaited<ReturnType<typeof snapshot>>): boolean {
  return machines.every((m) => {
    const mine = vms.filter((v) => v.machine_id === m.id);
    return (
      m.cores_allocated === mine.reduce((s, v) => s + v.cores, 0) &&
      m.memory_allocated_gb === mine.reduce((s, v) => s + v.memory_gb, 0) &&
      m.vm_count === mine.length
    );
  });
}

describe('kill -9 loses nothing acknowledged', () => {
  it(`survives ${ROUNDS} SIGKILLs mid-load`, { timeout: 300_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flylight-durable-'));
    const configHome = mkdtempSync(join(tmpdir(), 'flylight-config-'));
    const random = rng(20261127);
    const ledger: Ledger = { alive: new Set(), destroyed: new Set(), unanswered: 0, refused: 0, uncertain: new Set() };
    const env = { XDG_CONFIG_HOME: configHome };
    const args = ['--data-dir', dataDir, '--flyd-interval', '100'];
    let serve = await startServe(args, env);
    for (let round = 0; round < ROUNDS; round++) {
      const stop = { killed: false };
      const running = load(serve, ledger, random, stop);
      // Killed at a random moment, once this round has had a real load through it: on a busy
      // machine the same wall time carries fewer requests, so the round waits for them.
      const acked = () => ledger.alive.size + ledger.destroyed.size;
      const floor = acked() + PER_ROUND;
      await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 500)));
      await until(() => acked() >= floor, 60_000, `${PER_ROUND} acknowledged operations in round ${round}`);
      stop.killed = true;
      serve.proc.kill('SIGKILL');
      await running;
      const unansweredBefore = ledger.unanswered;

      serve = await startServe(args, env);
      // FlyD flushes what reconcile may have left: wait until the books balance, then check everything.
      await until(async () => balanced(await snapshot(serve)), 5000, `the books to balance after restart ${round}`);
      const { vms, machines } = await snapshot(serve);
      const present = new Set(vms.map((v) => v.id));
      for (const id of ledger.alive) expect(present.has(id), `acknowledged VM ${id} lost in round ${round}`).toBe(true);
      for (const id of ledger.destroyed)
        expect(present.has(id), `destroyed VM ${id} is back in round ${round}`).toBe(false);
      // A VM we never heard about can only come from a launch whose answer the kill cut off.
      const unknown = vms.filter((v) => !ledger.alive.has(v.id) && !ledger.uncertain.has(v.id));
      expect(unknown.length).toBeLessThanOrEqual(unansweredBefore);
      // What exists now is tracked like the rest from here on.
      for (const v of vms) ledger.alive.add(v.id);
      for (const id of ledger.uncertain) if (!present.has(id)) ledger.destroyed.add(id);
      ledger.uncertain.clear();
      ledger.unanswered = 0;
      // Every machine's allocation equals the sum of its VMs.
      for (const m of machines) {
        const mine = vms.filter((v) => v.machine_id === m.id);
        expect([m.id, m.cores_allocated, m.memory_allocated_gb, m.vm_count]).toEqual([
          m.id,
          mine.reduce((s, v) => s + v.cores, 0),
          mine.reduce((s, v) => s + v.memory_gb, 0),
          mine.length,
        ]);
      }
    }
    expect(ledger.alive.size + ledger.destroyed.size).toBeGreaterThanOrEqual(ROUNDS * PER_ROUND);
    expect(await serve.stop()).toBe(0);
  });
});
