// Chaos, seeded so a run replays: kill-actors crashes MachineD/FlyD actors (the supervisor
// restarts them, counts it and the orchestrator publishes an `actor` event), fail-machines takes
// machines offline at random over time and brings each back after its repair time. Victims are
// drawn from this host's machines in id order with mulberry32(seed): the same seed on the same
// fleet picks the same victims. A run without a seed draws one and reports it.

import { randomInt } from 'node:crypto';
import { ApiError } from '../../shared/errors';
import type { MachineActionReport } from '../../shared/faults';
import {
  type ChaosRun,
  type ChaosStep,
  checkSeed,
  failurePlan,
  type Kill,
  type KillReport,
  MAX_CHAOS_KILLS,
  pickDistinct,
} from '../../shared/faults';
import { mulberry32 } from '../../shared/random';
import type { FailRequest, KillRequest } from '../../shared/services';
import type { Logger } from '../common/log';
import type { Clock } from './clock';
import { crashFlyd } from './flyd';
import { crashMachined } from './machined';
import { type MachineEntry, type Registry, regionKey } from './registry';
import type { Supervisor } from './supervisor';

export interface ChaosDeps {
  registry: Registry;
  supervisor: Supervisor;
  clock: Clock;
  /** The host's --seed: runs without their own seed draw theirs from it, so a host replays. */
  seed?: number;
  machineAction(id: string, action: 'offline' | 'online'): Promise<MachineActionReport>;
  log: Logger;
}

/** Longest fail-machines run: an hour of simulated faults. */
export const MAX_CHAOS_DURATION_S = 3600;
const DEFAULT_REPAIR_S = 10;
/** Runs kept for GET after they finish. */
const KEEP_RUNS = 20;

export class Chaos {
  private readonly runs = new Map<string, { run: ChaosRun; cancel: (() => void)[] }>();
  private next = 1;
  private readonly seeds: (() => number) | null;

  constructor(private readonly deps: ChaosDeps) {
    const hostRng = deps.seed === undefined ? null : mulberry32(deps.seed);
    this.seeds = hostRng && (() => Math.floor(hostRng() * 2 ** 32));
  }

