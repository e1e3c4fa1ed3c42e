// Which host owns which machine: rendezvous hashing over the live hosts, bounded so no host holds
// more than SHARE_SLACK over an even split. Every host computes the same answer from the same
// host list; a host that joins or leaves moves only its share. For a big fleet (300k machines ×
// 3 hosts = 900k hashes, seconds of CPU under load) a host's share is computed once per host
// list, and in slices, so the store worker's lease keep-alives get through.

import { hash } from 'node:crypto';

/**
 * How far over an even split one host's share may go. Rendezvous hashing alone splits a big
 * fleet evenly (1,000 machines over 3 hosts: 333 ± 15), so there the bound never binds and
 * changes nothing; a small one it split unevenly (6 machines over 2 hosts: 6/0 one time in 32,
 * a laptop's demo fleet with one host idle). Bounded, 6 over 2 is at worst 4/2, and of 24 over
 * 3 no host owns more than 10.
 */
export const SHARE_SLACK = 0.25;

/** The most machines one of `hosts` hosts may own among `machines`. */
export const shareCap = (machines: number, hosts: number): number =>
  hosts > 0 ? Math.ceil(((1 + SHARE_SLACK) * machines) / hosts) : 0;

const score = (machine: string, host: string): string => hash('sha1', `${machine}\n${host}`, 'hex');

/** The host rendezvous hashing prefers for `machine` among `hosts` (sorted ids), unbounded. */
export function ownerOf(machine: string, hosts: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = '';
  for (const h of hosts) {
    // One-shot hash: the same digest as createHash('sha1'), in one call.
    const s = score(machine, h);
    if (best === null || s > bestScore) {
      best = h;
      bestScore = s;
    }
  }
  return best;
}

/**
 * Every machine's owner among `hosts` (sorted ids) given each machine's first choice (an index
 * into `hosts`): the first choices, unless a host would hold more than shareCap. Then the
 * machines over it go down their own lists, each host keeping its highest-scoring machines
 * (deferred acceptance in rounds: the answer depends on the scores alone, never on the order the
 * machines are listed in, so every host computes the same one).
 */
export function boundedOwners(machines: readonly string[], hosts: readonly string[], first: Uint32Array): Uint32Array {
  const owner = Uint32Array.from(first);
  const cap = shareCap(machines.length, hosts.length);
  const counts = new Array<number>(hosts.length).fill(0);
  for (const h of owner) counts[h] = (counts[h] ?? 0) + 1;
  if (counts.every((c) => c <= cap)) return owner;
  // Only a small fleet gets here: each machine's full list, best first.
  const lists = machines.map((m) =>
    hosts
      .map((h, i) => ({ i, s: score(m, h) }))
      .sort((a, b) => (a.s < b.s ? 1 : a.s > b.s ? -1 : 0))
      .map((x) => x.i),
  );
  const at = new Array<number>(machines.length).fill(0);
  const scoreAt = (m: number, h: number) => score(machines[m] as string, hosts[h] as string);
  for (;;) {
    const held: number[][] = hosts.map(() => []);
    for (let m = 0; m < owner.length; m++) held[owner[m] as number]?.push(m);
    if (held.every((ms) => ms.length <= cap)) return owner;
    for (let h = 0; h < held.length; h++) {
      const ms = held[h] as number[];
      if (ms.length <= cap) continue;
      // Keeps its `cap` highest scorers (ties, never seen with SHA-1, by machine id).
      ms.sort((a, b) => {
        const sa = scoreAt(a, h);
        const sb = scoreAt(b, h);
        return sa !== sb ? (sa < sb ? 1 : -1) : (machines[a] as string).localeCompare(machines[b] as string);
      });
      for (const m of ms.slice(cap)) {
        at[m] = (at[m] ?? 0) + 1;
        owner[m] = lists[m]?.[at[m] as number] ?? h;
      }
    }
  }
}

/** Machines hashed between two turns of the event loop. */
const SLICE = 5000;

/** One host's share of a fixed list of machines, remembered for the last host list. */
export class Share {
  private last: { key: string; mine: Set<string>; bounded: Map<string, string> | null } | null = null;

  constructor(
    private readonly self: string,
    private readonly machines: readonly string[],
  ) {}

  /** The machines `self` should own among the hosts `ids` (sorted). */
  async of(ids: readonly string[]): Promise<Set<string>> {
    const key = ids.join(',');
    if (this.last?.key === key) return this.last.mine;
    const first = new Uint32Array(this.machines.length);
    const index = new Map(ids.map((h, i) => [h, i]));
    for (let i = 0; i < this.machines.length; i++) {
      first[i] = index.get(ownerOf(this.machines[i] as string, ids) as string) ?? 0;
      if (i % SLICE === SLICE - 1) await new Promise((r) => setImmediate(r));
    }
    const owner = boundedOwners(this.machines, ids, first);
    const self = index.get(this.self);
    const mine = new Set<string>();
    let moved = false;
    for (let i = 0; i < owner.length; i++) {
      if (owner[i] === self) mine.add(this.machines[i] as string);
      if (owner[i] !== first[i]) moved = true;
    }
    // Where the bound moved machines, their owners are kept for ownerAmong (a small fleet's few).
    const bounded = moved ? new Map(this.machines.map((m, i) => [m, ids[owner[i] as number] as string])) : null;
    this.last = { key, mine, bounded };
    return mine;
  }

  /** The owner `machine` should have among `ids` (sorted): as last computed, else its first choice. */
  ownerAmong(machine: string, ids: readonly string[]): string | null {
    const last = this.last;
    if (last?.bounded && last.key === ids.join(',')) return last.bounded.get(machine) ?? ownerOf(machine, ids);
    return ownerOf(machine, ids);
  }
}

/** Every machine's owner among `hosts` (sorted ids), as each host's Share computes it. */
export function assignOwners(machines: readonly string[], hosts: readonly string[]): Map<string, string> {
  const index = new Map(hosts.map((h, i) => [h, i]));
  const first = Uint32Array.from(machines, (m) => index.get(ownerOf(m, hosts) as string) ?? 0);
  const owner = boundedOwners(machines, hosts, first);
  return new Map(machines.map((m, i) => [m, hosts[owner[i] as number] as string]));
}
