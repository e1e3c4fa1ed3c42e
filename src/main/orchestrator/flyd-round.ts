// The FlyD round the ticker runs every interval (and a clean shutdown once more): every machine
// with something to write is written once — an awake one by its FlyD, one that changed while
// asleep directly (actors.ts, writeAsleep) — and then idle actors go back to sleep.

import { type SpawnDeps, writeAsleep } from './actors';
import { type FlushOutcome, flush } from './flyd';
import type { MachineEntry, Registry } from './registry';
import type { Unsettled } from './unsettled';

export class FlydRound {
  /**
   * Machines with something to write, each at most once (MachineEntry.queued says whether it is
   * here): a flag and a list, not a Set, since at 100k machines nearly every placement adds one.
   */
  private due: MachineEntry[] = [];

  constructor(
    private readonly registry: Registry,
    private readonly unsettled: Unsettled,
  ) {}

  /** The machine has something to write at the next round. */
  mark(entry: MachineEntry): void {
    if (entry.queued) return;
    entry.queued = true;
    this.due.push(entry);
  }

  /** Changes waiting in machines asleep (an awake machine's wait in its FlyD). */
  unwrittenAsleep(): number {
    let n = 0;
    for (const e of this.due) if (!e.awake) n += e.unwritten;
    return n;
  }

  /** One round; resolves, with how many updates were written, once the store answered. */
  async run(deps: SpawnDeps): Promise<number> {
    // Settle unknown writes first: what they release is then in this round's updates.
    if (this.unsettled.size > 0) await this.unsettled.retry();
    const due = this.due;
    this.due = [];
    for (const e of due) e.queued = false;
    const outcomes = await Promise.all(
      due.map((e) => (e.awake ? flushOf(e, false) : writeAsleep(deps, e).catch(() => 'failed' as const))),
    );
    // What the store now has in full needs no actors until the next ask wakes them; those
    // marked again meanwhile stay awake until they are written.
    this.registry.sleepIdle(QUEUED);
    return count(outcomes);
  }

  /** Writes everything now, waiting for updates already in flight (clean shutdown). */
  async all(): Promise<number> {
    if (this.unsettled.size > 0) await this.unsettled.retry();
    // A machine whose actors never woke holds nothing the store has not got, but what changed
    // while it slept: those are woken here, and their FlyD writes it after any write in flight.
    const due = [...this.registry.awake];
    for (const e of this.registry.entries()) if (!e.awake && e.unwritten > 0) due.push(e);
    return count(await Promise.all(due.map((e) => flushOf(e, true))));
  }
}

const QUEUED = { has: (e: MachineEntry) => e.queued };

function count(outcomes: FlushOutcome[]): number {
  let n = 0;
  for (const o of outcomes) if (o === 'applied') n++;
  return n;
}

/** A FlyD's flush; a FlyD that crashed or stopped on it counts as failed. */
function flushOf(entry: MachineEntry, wait: boolean): Promise<FlushOutcome> {
  return flush(entry.flyd, wait).catch(() => 'failed' as const);
}
