// The deadlines of a client's calls, without a timer per call. A node timer (a Timeout object,
// its insert into the timer list, its removal when the answer comes) per call was a measurable
// part of every launch, which makes two calls. Calls with one deadline length expire in the
// order they began, so they wait in one queue per length behind one timer, armed for the oldest
// call still waiting; an answered call is only dropped from the front as later calls pass it.

interface Lane {
  ms: number;
  ids: number[];
  dues: number[];
  head: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export class Deadlines {
  private readonly lanes = new Map<number, Lane>();

  constructor(
    /** Whether call `id` still waits for its answer. */
    private readonly waiting: (id: number) => boolean,
    /** Call `id` has waited `ms`: fail it. */
    private readonly expire: (id: number, ms: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Call `id` fails after `ms` unless answered first (told by `waiting`). */
  add(id: number, ms: number): void {
    let lane = this.lanes.get(ms);
    if (lane === undefined) {
      lane = { ms, ids: [], dues: [], head: 0, timer: null };
      this.lanes.set(ms, lane);
    }
    this.dropAnswered(lane);
    lane.ids.push(id);
    lane.dues.push(this.now() + ms);
    if (lane.timer === null) this.arm(lane, ms);
  }

  /** Stops every timer (the client is done with its port; its calls were failed by their owner). */
  clear(): void {
    for (const lane of this.lanes.values()) if (lane.timer !== null) clearTimeout(lane.timer);
    this.lanes.clear();
  }

  private arm(lane: Lane, ms: number): void {
    // Not holding the process open by itself: a waiting call's port does that.
    lane.timer = setTimeout(() => this.fire(lane), ms);
    (lane.timer as { unref?: () => void }).unref?.();
  }

  private dropAnswered(lane: Lane): void {
    while (lane.head < lane.ids.length && !this.waiting(lane.ids[lane.head])) lane.head++;
    // Keep the arrays from growing under a steady load: cut the consumed front now and then.
    if (lane.head > 1024 && lane.head * 2 > lane.ids.length) {
      lane.ids = lane.ids.slice(lane.head);
      lane.dues = lane.dues.slice(lane.head);
      lane.head = 0;
    }
  }

  private fire(lane: Lane): void {
    lane.timer = null;
    const now = this.now();
    while (lane.head < lane.ids.length) {
      const id = lane.ids[lane.head];
      if (this.waiting(id)) {
        if (lane.dues[lane.head] > now) break;
        this.expire(id, lane.ms);
      }
      lane.head++;
    }
    if (lane.head === lane.ids.length) {
      lane.ids = [];
      lane.dues = [];
      lane.head = 0;
    } else this.arm(lane, Math.max(1, lane.dues[lane.head] - now));
  }
}
