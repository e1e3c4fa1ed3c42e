// Group commit for the allocation transactions. Each VM write is one conditional transaction
// (./allocations); the transactions a host issues in one turn of its event loop (a batch of
// launches the orchestrator sent together) go to etcd as ONE transaction: every part's compares,
// ANDed; every part's writes; every part's reads in the else branch. etcd applies it atomically,
// so each part is exactly as safe as if it had been sent alone — it commits only if none of its
// rows moved — and a part is acknowledged only once the whole transaction is committed. What
// grouping changes is the cost: one gRPC call, one raft entry and one watch message for the
// group instead of one each, which on a host is most of the CPU a launch costs.
//
// If the group's compare fails, nothing was written, and each part gets the rows its else branch
// read; the allocator computes it again from them and sends it ALONE (a conflict under contention
// must not keep failing a group). Parts that write the same key never share a group (etcd refuses
// a transaction that writes a key twice), and a group stays within etcd's --max-txn-ops (128).
//
// A part may carry a guard (the shared fleet's fleet/ready, at the revision of the generation the
// write was meant for): the transaction then compares that key's revision too, once per group
// (parts with different guards never share one). A write meant for a generation of the fleet
// that an import or reset has replaced is refused (FleetReplacedError), never written where
// nobody looks any more (./generation).

import type { ICompare, IRequestOp, IResponseOp, ITxnResponse, KVClient } from 'etcd3';
import { FleetReplacedError } from './generation';

/** One allocation's transaction. */
export interface TxnPart {
  compare: ICompare[];
  /** Puts and deletes, applied if every compare holds. */
  success: IRequestOp[];
  /** Reads of the compared rows, answered if a compare fails. */
  failure: IRequestOp[];
  /** The keys `success` writes (a group never writes one twice). */
  writes: string[];
  /** A key that must still be at mod revision `mod` (fleet/ready: the generation meant). */
  guard?: Guard;
}

export interface Guard {
  key: string;
  mod: string;
}

export interface PartResult {
  succeeded: boolean;
  /** The revision the transaction committed at (or was judged at). */
  revision: string;
  /** This part's else-branch reads, in its order (empty when it succeeded). */
  reads: IResponseOp[];
  /** How many parts the etcd transaction carried (1: sent alone). */
  group: number;
}

/** etcd's default --max-txn-ops: compares, and operations per branch. */
export const MAX_TXN_OPS = 128;

interface Waiting {
  part: TxnPart;
  resolve: (r: PartResult) => void;
  reject: (e: unknown) => void;
}

export class TxnBatcher {
  private queue: Waiting[] = [];
  private scheduled = false;
  /** etcd transactions sent, and the parts they carried. */
  readonly sent = { txns: 0, parts: 0 };

  constructor(private readonly kv: KVClient) {}

  /** Runs a part, grouped with the others of this turn unless `alone`. */
  run(part: TxnPart, alone = false): Promise<PartResult> {
    if (alone) return this.send([part]).then((r) => r[0] as PartResult);
    return new Promise((resolve, reject) => {
      this.queue.push({ part, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After every microtask of this turn: the launches that arrived together are all queued.
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    let rest = this.queue;
    this.queue = [];
    while (rest.length > 0) {
      const group: Waiting[] = [];
      const later: Waiting[] = [];
      const keys = new Set<string>();
      const guard = rest[0]?.part.guard;
      // The guard's compare and its read in the else branch.
      let compares = guard ? 1 : 0;
      let writes = 0;
      let reads = compares;
      for (const w of rest) {
        const p = w.part;
        const fits =
          sameGuard(p.guard, guard) &&
          compares + p.compare.length <= MAX_TXN_OPS &&
          writes + p.success.length <= MAX_TXN_OPS &&
          reads + p.failure.length <= MAX_TXN_OPS &&
          !p.writes.some((k) => keys.has(k));
        if (!fits && group.length > 0) {
          later.push(w);
          continue;
        }
        group.push(w);
        for (const k of p.writes) keys.add(k);
        compares += p.compare.length;
        writes += p.success.length;
        reads += p.failure.length;
      }
      rest = later;
      this.send(group.map((w) => w.part)).then(
        (results) => {
          for (let i = 0; i < group.length; i++) group[i]?.resolve(results[i] as PartResult);
        },
        (err) => {
          for (const w of group) w.reject(err);
        },
      );
    }
  }

  private async send(parts: TxnPart[]): Promise<PartResult[]> {
    this.sent.txns++;
    this.sent.parts += parts.length;
    const guard = parts[0]?.guard;
    const guardKey = guard && Buffer.from(guard.key);
    const res: ITxnResponse = await this.kv.txn({
      compare: [
        ...(guard && guardKey
          ? [{ key: guardKey, result: 'Equal', target: 'Mod', mod_revision: guard.mod } as const]
          : []),
        ...parts.flatMap((p) => p.compare),
      ],
      success: parts.flatMap((p) => p.success),
      failure: [...parts.flatMap((p) => p.failure), ...(guardKey ? [{ request_range: { key: guardKey } }] : [])],
    });
    const revision = res.header.revision;
    if (!res.succeeded && guard) {
      const now = res.responses[res.responses.length - 1]?.response_range?.kvs[0]?.mod_revision ?? '0';
      if (now !== guard.mod) {
        throw new FleetReplacedError();
      }
    }
    if (res.succeeded) return parts.map(() => ({ succeeded: true, revision, reads: [], group: parts.length }));
    let at = 0;
    return parts.map((p) => {
      const reads = res.responses.slice(at, at + p.failure.length);
      at += p.failure.length;
      return { succeeded: false, revision, reads, group: parts.length };
    });
  }
}

function sameGuard(a: Guard | undefined, b: Guard | undefined): boolean {
  return a?.key === b?.key && a?.mod === b?.mod;
}
