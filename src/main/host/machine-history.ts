// Each machine's allocation and status over time, kept by the host from the store's machine
// events, so a machine drawer opened now (or after a reload) draws the past instead of only what
// the page saw since it opened. Bounded in memory: the charts' ten minutes (plus the point before them:
// the figure when the window opens), at most POINTS_PER_MACHINE points per machine, and TOTAL_POINTS in all (past it, the machines changed least recently are forgotten).
// Points are packed five numbers at a time: 100,000 points of as many machines are ~15 MB with
// their tracks, far fewer machines' ~4 MB.
//
// Each answer says `since`: from then on every change of that machine is among its points. A
// machine with no point has not changed since then (it sits at its current figures).

import { timeMs } from '../../shared/iso-time';
import type { MachineHistory, MachineHistoryPoint } from '../../shared/machine-history';
import { HISTORY_WINDOW_MS } from '../../shared/samples';
import type { StoreEvent } from '../../shared/types';

export const POINTS_PER_MACHINE = 600;
export const TOTAL_POINTS = 100_000;

/** A number per field; status as an index into `statuses`. */
const FIELDS = 5;
/**
 * A track of fewer numbers than this grows by a copy of its size, not a push: most machines have
 * a point or a few, and a push leaves room for 16 more numbers (a machine's one point in 200
 * bytes of array, not 56; 100k such machines 14 MB more).
 */
const COPY_BELOW = 8 * FIELDS;

interface Track {
  /** t, cores_allocated, memory_allocated_gb, vm_count, status index — oldest first. */
  data: number[];
  /** Points this machine lost to the bounds (its chart does not reach back to `since`). */
  dropped: number;
}

export interface MachineHistoryOptions {
  perMachine?: number;
  total?: number;
  windowMs?: number;
  now?: () => number;
}

export class MachineHistoryLog {
  /** Insertion order = least recently changed first (a change moves a machine to the end). */
  private readonly tracks = new Map<string, Track>();
  private readonly statuses: string[] = [];
  private points = 0;
  private since: number;
  /** The newest change of any machine forgotten whole: an untracked machine is unchanged since. */
  private forgottenUpTo = 0;
  private readonly perMachine: number;
  private readonly total: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(opts: MachineHistoryOptions = {}) {
    this.perMachine = opts.perMachine ?? POINTS_PER_MACHINE;
    this.total = opts.total ?? TOTAL_POINTS;
    this.windowMs = opts.windowMs ?? HISTORY_WINDOW_MS;
    this.now = opts.now ?? Date.now;
    this.since = this.now();
  }

  storeEvent(e: StoreEvent): void {
    if (e.type === 'reset') {
      // Every machine is back to its bootstrap figures: what came before is another fleet.
      this.tracks.clear();
      this.points = 0;
      this.forgottenUpTo = 0;
      this.since = this.time(e.at);
    } else if (e.type === 'machine') {
      const m = e.machine;
      this.add(m.id, this.time(e.at), m.cores_allocated, m.memory_allocated_gb, m.vm_count, m.status);
    }
  }

  add(id: string, t: number, cores: number, memory: number, vms: number, status: string): void {
    let s = this.statuses.indexOf(status);
    if (s < 0) s = this.statuses.push(status) - 1;
    let track = this.tracks.get(id);
    if (track) {
      this.tracks.delete(id);
      this.tracks.set(id, track);
      const d = track.data;
      const n = d.length;
      // FlyD conflates a burst into one update; several in the same millisecond are one point.
      if (n > 0 && d[n - FIELDS] === t) {
        d.splice(n - FIELDS, FIELDS, t, cores, memory, vms, s);
      } else {
        if (n < COPY_BELOW) track.data = d.concat(t, cores, memory, vms, s);
        else d.push(t, cores, memory, vms, s);
        this.points++;
      }
    } else {
      track = { data: [t, cores, memory, vms, s], dropped: 0 };
      this.tracks.set(id, track);
      this.points++;
    }
    this.trim(track, t);
    while (this.points > this.total) this.forgetLeastRecent();
  }

  /** One machine's points in the window (oldest first). */
  history(id: string): MachineHistory {
    const now = this.now();
    const track = this.tracks.get(id);
    if (track) this.trim(track, now);
    const d = track?.data ?? [];
    const points: MachineHistoryPoint[] = [];
    for (let i = 0; i < d.length; i += FIELDS) {
      points.push({
        t: d[i],
        cores_allocated: d[i + 1],
        memory_allocated_gb: d[i + 2],
        vm_count: d[i + 3],
        status: this.statuses[d[i + 4]],
      });
    }
    let since = Math.max(this.since, this.forgottenUpTo);
    // Points lost to the bounds: complete from the oldest kept one (the figure at that time).
    if (track && track.dropped > 0 && points.length > 0) since = points[0].t;
    else if (track) since = this.since;
    return { machine_id: id, since, window_ms: this.windowMs, points, dropped: track?.dropped ?? 0 };
  }

  get size(): { machines: number; points: number } {
    return { machines: this.tracks.size, points: this.points };
  }

  private time(at: string): number {
    const t = timeMs(at);
    return Number.isFinite(t) ? t : this.now();
  }

  /**
   * Drops points past the per-machine cap and those older than the window — but keeps the newest
   * point before the window's start: it is the machine's figure when the window opens.
   */
  private trim(track: Track, now: number): void {
    const d = track.data;
    let drop = Math.max(0, d.length / FIELDS - this.perMachine);
    const cutoff = now - this.windowMs;
    while ((drop + 1) * FIELDS < d.length && d[(drop + 1) * FIELDS] <= cutoff) drop++;
    if (drop === 0) return;
    d.splice(0, drop * FIELDS);
    this.points -= drop;
    track.dropped += drop;
  }

  private forgetLeastRecent(): void {
    const [id, track] = this.tracks.entries().next().value as [string, Track];
    this.tracks.delete(id);
    this.points -= track.data.length / FIELDS;
    this.forgottenUpTo = Math.max(this.forgottenUpTo, track.data[track.data.length - FIELDS] ?? 0);
  }
}
