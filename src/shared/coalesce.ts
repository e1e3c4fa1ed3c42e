// When to write what nobody waits on (events, log lines): at the end of this event-loop turn if
// the last write was a while ago, else once `ms` have passed since it. An idle system writes at
// once (a log line is there before the next request is answered); a busy one writes at most
// every `ms`, many turns' worth at a time. A write from a worker is a crossing to another thread
// (about 25 µs of CPU on two cores before anything is copied), so under load this is most of
// what gathering saves.

/** The end of the current turn: after the I/O callbacks of this turn, before the next wait. */
export const endOfTurn: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => (globalThis as unknown as { setImmediate: (f: () => void) => void }).setImmediate(fn)
    : (fn) => queueMicrotask(fn);

export class Coalescer {
  private last = Number.NEGATIVE_INFINITY;
  private due = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * `run` is called once per write; `ms` is the shortest time between two writes under load.
   * `unref`: a waiting write does not keep the process alive (events: their port's owner
   * flushes on close); log lines must not be lost at exit, so theirs keeps it alive.
   */
  constructor(
    private readonly run: () => void,
    private readonly ms: number,
    private readonly unref = false,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Asks for a write; several asks before it happens are one write. */
  schedule(): void {
    if (this.due) return;
    this.due = true;
    const wait = this.last + this.ms - this.now();
    if (wait <= 0) {
      endOfTurn(() => this.fire());
      return;
    }
    this.timer = setTimeout(() => this.fire(), wait);
    if (this.unref) (this.timer as { unref?: () => void }).unref?.();
  }

  /** The write happened some other way (an explicit flush): nothing is due any more. */
  done(): void {
    this.due = false;
    this.last = this.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private fire(): void {
    if (!this.due) return;
    this.done();
    this.run();
  }
}
