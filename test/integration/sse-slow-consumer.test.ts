// A client that reads an event stream more slowly than events arrive is cut off with its reason:
// the real proxy over real HTTP, the CLI's and dashboard's own SSE reader (connectSse) on the
// other end, and the cut counted in /metrics.

import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/main/common/log';
import { createProxy, type ProxyInstance } from '../../src/main/proxy/proxy';
import { RpcClient } from '../../src/shared/rpc';
import type { HostService, OrchestratorService, StoreService } from '../../src/shared/services';
import { connectSse, type SseMessage } from '../../src/shared/sse';
import type { StoreEvent } from '../../src/shared/types';
import { until } from '../helpers/until';

let proxy: ProxyInstance;

beforeAll(async () => {
  proxy = createProxy({
    // Detached clients: the event stream and /metrics' own counters need no worker.
    store: new RpcClient<StoreService>('store', { timeoutMs: 100 }).api,
    orchestrator: new RpcClient<OrchestratorService>('orchestrator', { timeoutMs: 100 }).api,
    host: new RpcClient<HostService>('host', { timeoutMs: 100 }).api,
    config: { host: '127.0.0.1', port: 0, staticDir: null, flydIntervalMs: 100 },
    log: createLogger('silent'),
  });
  await proxy.listen();
});

afterAll(async () => {
  await proxy?.close();
});

/** A `reset` event padded to ~200 KB on the wire, so a few fill any socket's buffers. */
function bigEvent(seq: number): StoreEvent {
  return { type: 'reset', seq, at: '2026-11-30T00:00:00.000Z', pad: 'x'.repeat(200_000) } as unknown as StoreEvent;
}

function metrics(): Promise<string> {
  const { port } = proxy.service.address();
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

describe('a slow event-stream client', () => {
  it('gets a last `event: error` frame saying slow_consumer, after everything queued before it, and is counted', async () => {
    const { port } = proxy.service.address();
    const messages: SseMessage[] = [];
    const states: string[] = [];
    const conn = connectSse(
      `http://127.0.0.1:${port}/v1/events`,
      { onMessage: (m) => messages.push(m), onState: (s, d) => states.push(`${s}${d ? `: ${d}` : ''}`) },
      {},
    );
    try {
      await until(() => proxy.hub.size > 0, 5000, 'the stream to be attached');
      // 12 MB in one turn: the client (in this process) cannot read meanwhile, so past the
      // socket's buffers more than 1 MB queues in the proxy and the hub cuts the stream off.
      for (let seq = 1; seq <= 60; seq++) proxy.publish(bigEvent(seq));
      expect(proxy.hub.size).toBe(0);
      // The client reads what was queued before the cut, then hears why the stream ended.
      await until(() => states.some((s) => s.startsWith('connecting: ')), 20_000, 'the stream to end');
      const lost = states.find((s) => s.startsWith('connecting: ')) ?? '';
      expect(lost).toMatch(
        /^connecting: the server ended the stream \(slow_consumer\): this stream was closed because more than 1 MB of it was waiting unread .*reconnect to resume.*; retrying in 2 s$/,
      );
      // Every event before the cut arrived whole and in order; none after it.
      const seqs = messages.filter((m) => m.event === 'reset').map((m) => Number(m.id));
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs.length).toBeLessThan(60);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      // The error frame itself is the transport's business, not handed on as an event.
      expect(messages.some((m) => m.event === 'error')).toBe(false);
    } finally {
      conn.close();
    }
    expect(await metrics()).toMatch(/^flylight_sse_dropped_total\{stream="events",reason="slow_consumer"\} 1$/m);
  });
});
