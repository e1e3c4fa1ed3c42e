// Two `flylight serve` hosts on a three-member etcd, as the partition tests want them: `a` talks
// to every member, `p` only to member 0, so killing member 0 cuts `p` off while `a` keeps the
// quorum. Ready once both own machines.

import type { ClusterView } from '../../src/shared/cluster';
import type { EtcdCluster } from './etcd';
import { type ServeProcess, startServe } from './host';
import { until } from './until';

/** GET /v1/cluster of a host. */
export const clusterOf = async (h: ServeProcess): Promise<ClusterView> =>
  (await (await fetch(`${h.url}/v1/cluster`, { headers: h.auth() })).json()) as ClusterView;

/** Two hosts, no machine unowned, each owning some. */
export const bothOwn = (v: ClusterView): boolean =>
  v.hosts.length === 2 && v.unowned === 0 && v.hosts.every((h) => h.machines_owned > 0);

/** One host left, owning every machine. */
export const aloneOwnsAll = (v: ClusterView): boolean =>
  v.hosts.length === 1 && v.unowned === 0 && v.hosts[0].machines_owned === v.machines;

export async function startPinnedPair(
  etcd: EtcdCluster,
  common: string[],
  timeoutMs: number,
): Promise<{ a: ServeProcess; p: ServeProcess }> {
  const member0 = etcd.members[0];
  if (!member0) throw new Error('startPinnedPair needs an etcd cluster with members');
  const a = await startServe(['--store', etcd.storeUrl, ...common]);
  const p = await startServe(['--store', `etcd://${member0.clientUrl.replace('http://', '')}`, ...common]);
  await until(async () => bothOwn(await clusterOf(a)), timeoutMs, 'both hosts to own machines', 100);
  return { a, p };
}
