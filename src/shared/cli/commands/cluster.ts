// `flylight cluster`: the hosts sharing the fleet (through etcd), the machines each owns, their
// leases and health, and the etcd members with their leader.

import type { ClusterHost, ClusterMember, ClusterView } from '../../cluster';
import { type CommandRunner, call, print } from '../context';
import { jsonLines } from '../json-lines';
import { table } from '../table';

export const cluster: CommandRunner = async (ctx) => {
  const view = await call(ctx, ctx.env.api.cluster());
  if (ctx.json) return print(ctx.io, jsonLines(view));
  return print(ctx.io, clusterLines(view, { color: ctx.color, width: ctx.io.columns }));
};

/** Machines whose actors run on the host now (and, if any, awake ones it no longer owns). */
function awake(h: ClusterHost): string {
  if (!h.actors) return '-';
  const foreign = h.actors.awake_not_owned;
  return foreign > 0 ? `${h.actors.awake} (+${foreign} leaving)` : String(h.actors.awake);
}

export function clusterLines(v: ClusterView, opts: { color: boolean; width?: number }): string[] {
  const hosts = table<ClusterHost>(
    [
      { header: 'HOST', value: (h) => `${h.id}${h.self ? ' *' : ''}` },
      { header: 'NAME', value: (h) => h.hostname, shrink: true },
      { header: 'PID', align: 'right', value: (h) => String(h.pid) },
      { header: 'MACHINES', align: 'right', value: (h) => String(h.machines_owned) },
      { header: 'AWAKE', align: 'right', value: (h) => awake(h) },
      { header: 'LEASE', value: (h) => h.lease },
      { header: 'TTL LEFT', align: 'right', value: (h) => (h.lease_ttl_s >= 0 ? `${h.lease_ttl_s} s` : '-') },
      { header: 'OF', align: 'right', value: (h) => (h.lease_granted_ttl_s > 0 ? `${h.lease_granted_ttl_s} s` : '-') },
      { header: 'HEALTH', value: (h) => (h.lease_ttl_s < 0 ? 'lease gone' : h.lapsing ? 'lapsing' : 'live') },
    ],
    v.hosts,
    opts,
  );
  const members = table<ClusterMember>(
    [
      { header: 'MEMBER', value: (m) => m.name },
      { header: 'ID', value: (m) => m.id },
      { header: 'CLIENT URL', value: (m) => m.client_urls[0] ?? '-', shrink: true },
      { header: 'HEALTH', value: (m) => (m.healthy ? 'answers' : 'not answering') },
      { header: 'ROLE', value: (m) => (m.leader ? 'leader' : 'follower') },
    ],
    v.etcd.members,
    opts,
  );
  const unowned = v.unowned > 0 ? `, ${v.unowned} without an owner right now` : '';
  const n = v.hosts.length;
  const granted = [...new Set(v.hosts.map((h) => h.lease_granted_ttl_s).filter((t) => t > 0))].sort((a, b) => a - b);
  const ttls = (granted.length > 0 ? granted : [v.lease_ttl_s]).map((t) => `${t} s`).join(', ');
  return [
    `Fleet in ${v.store}: ${n} ${n === 1 ? 'host' : 'hosts'}, ${v.machines} machines${unowned}; leases of ${ttls} (* answered)`,
    ...hosts,
    "A machine's MachineD and FlyD run only on the host that owns it (MACHINES); AWAKE: how many are awake there now.",
    '',
    `etcd: ${v.etcd.members.length} members, leader ${v.etcd.leader ?? 'none (no quorum)'}, revision ${v.etcd.revision}`,
    ...members,
  ];
}
