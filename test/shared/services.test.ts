// The store sends each topic only to the threads STORE_TOPIC_READERS names: a thread that listens
// to a topic without being named there would hear nothing. This reads every listener in the
// threads' sources (`store.on(TOPIC, …)`) and holds the table to them, both ways.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as services from '../../src/shared/services';

const { STORE_TOPIC_READERS, STORE_EVENTS } = services;
const THREADS = { proxy: 'src/main/proxy', orchestrator: 'src/main/orchestrator', host: 'src/main/host' } as const;

/** Topic constant names each thread's code listens to on its store client. */
function listened(dir: string): Set<string> {
  const out = new Set<string>();
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    if (!f.endsWith('.ts')) continue;
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/\bstore\.on\(\s*([A-Z_]+)\s*,/g)) out.add(m[1] as string);
  }
  return out;
}

describe('store topics and the threads that read them', () => {
  const byThread = Object.entries(THREADS).map(([thread, dir]) => ({ thread, topics: listened(dir) }));

  it('finds the listeners it checks (the pattern still matches the code)', () => {
    for (const { topics } of byThread) expect(topics.has('STORE_EVENTS')).toBe(true);
  });

  it('names every thread that listens to a topic as a reader of it', () => {
    for (const { thread, topics } of byThread) {
      for (const name of topics) {
        const topic = (services as Record<string, unknown>)[name];
        expect(typeof topic, `${name} is a topic of services.ts`).toBe('string');
        const readers: readonly string[] =
          (STORE_TOPIC_READERS as Record<string, readonly string[]>)[topic as string] ?? [];
        // The orchestrator's share of STORE_EVENTS (no VM events) is sent to it apart.
        if (topic === STORE_EVENTS && thread === 'orchestrator') continue;
        expect(readers, `${thread} listens to ${name}`).toContain(thread);
      }
    }
  });

  it('names no reader that does not listen', () => {
    for (const [topic, readers] of Object.entries(STORE_TOPIC_READERS)) {
      const name = Object.entries(services).find(([, v]) => v === topic)?.[0] ?? topic;
      for (const r of readers) {
        const thread = byThread.find((t) => t.thread === r);
        expect(thread?.topics.has(name), `${r} reads ${name}`).toBe(true);
      }
    }
  });
});
