// Every machine's holder (its `owners/ID` key), as this host knows it. Read whole once (and again
// only after the watch lost its place or this host its lease), then kept from the watch's owner
// events. Re-reading every key at each rebalance cost a 300,000-machine fleet 18 MB a read, and a
// joining host's claims made every host read it again and again (ownership took 141 s to settle).

import type { Etcd3, IKeyValue } from 'etcd3';
import type { EtcdKeys } from './keys';
import { readPrefix } from './pages';

/** Owner keys per read (~60 bytes each). */
const OWNERS_PAGE = 20_000;

export class OwnerBook {
  /** Machine → the host holding it. */
  holders = new Map<string, string>();
  /** The revision of the last whole read; null: read whole at the next all(). */
  private readAt: string | null = null;
  /** Events that arrive during a whole read, applied after it if newer. */
  private buffer: [string, string | null, string][] | null = null;
  /** Host ids as one string each (one map entry per machine, few hosts). */
  private readonly hostIds = new Map<string, string>();

  constructor(
    private readonly client: Etcd3,
    private readonly keys: EtcdKeys,
  ) {}

  /** Read whole again at the next all() (the watch lost its place, or the lease lapsed). */
  forget(): void {
    this.readAt = null;
  }

  get current(): boolean {
    return this.readAt !== null;
  }

  /**
   * An owner key's change at revision `rev` (holder null: deleted). False when it tells nothing
   * new: not read yet (the whole read will have it), or older than the last whole read.
   */
  event(machine: string, holder: string | null, rev: string): boolean {
    if (this.buffer) {
      this.buffer.push([machine, holder, rev]);
      return false;
    }
    if (this.readAt === null || BigInt(rev) <= BigInt(this.readAt)) return false;
    if (holder === null) this.holders.delete(machine);
    else this.holders.set(machine, this.host(holder));
    return true;
  }

  /** Every holder: the map, read whole first if it is not current. `late` gets the events buffered meanwhile. */
  async all(late: (machine: string, holder: string | null, rev: string) => void): Promise<Map<string, string>> {
    if (this.readAt !== null) return this.holders;
    const out = new Map<string, string>();
    const at = this.keys.owners.length;
    const add = (kv: IKeyValue) => out.set(kv.key.toString().slice(at), this.host(kv.value.toString()));
    this.buffer = [];
    try {
      const rev = await readPrefix(this.client.kv, this.keys.owners, add, { limit: OWNERS_PAGE });
      const buffered = this.buffer;
      this.buffer = null;
      this.holders = out;
      this.readAt = rev;
      for (const [m, holder, r] of buffered) late(m, holder, r);
      return out;
    } finally {
      this.buffer = null;
    }
  }

  private host(id: string): string {
    const known = this.hostIds.get(id);
    if (known !== undefined) return known;
    this.hostIds.set(id, id);
    return id;
  }
}
