// Where the shared fleet lives in etcd, under one prefix (default /flylight/):
//   fleet/ready           the fleet in force: its seed {seed_id, chunks, …}, its generation and
//                         where that generation's rows live (./generation); every host follows it
//   fleet/claim           the host seeding right now (held by its lease, so a seeder that dies frees it)
//   fleet/chunks/ID/N     a fleet's regions and machines (the bootstrap's, an import's), in chunks under 1 MB
//   fleet/reset           the last reset {at, by}: every host rebuilds when it changes
// The rows of the generation in force, under its data prefix: the root itself for the first
// generation (as before generations existed), `gen/N-TOKEN/` for a fleet an import (or a reset
// after one) put in place, so a new generation is written beside the old one and swapped in by
// one transaction on fleet/ready:
//   machines/ID           a machine's state: allocation (= the sum of its VMs, kept so by every
//                         VM transaction), operator status, FlyD version
//   vms/ID                a VM record, with the Idempotency-Key that launched it and its driver
//                         (the machine's owner when written: the host that runs its stages)
//   keys/KEY              the live VM an Idempotency-Key launched (unique across hosts)
//   regions/CODE          a region status an operator set (`flylight region status`)
//   hosts/ID              a live host (held by its lease): pid, hostname, started_at
//   owners/ID             the host that runs machine ID's MachineD and FlyD (held by its lease)
//   actors/ID             host ID's actor counts for `flylight cluster` (held by its lease; the
//                         fleet's watch ignores it)
//   requests/ID           an operator action on a machine, asked of its owner, then its outcome
//                         (./owner-requests; not followed by the fleet's watch)

export class EtcdKeys {
  /** The data prefix of the generation in force, relative to the root ('' for the first). */
  private data = '';

  constructor(readonly root: string) {}

  /** Follows another generation's rows from now on (`data`: relative to the root). */
  followData(data: string): void {
    this.data = data;
  }

  /** The generation's data prefix, relative to the root. */
  get dataPrefix(): string {
    return this.data;
  }

  /** The same root, reading the rows of the generation under `data`. */
  withData(data: string): EtcdKeys {
    const k = new EtcdKeys(this.root);
    k.followData(data);
    return k;
  }

  /** Where every generation but the first keeps its rows. */
  get generations(): string {
    return `${this.root}gen/`;
  }

  /** The prefixes holding this generation's rows (what a switch to another one deletes). */
  dataPrefixes(): string[] {
    if (this.data !== '') return [`${this.root}${this.data}`];
    return [this.machines, this.vms, this.regions, this.idempotency('')];
  }

  get ready(): string {
    return `${this.root}fleet/ready`;
  }
  get claim(): string {
    return `${this.root}fleet/claim`;
  }
  chunks(seedId: string): string {
    return `${this.root}fleet/chunks/${seedId}/`;
  }
  get reset(): string {
    return `${this.root}fleet/reset`;
  }
  get machines(): string {
    return `${this.root}${this.data}machines/`;
  }
  machine(id: string): string {
    return `${this.machines}${id}`;
  }
  get vms(): string {
    return `${this.root}${this.data}vms/`;
  }
  vm(id: string): string {
    return `${this.vms}${id}`;
  }
  idempotency(key: string): string {
    return `${this.root}${this.data}keys/${key}`;
  }
  get regions(): string {
    return `${this.root}${this.data}regions/`;
  }
  region(code: string): string {
    return `${this.regions}${code}`;
  }
  get hosts(): string {
    return `${this.root}hosts/`;
  }
  host(id: string): string {
    return `${this.hosts}${id}`;
  }
  get owners(): string {
    return `${this.root}owners/`;
  }
  owner(machineId: string): string {
    return `${this.owners}${machineId}`;
  }

  /** What a watched key is, and the id in it; null for keys the store does not follow. */
  classify(
    key: string,
  ): { kind: 'machine' | 'vm' | 'region' | 'reset' | 'ready' | 'host' | 'owner'; id: string } | null {
    if (key === this.reset) return { kind: 'reset', id: '' };
    if (key === this.ready) return { kind: 'ready', id: '' };
    for (const [kind, prefix] of [
      ['machine', this.machines],
      ['vm', this.vms],
      ['region', this.regions],
      ['host', this.hosts],
      ['owner', this.owners],
    ] as const) {
      if (key.startsWith(prefix)) return { kind, id: key.slice(prefix.length) };
    }
    return null;
  }
}

/** JSON from an etcd value; null when it is not JSON (a foreign or damaged key: ignored). */
export function parseValue<T>(value: Buffer | string | null | undefined): T | null {
  if (value === null || value === undefined) return null;
  try {
    return JSON.parse(value.toString()) as T;
  } catch {
    return null;
  }
}
