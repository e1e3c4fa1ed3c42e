// Real etcd for tests: the distribution's /usr/bin/etcd (3.4; see ./etcd-finder), one member or
// a three-member cluster, each on free loopback ports in its own temporary data directory.
// Members can be killed (SIGKILL, as a crash) and restarted on the same ports and data, to
// inject faults. Elections are tuned short (heartbeat 50 ms, election 500 ms) so a lost leader
// is replaced fast. Without etcd, startEtcd rejects (the tests fail, saying how to install it).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll } from 'vitest';
import { etcdBinary } from './etcd-finder';

/** Binds `port` on loopback (0: any) and releases it; resolves the port, or null if taken. */
function bindAndRelease(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : null));
    });
  });
}

/** The lowest port of the kernel's ephemeral range: what bind(0) and outgoing connections draw from. */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

/**
 * A port free now, for etcd, which must be told its ports before it binds them (its members name
 * each other's). Drawn below the ephemeral range: a port the OS had just handed out and taken
 * back was soon another test's server or a client's outgoing connection, and etcd, binding it a
 * moment later, died with "address already in use" (a CI run at load 10). Falls back to one the
 * OS picks when that range is too small to draw from.
 */
export async function freePort(): Promise<number> {
  const low = Math.min(ephemeralLow(), 32768);
  for (let i = 0; low > 12_000 && i < 50; i++) {
    const port = await bindAndRelease(10_000 + Math.floor(Math.random() * (low - 10_000)));
    if (port !== null) return port;
  }
  const any = await bindAndRelease(0);
  if (any === null) throw new Error('no free loopback port');
  return any;
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  /** True while its process runs. */
  readonly running: boolean;
  /** SIGKILL: the member stops at once, as in a crash or power cut. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data; resolves when it answers /health. */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** Client endpoints, comma-separated `host:port` (what `--store etcd://…` takes). */
  endpoints: string;
  /** `etcd://h1:p1,h2:p2,…` for `flylight serve --store`. */
  storeUrl: string;
  /** Kills every member and removes their data. */
  stop(): Promise<void>;
  /** The index in `members` of the member that leads now, as the running members say. */
  leader(): Promise<number>;
  /** Hands leadership to `members[to]` (etcd's move-leader), resolving once it leads. */
  makeLeader(to: number): Promise<void>;
}

/** Waits until etcd's /health says true (a quorum and a leader) at `clientUrl`. */
export async function waitHealthy(clientUrl: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
      last = JSON.stringify(body);
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`etcd at ${clientUrl} not healthy within ${timeoutMs} ms (${last})`);
}

/**
 * Starts `size` members (1 or 3) as one cluster; resolves when every member is healthy. Rejects
 * at once, naming the command that installs etcd, when there is none (`env`: ETCD_BIN, PATH).
 */
