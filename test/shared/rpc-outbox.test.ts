import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RpcClient, serveRpc } from '../../src/shared/rpc';
import { isBatch, LINGER_MS, Outbox, unpack } from '../../src/shared/rpc-outbox';

const turn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An outbox whose posts are recorded (each post is one crossing). */
function recorded(lingerMs?: number) {
  const posts: unknown[] = [];
  const outbox = new Outbox((m) => posts.push(m), lingerMs);
  const flat = () => {
    const out: unknown[] = [];
    for (const p of posts) unpack(p, (m) => out.push(m));
    return out;
  };
  return { posts, outbox, flat };
}

describe('Outbox', () => {
  it('crosses the messages of one turn as one post, in order', async () => {
    const { posts, outbox, flat } = recorded();
    for (let i = 0; i < 5; i++) outbox.send({ n: i }, () => {});
    expect(posts).toHaveLength(0);
    await turn();
    expect(posts).toHaveLength(1);
    expect(isBatch(posts[0])).toBe(true);
    expect(flat()).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
  });

  it('sends what nobody waits on at once when idle, and at most once per linger time when busy', async () => {
    // A linger long enough that two turns of a loaded machine (CI's, or a 2-core box under
    // load 18, where 40 ms was once too short) fit inside it.
    const { posts, outbox, flat } = recorded(1000);
    outbox.send({ e: 1 }, () => {}, true);
    await turn();
    expect(posts).toHaveLength(1);
    outbox.send({ e: 2 }, () => {}, true);
    await turn();
    outbox.send({ e: 3 }, () => {}, true);
    await turn();
    expect(posts).toHaveLength(1);
    await sleep(1100);
    expect(posts).toHaveLength(2);
    expect(flat()).toEqual([{ e: 1 }, { e: 2 }, { e: 3 }]);
  });

  it('never holds back a message somebody waits on: it takes what lingers along, in order', async () => {
    const { posts, outbox, flat } = recorded(10_000);
    outbox.send({ e: 0 }, () => {}, true);
    await turn();
    outbox.send({ e: 1 }, () => {}, true);
    outbox.send({ answer: 1 }, () => {});
    outbox.send({ e: 2 }, () => {}, true);
    await turn();
    expect(posts).toHaveLength(2);
    expect(flat()).toEqual([{ e: 0 }, { e: 1 }, { answer: 1 }, { e: 2 }]);
  });

  it('posts what lingers on flush and drops it on close', async () => {
    const a = recorded(10_000);
    a.outbox.flush(); // as if it had just written: the next lingers
    a.outbox.send({ e: 1 }, () => {}, true);
    await turn();
    expect(a.posts).toHaveLength(0);
    a.outbox.flush();
    expect(a.flat()).toEqual([{ e: 1 }]);
    const b = recorded(10_000);
    b.outbox.flush();
    b.outbox.send({ e: 1 }, () => {}, true);
    b.outbox.close();
    await sleep(20);
    expect(b.posts).toHaveLength(0);
  });

  it('fails only the message that cannot be cloned, not its neighbours', async () => {
    const ch = new MessageChannel();
    const got: unknown[] = [];
    ch.port2.on('message', (m) => unpack(m, (x) => got.push(x)));
    const outbox = new Outbox((m) => ch.port1.postMessage(m));
    const failed: unknown[] = [];
    outbox.send({ ok: 1 }, () => failed.push('ok1'));
    outbox.send({ bad: () => 1 }, (err) => failed.push(err));
    outbox.send({ ok: 2 }, () => failed.push('ok2'), true);
    await turn();
    await sleep(20);
    expect(got).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(failed).toHaveLength(1);
    ch.port1.close();
    ch.port2.close();
  });
});

describe('events over RPC', () => {
  it('arrive within the linger time, in order with the answers sent after them', async () => {
    const ch = new MessageChannel();
    let server: ReturnType<typeof serveRpc> | null = null;
    const impl = {
      ping: () => {
        server?.emit('topic', { before: 'answer' });
        return 'pong';
      },
    };
    server = serveRpc(ch.port2, impl);
    const client = new RpcClient<typeof impl>('s', { timeoutMs: 1000 });
    client.attach(ch.port1);
    const seen: string[] = [];
    client.on('topic', () => seen.push('event'));
    const pong = await client.api.ping();
    seen.push(pong);
    // The event went out with the answer, ahead of it.
    expect(seen).toEqual(['event', 'pong']);

    const t0 = performance.now();
    const arrived = new Promise<number>((r) => client.on('alone', () => r(performance.now() - t0)));
    server.emit('alone', { n: 1 });
    const ms = await arrived;
    expect(ms).toBeLessThan(LINGER_MS + 200);
    ch.port1.close();
    ch.port2.close();
  });
});