  /** Crashes `count` distinct machines' MachineD or FlyD; resolves once all run again. */
  async killActors(req: KillRequest): Promise<KillReport> {
    const count = req?.count;
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_CHAOS_KILLS) {
      throw new ApiError('bad_request', `count must be a whole number from 1 to ${MAX_CHAOS_KILLS}`, {
        field: 'count',
      });
    }
    const seed = this.seedOf(req.seed);
    const rng = mulberry32(seed);
    // A shared fleet: only the machines this host owns run their actors here.
    const pool = this.machines(req.region).filter((e) => e.owned);
    // One actor per machine: MachineD and FlyD of one machine dying together cannot be rebuilt
    // in place (unflushed changes would be lost), which escalates to a worker restart instead.
    const victims = pickDistinct(pool, count, rng);
    const killed: Kill[] = victims.map((e) => {
      const kind = rng() < 0.5 ? 'machined' : 'flyd';
      return { actor: `${kind} ${e.record.id}`, machine_id: e.record.id, kind };
    });
    for (let i = 0; i < victims.length; i++) {
      if (killed[i].kind === 'machined') crashMachined(victims[i].machined);
      else crashFlyd(victims[i].flyd);
    }
    this.deps.log.warn('chaos killed actors', { seed, count: killed.length, region: req.region ?? null });
    await this.running(victims);
    return { seed, killed, restarts: this.deps.supervisor.restarts };
  }

  /** Starts a fail-machines run in the background; answers at once with its plan. */
  failMachines(req: FailRequest): ChaosRun {
    const rate = req?.rate;
    if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) {
      throw new ApiError('bad_request', 'rate must be a probability per machine per second, above 0 and at most 1', {
        field: 'rate',
      });
    }
    const duration_s = req.duration_s;
    if (typeof duration_s !== 'number' || !(duration_s > 0 && duration_s <= MAX_CHAOS_DURATION_S)) {
      throw new ApiError('bad_request', `duration must be from 1 s to ${MAX_CHAOS_DURATION_S} s`, {
        field: 'duration_s',
      });
    }
    const repair_s = req.repair_s ?? DEFAULT_REPAIR_S;
    if (typeof repair_s !== 'number' || !(repair_s >= 0 && repair_s <= MAX_CHAOS_DURATION_S)) {
      throw new ApiError('bad_request', `repair must be from 0 s to ${MAX_CHAOS_DURATION_S} s`, { field: 'repair_s' });
    }
    const seed = this.seedOf(req.seed);
    // Machines an operator already took out are left alone: chaos must not bring them back.
    const ids = this.machines(req.region)
      .filter((e) => e.capacity.schedulable)
      .map((e) => e.record.id);
    const plan = failurePlan(ids, rate, Math.round(duration_s * 1000), Math.round(repair_s * 1000), mulberry32(seed));
    const run: ChaosRun = {
      id: `chaos-${this.next++}`,
      seed,
      rate,
      duration_s,
      repair_s,
      region: req.region ? regionKey(req.region) : null,
      state: plan.length === 0 ? 'done' : 'running',
      started_at: new Date(this.deps.clock.now()).toISOString(),
      plan,
      done: [],
    };
    const cancel: (() => void)[] = [];
    let open = plan.length * 2;
    const step = async (at_ms: number, machine_id: string, action: 'offline' | 'online') => {
      const s: ChaosStep = { at_ms, machine_id, action, failed_vms: 0 };
      try {
        const report = await this.deps.machineAction(machine_id, action);
        s.failed_vms = report.failed.length;
      } catch (err) {
        s.error = (err as Error).message;
      }
      run.done.push(s);
      if (--open === 0) run.state = 'done';
    };
    for (const f of plan) {
      cancel.push(this.deps.clock.after(f.at_ms, () => void step(f.at_ms, f.machine_id, 'offline')));
      cancel.push(
        this.deps.clock.after(f.at_ms + f.down_ms, () => void step(f.at_ms + f.down_ms, f.machine_id, 'online')),
      );
    }
    this.keep(run, cancel);
    this.deps.log.warn('chaos fail-machines started', { run: run.id, seed, rate, duration_s, failures: plan.length });
    return run;
  }

  run(id: string): ChaosRun {
    const r = this.runs.get(id);
    if (!r) throw new ApiError('not_found', `no chaos run ${JSON.stringify(String(id)).slice(0, 60)}`);
    return r.run;
  }

  /** Stops every pending step (the orchestrator is shutting down or being rebuilt). */
  stop(): void {
    for (const r of this.runs.values()) for (const c of r.cancel) c();
  }

  private keep(run: ChaosRun, cancel: (() => void)[]): void {
    this.runs.set(run.id, { run, cancel });
    for (const [id, r] of this.runs) {
      if (this.runs.size <= KEEP_RUNS) break;
      if (r.run.state === 'done') this.runs.delete(id);
    }
  }

  private machines(region?: string): MachineEntry[] {
    if (region !== undefined && (typeof region !== 'string' || region.trim() === '')) {
      throw new ApiError('bad_request', 'region must be a region code such as SIN', { field: 'region' });
    }
    const list = region ? [...this.deps.registry.inRegion(region)] : [...this.deps.registry.entries()];
    if (region && list.length === 0) throw new ApiError('unknown_region', `no machines in region ${regionKey(region)}`);
    return list.sort((a, b) => (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0));
  }

  /** The run's seed: the caller's, else the next from the host's seed, else a fresh one. */
  private seedOf(raw: unknown): number {
    if (raw !== undefined && raw !== null) return checkSeed(raw);
    return this.seeds ? this.seeds() : randomInt(0, 2 ** 32 - 1);
  }

  /** Waits (briefly) until every victim's actors run again, so the report counts the restarts. */
  private async running(victims: MachineEntry[]): Promise<void> {
    for (let i = 0; i < 200; i++) {
      await new Promise<void>((r) => setImmediate(r));
      if (victims.every((e) => e.machined.state === 'running' && e.flyd.state === 'running')) {
        if (i > 0) return;
      }
    }
  }
}
