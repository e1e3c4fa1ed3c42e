// Deadlines without a node timer each. A timer per deadline (a Timeout object, its insert into
// the timer list, its removal when the work settles first) was a measurable part of every
// request in the proxy (~3 % of its thread under GET /healthz) and of every call between
// threads (a launch makes two). Deadlines of one length fall due in the order they were set, so
// they wait in one queue per length behind one timer, armed for the oldest still waiting; one
// that settles first is only marked, and dropped when it reaches the head. A lane's timer stays
// armed when nothing waits (under load one deadline after another would otherwise arm and clear
// it each time): it then fires once, finds nothing and is not armed again. Timers are unref'd:
// whatever waits holds the thread open, never a deadline by itself.

/** One deadline; `settled` it before it falls due and `late` is never called. */
export interface Deadline {
  /** On the monotonic clock: a wall clock stepped forward would expire every deadline at once. */
  readonly due: number;
  /** Null once settled or expired. */
  late: (() => void) | null;
  readonly lane: Lane;
}

class Lane {
  private queue: Deadline[] = [];
  private head = 0;
  private waiting = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly ms: number) {}

  add(late: () => void): Deadline {
    const d: Deadline = { due: performance.now() + this.ms, late, lane: this };
    this.dropSettled();
    this.queue.push(d);
    this.waiting++;
    if (this.timer === null) this.arm(this.ms);
    return d;
  }

  settled(d: Deadline): void {
    if (d.late === null) return;
    d.late = null;
    this.waiting--;
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (let i = this.head; i < this.queue.length; i++) this.queue[i].late = null;
    this.queue = [];
    this.head = 0;
    this.waiting = 0;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.expire(), ms);
    (this.timer as { unref?: () => void }).unref?.();
  }

  private dropSettled(): void {
    const queue = this.queue;
    while (this.head < queue.length && queue[this.head].late === null) this.head++;
    // Keep the queue from growing under a steady load: cut the consumed front now and then.
    if (this.head > 1024 && this.head * 2 > queue.length) {
      this.queue = queue.slice(this.head);
      this.head = 0;
    }
  }

  private expire(): void {
    this.timer = null;
    const now = performance.now();
    while (this.head < this.queue.length) {
      const d = this.queue[this.head];
      const late = d.late;
      if (late !== null && d.due > now) break;
      this.head++;
      if (late === null) continue;
      d.late = null;
      this.waiting--;
      late();
    }
    if (this.waiting === 0) {
      this.queue = [];
      this.head = 0;
    } else this.arm(Math.max(1, this.queue[this.head].due - now));
  }
}

/** Deadlines of any lengths, one lane (and at most one timer) per length. */
export class DeadlineLanes {
  private readonly lanes = new Map<number, Lane>();

  /** Calls `late` after `ms` unless the deadline is settled first. */
  add(ms: number, late: () => void): Deadline {
    let lane = this.lanes.get(ms);
    if (lane === undefined) {
      lane = new Lane(ms);
      this.lanes.set(ms, lane);
    }
    return lane.add(late);
  }

  settled(d: Deadline): void {
    d.lane.settled(d);
  }

  /** Drops every deadline without calling it, and every timer. */
  clear(): void {
    for (const lane of this.lanes.values()) lane.clear();
    this.lanes.clear();
  }
}
