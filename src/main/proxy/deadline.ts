// The one timeout race in the proxy: a request against its deadline, a /metrics scrape against
// each worker's answer. The work itself is not cancelled (a worker call cannot be taken back);
// only the caller stops waiting, and no timer outlives its races by more than their length.
//
// Every request runs through here, and a node timer per request (a Timeout object, its insert
// into the list, its removal) was ~3 % of the proxy thread under GET /healthz. Races of one
// length end in the order they began, so they wait in one queue per length behind one timer,
// armed for the oldest; a race that settles first is only marked, and dropped when it reaches
// the head. The timer stays armed when nothing waits (under load one request after another
// would otherwise arm and clear it each time): it then fires once, finds nothing and is not
// armed again; it is unref'd, so it never holds a process open by itself.

interface Race {
  /** On the monotonic clock: a wall clock stepped forward would answer every waiting race at once. */
  due: number;
  /** Null once the work has settled: the deadline no longer matters. */
  late: (() => void) | null;
}

class Lane {
  private races: Race[] = [];
  private head = 0;
  private waiting = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly ms: number) {}

  add(late: () => void): Race {
    const race: Race = { due: performance.now() + this.ms, late };
    this.dropSettled();
    this.races.push(race);
    this.waiting++;
    if (this.timer === null) this.arm(this.ms);
    return race;
  }

  settled(race: Race): void {
    if (race.late === null) return;
    race.late = null;
    this.waiting--;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.expire(), ms);
    this.timer.unref?.();
  }

  private dropSettled(): void {
    const races = this.races;
    while (this.head < races.length && races[this.head].late === null) this.head++;
    // Keep the array from growing under a steady load: cut the consumed front now and then.
    if (this.head > 1024 && this.head * 2 > races.length) {
      this.races = races.slice(this.head);
      this.head = 0;
    }
  }

  private expire(): void {
    this.timer = null;
    const now = performance.now();
    while (this.head < this.races.length) {
      const race = this.races[this.head];
      const late = race.late;
      if (late !== null && race.due > now) break;
      this.head++;
      if (late === null) continue;
      race.late = null;
      this.waiting--;
      late();
    }
    if (this.waiting === 0) {
      this.races = [];
      this.head = 0;
    } else this.arm(Math.max(1, this.races[this.head].due - now));
  }
}

const lanes = new Map<number, Lane>();

/**
 * Settles as `work` does, or as `late()` does (its value, or what it throws) after `ms`. One
 * promise per call, and no timer of its own (above).
 */
export function withDeadline<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  let lane = lanes.get(ms);
  if (lane === undefined) {
    lane = new Lane(ms);
    lanes.set(ms, lane);
  }
  const l = lane;
  return new Promise<T>((resolve, reject) => {
    const race = l.add(() => {
      try {
        resolve(late());
      } catch (err) {
        reject(err);
      }
    });
    work.then(
      (v) => {
        l.settled(race);
        resolve(v);
      },
      (err) => {
        l.settled(race);
        reject(err);
      },
    );
  });
}
