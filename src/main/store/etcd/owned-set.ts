// The machines this host owns, and telling them to the orchestrator. Told only when the set has
// changed since the last telling (a change counter, not a comparison of joined ids: that built
// a string of every owned id, ~2 MB at 100k machines, each time), and, for moves heard in the
// watch, at most every TELL_EVERY_MS: a joining host's claims arrive 64 keys a response.

/** How often owned machines that moved in the watch are told to the orchestrator. */
const TELL_EVERY_MS = 200;

export class OwnedSet {
  private readonly set = new Set<string>();
  /** Bumped by every change; `toldAt` is its value at the last telling. */
  private changes = 0;
  private toldAt = -1;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly told: (machines: string[]) => void) {}

  has(machine: string): boolean {
    return this.set.has(machine);
  }

  get size(): number {
    return this.set.size;
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.set.values();
  }

  /** Sets whether `machine` is owned here; true when that changed it. */
  mark(machine: string, owned: boolean): boolean {
    if (owned === this.set.has(machine)) return false;
    if (owned) this.set.add(machine);
    else this.set.delete(machine);
    this.changes++;
    return true;
  }

  clear(): void {
    if (this.set.size === 0) return;
    this.set.clear();
    this.changes++;
  }

  sorted(): string[] {
    return [...this.set].sort();
  }

  /** Tells the set now, if it changed since the last telling. */
  tell(): void {
    if (this.changes === this.toldAt) return;
    this.toldAt = this.changes;
    this.told(this.sorted());
  }

  /** Tells the set within TELL_EVERY_MS, if it changed by then. */
  tellSoon(): void {
    if (this.timer || this.changes === this.toldAt) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tell();
    }, TELL_EVERY_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
