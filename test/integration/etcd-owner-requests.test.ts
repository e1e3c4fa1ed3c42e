// Owner requests across an etcd outage, on a real three-member etcd: the owner (`p`) talks only
// to member 0, the asker (`a`) to every member, so killing member 0 cuts the owner's watch while
// the asker keeps the quorum. When member 0 returns, the owner's watch must be back within the
// asker's answer window: left to etcd3's own reconnect, whose waits grow toward 30 s over an
// outage, it came back many seconds late and the operator's drain was refused as unanswered. A
// request put while the watch was cut is run once it is back; one seen again after a fresh read
// (the watch could not resume past a compaction) is not run twice.

import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd } from '../../src/main/store/etcd/connect';
import { OWNER_ANSWER_MS, OwnerRequests } from '../../src/main/store/etcd/owner-requests';
import type { MachineActionReport } from '../../src/shared/faults';
import type { OwnerRequest } from '../../src/shared/services';
import { type EtcdCluster, startEtcd } from '../helpers/etcd';
import { until } from '../helpers/until';

/** Long enough for etcd3's own watch backoff to grow past the answer window. */
const OUTAGE_MS = 16_000;
const PREFIX = '/t/requests/';

let etcd: EtcdCluster;
let ownerClient: Etcd3;
let askerClient: Etcd3;
let owner: OwnerRequests;
let asker: OwnerRequests;
const logs: string[] = [];
/** Every request the owner ran, in order. */
const ran: OwnerRequest[] = [];
/** Requests the owner runs but leaves unanswered (as an action still under way). */
const held = new Set<string>();

const client = (endpoints: string[]) => connectEtcd({ kind: 'etcd', endpoints, tls: null, prefix: '/t/' });
const report = (req: OwnerRequest) =>
  ({
    action: req.action,
    machine: { id: req.machine_id },
    failed: [],
    evacuated: [],
  }) as unknown as MachineActionReport;
/** A request to the owner written straight into etcd, as an asker does. */
const put = (id: string, machine_id: string) =>
  askerClient.put(`${PREFIX}${id}`).value(JSON.stringify({ id, machine_id, action: 'drain', to: 'p', from: 'a' }));
const runs = (id: string) => ran.filter((r) => r.id === id).length;

describe('owner requests across an etcd outage', () => {
  beforeAll(async () => {
    etcd = await startEtcd(3);
    const endpoint = (i: number) => etcd.members[i].clientUrl.replace('http://', '');
    ownerClient = client([endpoint(0)]);
    askerClient = client([0, 1, 2].map(endpoint));
    const log = (host: string) => (level: string, msg: string, fields?: Record<string, unknown>) =>
      logs.push(`${host} ${level} ${msg} ${JSON.stringify(fields ?? {})}`);
    owner = new OwnerRequests(
      ownerClient,
      PREFIX,
      'p',
      () => 'p',
      (req) => {
        ran.push(req);
        if (!held.has(req.machine_id)) void owner.answer(req.id, { report: report(req) }).catch(() => {});
      },
      log('p'),
    );
    asker = new OwnerRequests(
      askerClient,
      PREFIX,
      'a',
      () => 'p',
      () => {},
      log('a'),
    );
    await Promise.all([owner.start(), asker.start()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([owner?.stop(), asker?.stop()]);
    ownerClient?.close();
    askerClient?.close();
    await etcd?.stop();
  });

  it('the owner answers within the window once etcd is back, and runs what was asked meanwhile', async () => {
    expect((await asker.ask('m1', 'drain', {})).action).toBe('drain');

    await etcd.members[0].kill();
    const cutAt = Date.now();
    await put('during', 'm2'); // the owner's watch is cut: it must see this once back
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
    await etcd.members[0].restart();
    const back = Date.now();

    // Asked the moment member 0 answers again: refused as unanswered when the watch is still away.
    const answered = await asker.ask('m3', 'online', {});
    const took = Date.now() - back;
    expect(answered.action).toBe('online');
    await until(() => runs('during') > 0, OWNER_ANSWER_MS, 'the owner to run the request put during the outage', 20);
    const duringAfter = Date.now() - back;
    // Its answer reached etcd: the asker, had it still waited, would have had it.
    await until(
      async () =>
        (JSON.parse((await askerClient.get(`${PREFIX}during`).string()) ?? '{}') as { report?: unknown }).report !==
        undefined,
      OWNER_ANSWER_MS,
      'the answer to the request put during the outage',
      20,
    );
    console.log(`after etcd returned: asked and answered in ${took} ms; the outage's request ran at ${duringAfter} ms`);
    expect(logs.join('\n')).toMatch(/p info owner-request watch resumed/);
    await new Promise((r) => setTimeout(r, 1000)); // a request run twice would have been by now
    expect(runs('during')).toBe(1);
    expect(ran.filter((r) => r.machine_id === 'm3')).toHaveLength(1);
    await askerClient.delete().key(`${PREFIX}during`);
  }, 60_000);

  it('reads the pending requests again past a compaction, and runs none of them twice', async () => {
    held.add('m4');
    await put('taken', 'm4'); // run, not yet answered: still pending in etcd
    await until(() => runs('taken') === 1, OWNER_ANSWER_MS, 'the owner to take the request', 20);

    await etcd.members[0].kill();
    await put('compacted', 'm5');
    // Compacted past the owner's place (and the request's revision): its watch cannot resume from there.
    await askerClient.put('/t/other').value('1');
    const now = (await askerClient.get(PREFIX).exec()).header.revision;
    await askerClient.kv.compact({ revision: now, physical: true });
    await etcd.members[0].restart();
    const back = Date.now();

    await until(
      () => runs('compacted') > 0,
      OWNER_ANSWER_MS,
      'the owner to run the request put before the compaction',
      20,
    );
    console.log(`after etcd returned past a compaction: the pending request ran at ${Date.now() - back} ms`);
    expect(logs.join('\n')).toMatch(/p warn the owner-request watch could not resume; read the pending requests again/);
    await new Promise((r) => setTimeout(r, 1000));
    expect(runs('compacted')).toBe(1);
    expect(runs('taken')).toBe(1); // seen again in the fresh read, still under way: not run again

    // Once its key is deleted, the owner forgets it (and a fresh read would not find it).
    await askerClient.delete().key(`${PREFIX}taken`);
  }, 60_000);
});
