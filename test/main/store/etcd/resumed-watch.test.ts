// The watch that keeps its place, with a stand-in for etcd3's watcher (on a real etcd: the
// follow and owner-request suites in test/integration). Here: what a broken watcher had not
// applied is dropped and its replacement starts after the last revision applied; a watch etcd
// cancels is read afresh (retried while the read fails) and watched after the read's revision;
// a restart from within apply does not let the response being applied move the revision.

import type { IWatchResponse } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { type ResumedWatchSpec, resumedWatch } from '../../../../src/main/store/etcd/resumed-watch';
import { fakeWatchClient } from '../../../helpers/fake-watch';
import { until } from '../../../helpers/until';

const response = (rev: number): IWatchResponse =>
  ({ header: { revision: String(rev) }, events: [] }) as unknown as IWatchResponse;
const tick = () => new Promise((r) => setImmediate(r));

function spec(client: ResumedWatchSpec['client'], over: Partial<ResumedWatchSpec> = {}): ResumedWatchSpec {
  return {
    client,
    prefix: '/t/',
    name: 'test watch',
    after: '10',
    apply: async () => {},
    lost: async () => '10',
    log: () => {},
    ...over,
  };
}

describe('resumedWatch', () => {
  it('drops what a broken watcher had not applied and resumes after the last revision applied', async () => {
    const { client, watchers, opened } = fakeWatchClient();
    const applied: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const watch = await resumedWatch(
      spec(client, {
        apply: async (responses) => {
          applied.push(...responses.map((r) => r.header.revision));
          if (applied.length === 1) await held;
        },
      }),
    );
    watchers[0]?.emit('data', response(11));
    await tick();
    watchers[0]?.emit('data', response(12)); // waits behind 11's pass
    watchers[0]?.emit('disconnected', new Error('unavailable'));
    release();
    await until(() => opened.length === 2, 3000, 'the watch to be opened again', 10);
    expect(applied).toEqual(['11']); // 12 came on the broken stream: the new one tells it again
    expect(opened.map((o) => o.from)).toEqual(['11', '12']);
    expect(watchers[0]?.cancelled).toBe(true);
    watchers[1]?.emit('data', response(12));
    await until(() => watch.revision === '12', 1000, 'the resumed watch to apply 12', 5);
    await watch.stop();
    expect(watchers[1]?.cancelled).toBe(true);
  });

  it('reads afresh when etcd cancels the watch, retrying a failed read, and watches after the read', async () => {
    const { client, watchers, opened } = fakeWatchClient();
    const reasons: string[] = [];
    const watch = await resumedWatch(
      spec(client, {
        lost: async (reason) => {
          reasons.push(reason);
          if (reasons.length === 1) throw new Error('etcd unavailable');
          return '40';
        },
      }),
    );
    watchers[0]?.emit('error', new Error('mvcc: required revision has been compacted'));
    await until(() => opened.length === 2, 3000, 'the watch to be opened after the read', 10);
    expect(reasons).toEqual([
      'mvcc: required revision has been compacted',
      'mvcc: required revision has been compacted',
    ]);
    expect(opened.map((o) => o.from)).toEqual(['11', '41']);
    expect(watch.revision).toBe('40');
    await watch.stop();
  });

  it('a restart from within apply reads afresh, and the response being applied does not move the revision', async () => {
    const { client, watchers, opened } = fakeWatchClient();
    const watch = await resumedWatch(
      spec(client, {
        apply: async (responses, self) => {
          if (responses.some((r) => r.header.revision === '11')) await self.restart('could not apply 11');
        },
        lost: async () => '30',
      }),
    );
    watchers[0]?.emit('data', response(11));
    await until(() => opened.length === 2, 3000, 'the watch to be opened after the restart', 10);
    await tick();
    expect(watchers[0]?.cancelled).toBe(true);
    expect(opened.map((o) => o.from)).toEqual(['11', '31']);
    expect(watch.revision).toBe('30');
    await watch.stop();
  });
});
