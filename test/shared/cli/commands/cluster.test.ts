// `flylight cluster` through runCommand with a fake API: the hosts table, the etcd members
// table with the leader, and --json as the API gave it.

import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../../src/shared/cli/env';
import { runCommand } from '../../../../src/shared/cli/run';
import { CLUSTER, capture, FakeApi, FakeFeed, makeEnv } from '../../../helpers/cli-fixtures';

async function run(argv: string[]) {
  const api = new FakeApi();
  const c = capture({ color: false });
  const code = await runCommand(argv, makeEnv(api, new FakeFeed(), 'cli'), c.io);
  return { code, out: c.out, err: c.err, api };
}

describe('cluster', () => {
  it('prints the hosts with their machines and leases, then the etcd members and leader', async () => {
    const r = await run(['cluster']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out[0]).toBe('Fleet in etcd://127.0.0.1:2379: 1 host, 215 machines; leases of 5 s (* answered)');
    expect(r.out[1]).toMatch(/^HOST\s+NAME\s+PID\s+MACHINES\s+AWAKE\s+LEASE\s+TTL LEFT\s+OF\s+HEALTH$/);
    expect(r.out[2]).toMatch(/^a1b2c3d4 \*\s+laptop\s+4242\s+215\s+12\s+694d7a1b2c3d4e5f\s+4 s\s+5 s\s+live$/);
    expect(r.out[3]).toMatch(/run only on the host that owns it \(MACHINES\); AWAKE: how many are awake there now/);
    expect(r.out).toContain('etcd: 1 members, leader m1, revision 42');
    expect(r.out.at(-1)).toMatch(/^m1\s+1\s+http:\/\/127\.0\.0\.1:2379\s+answers\s+leader$/);
  });

  it('shows a host that has not reported its actors yet with -, and awake machines it no longer owns', async () => {
    const { clusterLines } = await import('../../../../src/shared/cli/commands/cluster');
    const host = CLUSTER.hosts[0];
    const lines = clusterLines(
      {
        ...CLUSTER,
        hosts: [
          { ...host, actors: null },
          {
            ...host,
            id: 'b2',
            self: false,
            actors: { ...(host.actors as NonNullable<typeof host.actors>), awake_not_owned: 2 },
          },
        ],
      },
      { color: false },
    );
    expect(lines[2]).toMatch(/^a1b2c3d4 \*\s+laptop\s+4242\s+215\s+-\s+/);
    expect(lines[3]).toMatch(/^b2\s+laptop\s+4242\s+215\s+12 \(\+2 leaving\)\s+/);
  });

  it('names every TTL the hosts were granted when they differ (serve --lease-ttl), and a lapsing lease', async () => {
    const { clusterLines } = await import('../../../../src/shared/cli/commands/cluster');
    const host = CLUSTER.hosts[0];
    const lines = clusterLines(
      {
        ...CLUSTER,
        hosts: [
          host,
          { ...host, id: 'b2', self: false, lease_ttl_s: 27, lease_granted_ttl_s: 30 },
          { ...host, id: 'c3', self: false, lease_ttl_s: 2, lease_granted_ttl_s: 30, lapsing: true },
        ],
      },
      { color: false },
    );
    expect(lines[0]).toBe('Fleet in etcd://127.0.0.1:2379: 3 hosts, 215 machines; leases of 5 s, 30 s (* answered)');
    expect(lines[3]).toMatch(/^b2\s+laptop\s+4242\s+215\s+12\s+694d7a1b2c3d4e5f\s+27 s\s+30 s\s+live$/);
    expect(lines[4]).toMatch(/^c3\s+laptop\s+4242\s+215\s+12\s+694d7a1b2c3d4e5f\s+2 s\s+30 s\s+lapsing$/);
  });

  it('prints the view as JSON with --json', async () => {
    const r = await run(['cluster', '--json']);
    expect(JSON.parse(r.out.join('\n'))).toEqual(CLUSTER);
  });
});