export async function startEtcd(size = 1, env: NodeJS.ProcessEnv = process.env): Promise<EtcdCluster> {
  const bin = etcdBinary(env);
  const root = mkdtempSync(join(tmpdir(), 'flylight-etcd-'));
  let members: EtcdMember[] = [];
  // Another process may still take a port between freePort() and etcd's bind: start afresh on
  // other ports then (a new cluster: its members' ports are part of its identity).
  for (let attempt = 1; ; attempt++) {
    const specs: { name: string; client: number; peer: number }[] = [];
    for (let i = 0; i < size; i++) specs.push({ name: `m${i}`, client: await freePort(), peer: await freePort() });
    const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peer}`).join(',');
    const dir = join(root, `try${attempt}`);
    members = specs.map((s) => member(bin, s, join(dir, s.name), initialCluster));
    try {
      await Promise.all(members.map((m) => m.restart()));
      break;
    } catch (err) {
      await Promise.all(members.map((m) => m.kill()));
      rmSync(dir, { recursive: true, force: true });
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) {
        rmSync(root, { recursive: true, force: true });
        throw err;
      }
    }
  }
  const endpoints = members.map((m) => m.clientUrl.replace('http://', '')).join(',');
  /** Each running member's id and the leader it names ('0': none), asked of that member alone. */
  const statuses = async () =>
    Promise.all(
      members.map(async (m, i) => {
        if (!m.running) return null;
        const c = new Etcd3({ hosts: m.clientUrl });
        try {
          const s = await c.maintenance.status({ deadline: Date.now() + 2000 });
          return { i, id: s.header.member_id, leader: s.leader };
        } catch {
          return null;
        } finally {
          c.close();
        }
      }),
    );
  const leader = async () => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const all = await statuses();
      const named = all.find((s) => s && s.leader !== '0')?.leader;
      const i = all.find((s) => s?.id === named)?.i;
      if (i !== undefined) return i;
      if (Date.now() > deadline) throw new Error('no etcd member leads after 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    members,
    endpoints,
    storeUrl: `etcd://${endpoints}`,
    stop: async () => {
      await Promise.all(members.map((m) => m.kill()));
      rmSync(root, { recursive: true, force: true });
    },
    leader,
    makeLeader: async (to) => {
      const from = await leader();
      if (from === to) return;
      const target = (await statuses())[to];
      if (!target) throw new Error(`etcd member ${to} is not running`);
      // Move-leader is only accepted by the leader itself.
      const c = new Etcd3({ hosts: (members[from] as EtcdMember).clientUrl });
      try {
        await c.maintenance.moveLeader({ targetID: target.id });
      } finally {
        c.close();
      }
      const deadline = Date.now() + 10_000;
      while ((await leader()) !== to) {
        if (Date.now() > deadline) throw new Error(`etcd member ${to} did not take the lead within 10 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

function member(
  bin: string,
  spec: { name: string; client: number; peer: number },
  dataDir: string,
  initialCluster: string,
) {
  const clientUrl = `http://127.0.0.1:${spec.client}`;
  const peerUrl = `http://127.0.0.1:${spec.peer}`;
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  const args = [
    `--name=${spec.name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${initialCluster}`,
    '--initial-cluster-state=new',
    '--initial-cluster-token=flylight-test',
    '--heartbeat-interval=50',
    '--election-timeout=500',
    '--log-level=error',
    '--logger=zap',
  ];
  const m: EtcdMember = {
    name: spec.name,
    clientUrl,
    peerUrl,
    dataDir,
    get running() {
      return proc !== null;
    },
    async kill() {
      if (!proc) return;
      proc.kill('SIGKILL');
      await exited;
    },
    async restart() {
      if (proc) return;
      log = '';
      const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      proc = p;
      p.stderr?.on('data', (d: Buffer) => {
        log = (log + d.toString()).slice(-4000);
      });
      exited = new Promise((r) =>
        p.once('exit', () => {
          if (proc === p) proc = null;
          r();
        }),
      );
      // A lone member of a three-member cluster has no quorum: it is up, just not healthy yet.
      const up = waitHealthy(clientUrl, 20_000);
      const died = exited.then(() => {
        throw new Error(`etcd ${spec.name} exited at start: ${log.trim() || '(no output)'}`);
      });
      await Promise.race([up, died]);
    },
  };
  return m;
}

export interface EtcdWithClient {
  readonly etcd: EtcdCluster;
  /** An etcd3 client on every member. */
  readonly client: Etcd3;
}

/**
 * For a describe block: one etcd member and an etcd3 client on it, started before its tests and
 * stopped after them. Read `.client` / `.etcd` inside the tests (they exist once beforeAll ran).
 */
export function withEtcdClient(size = 1): EtcdWithClient {
  let etcd: EtcdCluster | undefined;
  let client: Etcd3 | undefined;
  beforeAll(async () => {
    etcd = await startEtcd(size);
    client = new Etcd3({ hosts: etcd.members.map((m) => m.clientUrl) });
  }, 30_000);
  afterAll(async () => {
    client?.close();
    await etcd?.stop();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('etcd is not started: use withEtcdClient() inside a describe block');
    return v;
  };
  return {
    get etcd() {
      return started(etcd);
    },
    get client() {
      return started(client);
    },
  };
}

/**
 * A regions file in a temporary directory: one region, BIG, of `machines` machines of 64 cores
 * and 512 GB, named by `name` (1-based). The shared-fleet tests start their hosts on it. Rendezvous
 * hashing splits machines between hosts by chance, so give each host enough to hold some: with 6
 * machines one host of two got none in 1 run of 32; 24 leave none empty-handed in practice.
 */
export function bigRegionFile(machines: number, name = (i: number) => `big-m${i}`): string {
  const csv = [
    'kind,region,location,status,machine,datacenter,cores,memory_gb',
    'region,BIG,Big City,Operational,,,,',
    ...Array.from({ length: machines }, (_, i) => `machine,BIG,,,${name(i + 1)},dc-1,64,512`),
  ].join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'flylight-etcd-csv-')), 'fleet.csv');
  writeFileSync(file, csv);
  return file;
}
