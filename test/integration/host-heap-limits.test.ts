// `flylight serve` holds every thread's young generation to its cap under launches: the
// workers' through resourceLimits, the host thread's through heap-tuning.ts (which V8 gives no
// limit for once the process has started). The control run turns the host's hold off and sees
// V8 grow it past the cap with the same launches, so the hold is what keeps it there. An
// unusable knob is named in a warning and its default used. Once up, every thread runs one full
// GC, so that each old generation's limit comes from its live set (heap-tuning.ts).

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, startServe } from '../helpers/host';
import { until } from '../helpers/until';

const MB = 1024 * 1024;
// V8 grows a young generation once what survived its scavenges adds up to its size, so the more
// requests in flight, the sooner: enough of both that it grows even on a busy machine (with
// 4,000 from 16 clients the control once stayed at 8 MB while other tests ran).
const LAUNCHES = 8000;
const CLIENTS = 32;

/** Each thread's new-space size (bytes) after LAUNCHES launches into a fresh serve. */
async function youngAfterLaunches(
  env: Record<string, string>,
): Promise<{ sizes: Record<string, number>; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'flylight-heap-'));
  const trigger = join(dir, 'probe');
  const serve = await startServe(['--ephemeral'], {
    NODE_OPTIONS: `--require ${join(ROOT, 'test', 'helpers', 'heap-probe.cjs')}`,
    FLYLIGHT_HEAP_PROBE: trigger,
    ...env,
  });
  try {
    let next = 0;
    const statuses = new Map<number, number>();
    const client = async () => {
      while (next < LAUNCHES) {
        next++;
        const res = await fetch(`${serve.url}/v1/vms`, {
          method: 'POST',
          headers: { ...serve.auth(), 'content-type': 'application/json' },
          body: JSON.stringify({ region: 'SIN', memory_gb: 1, cores: 1 }),
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        // The small default fleet fills: empty it and go on (the host logs every answer alike).
        if (res.status === 503 || res.status === 409)
          await fetch(`${serve.url}/v1/reset`, {
            method: 'POST',
            headers: { ...serve.auth(), 'content-type': 'application/json' },
            body: '{}',
          });
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    expect(statuses.get(201) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(LAUNCHES / 2);
    const threads = await probe(trigger, 'after');
    const sizes = Object.fromEntries(Object.entries(threads).map(([name, t]) => [name, t.newSpace]));
    return { sizes, output: serve.output() };
  } finally {
    await serve.stop();
  }
}

/** What each thread's probe says once asked (`asked` changes the trigger, so it can be asked again). */
async function probe(trigger: string, asked: string): Promise<Record<string, { newSpace: number; forcedGcs: number }>> {
  writeFileSync(trigger, asked);
  const answers = () =>
    (existsSync(`${trigger}.out`) ? readFileSync(`${trigger}.out`, 'utf8').trim().split('\n') : [])
      .map((l) => JSON.parse(l) as { name: string; newSpace: number; forcedGcs: number; asked: string })
      .filter((a) => a.asked === asked);
  await until(() => answers().length === 4, 10_000, `every thread answered probe ${asked}`);
  return Object.fromEntries(answers().map((a) => [a.name, a]));
}

describe('serve once it is up', () => {
  it('has every thread collect once (a forced full GC), and none when old-generation growth is left to V8', {
    timeout: 60_000,
  }, async () => {
    for (const [growth, forced] of [
      ['50', true],
      ['0', false],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'flylight-heap-'));
      const trigger = join(dir, 'probe');
      const serve = await startServe(['--ephemeral'], {
        NODE_OPTIONS: `--require ${join(ROOT, 'test', 'helpers', 'heap-probe.cjs')}`,
        FLYLIGHT_HEAP_PROBE: trigger,
        FLYLIGHT_HEAP_GROWTH_PERCENT: growth,
      });
      try {
        let threads: Record<string, { forcedGcs: number }> = {};
        let n = 0;
        const allCollected = async () => {
          threads = await probe(trigger, String(++n));
          return Object.values(threads).every((t) => t.forcedGcs >= 1);
        };
        if (forced) await until(allCollected, 10_000, 'every thread collected', 200);
        else await allCollected();
        expect(Object.keys(threads).sort()).toEqual(['host', 'orchestrator', 'proxy', 'store']);
        for (const [name, t] of Object.entries(threads)) expect(t.forcedGcs, name).toBe(forced ? 1 : 0);
      } finally {
        await serve.stop();
      }
    }
  });
});

describe("serve's young generations under launches", () => {
  it('stay at or under 8 MB in every thread, the host included; a bad knob is named and its default used', {
    timeout: 240_000,
  }, async () => {
    const { sizes, output } = await youngAfterLaunches({ FLYLIGHT_HOST_YOUNG_MB: 'lots' });
    expect(output).toContain(
      "warning: FLYLIGHT_HOST_YOUNG_MB must be a whole number from 0 to 1024 (0: V8's own); got 'lots': using 8",
    );
    expect(Object.keys(sizes).sort()).toEqual(['host', 'orchestrator', 'proxy', 'store']);
    // Held at their caps, never over (a worker below its cap when the host's filled would stay
    // below it: smaller, which the cap allows).
    for (const w of ['store', 'orchestrator', 'proxy']) expect(sizes[w], w).toBeLessThanOrEqual(8 * MB);
    expect(sizes.host, JSON.stringify(sizes)).toBeLessThanOrEqual(8 * MB);
  });

  it('the host grows past 8 MB with the same launches when its hold is off (the control)', {
    timeout: 240_000,
  }, async () => {
    const { sizes } = await youngAfterLaunches({ FLYLIGHT_HOST_YOUNG_MB: '0' });
    expect(sizes.host, JSON.stringify(sizes)).toBeGreaterThan(8 * MB);
    for (const w of ['store', 'orchestrator', 'proxy']) expect(sizes[w], w).toBeLessThanOrEqual(8 * MB);
  });
});
