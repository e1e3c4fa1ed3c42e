// The fault and chaos commands: `machine drain|offline|online MACHINE_ID [--evacuate]`,
// `region status CODE STATUS`, `chaos kill-actors --count N` and `chaos fail-machines --rate P
// --duration D`. Input is read with the gate's own rules (faults.ts), so a typo is refused here
// with the words the API would use.

import { ApiError } from '../../errors';
import {
  type ChaosRun,
  type ChaosStep,
  isMachineAction,
  type KillReport,
  MACHINE_ACTIONS,
  type MachineActionReport,
  parseDuration,
  parseRate,
  parseRegionStatus,
} from '../../faults';
import { shown } from '../../quote';
import type { CommandName } from '../command-specs';
import { type CommandRunner, call, numberFlag, print, textFlag } from '../context';
import { pause } from '../interrupt';
import { jsonLines } from '../json-lines';
import { paint } from '../paint';
import { UsageError } from '../usage-error';

export const machine: CommandRunner = async (ctx) => {
  const { env, io, json, color, flags, positionals } = ctx;
  const [action, id] = positionals;
  if (action === 'run') {
    // fly's word: a fly Machine is what Flylight calls a VM.
    throw new UsageError(
      'in Flylight a fly.io Machine is a VM: use `flylight vm run` (a machine here is a physical host)',
      'machine',
    );
  }
  if (!isMachineAction(action)) {
    throw new UsageError(`machine: unknown action '${action}' (${MACHINE_ACTIONS.join(', ')})`, 'machine');
  }
  if (id === undefined) throw new UsageError(`machine ${action} needs MACHINE_ID`, 'machine');
  const evacuate = flags.evacuate === true;
  if (evacuate && action !== 'offline') throw new UsageError('--evacuate goes with `machine offline` only', 'machine');
  const report = await call(ctx, env.api.machineAction(id, action, action === 'offline' ? { evacuate } : undefined));
  if (json) return print(io, jsonLines(report));
  return print(io, machineActionLines(report, color));
};

export function machineActionLines(r: MachineActionReport, color: boolean): string[] {
  const m = r.machine;
  const what =
    r.action === 'drain'
      ? 'is draining: it takes no new VMs and keeps the ones it has'
      : r.action === 'offline'
        ? 'is offline'
        : 'is back online and takes new VMs (VMs that failed with it stay failed)';
  const lines = [`Machine ${paint(m.id, 'bold', color)} (${m.region}) ${what}.`];
  if (r.action === 'offline') {
    lines.push(
      r.failed.length === 0
        ? 'No VM was running on it.'
        : `${r.failed.length} ${r.failed.length === 1 ? 'VM' : 'VMs'} failed with reason host_offline: ${r.failed.map((v) => v.id).join(', ')}`,
    );
  }
  for (const e of r.evacuated) {
    lines.push(
      e.replacement
        ? `  ${e.vm_id} → ${paint(e.replacement.id, 'green', color)} on ${e.replacement.machine_id}`
        : `  ${e.vm_id} → ${paint('not placed', 'red', color)}: ${e.error}`,
    );
  }
  return lines;
}

export const region: CommandRunner = async (ctx) => {
  const { env, io, json, color, positionals } = ctx;
  const [what, code, raw] = positionals;
  if (what !== 'status') throw new UsageError(`region: unknown subcommand '${what}' (status)`, 'region');
  if (raw === undefined)
    throw new UsageError('region status needs CODE and STATUS (operational, degraded or down)', 'region');
  const status = usage(() => parseRegionStatus(raw), 'region');
  const r = await call(ctx, env.api.setRegionStatus(code, status));
  if (json) return print(io, jsonLines(r));
  const effect =
    status === 'Down'
      ? 'launches there are refused, with the nearest regions that have room'
      : status === 'Degraded Performance'
        ? "its VMs' lifecycle stages run slower (the timing profile's degraded_factor)"
        : 'it runs normally';
  return print(io, [`Region ${paint(r.code, 'bold', color)} is ${paint(r.status, 'bold', color)}: ${effect}.`]);
};

export const chaos: CommandRunner = async (ctx) => {
  const { env, io, json, color, flags, positionals } = ctx;
  const action = positionals[0];
  const regionFlag = textFlag(flags, 'vm-region');
  const seed = numberFlag(flags, 'seed');
  if (action === 'kill-actors') {
    const raw = textFlag(flags, 'count');
    if (raw === undefined) throw new UsageError('chaos kill-actors needs --count N', 'chaos');
    // --count is text (launch lets the gate word its range); here it must be 1 to 1000.
    const count = /^[0-9]{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(count >= 1 && count <= 1000)) {
      throw new UsageError(`--count must be a whole number from 1 to 1000; got ${shown(raw)}`, 'chaos');
    }
    const report = await call(ctx, env.api.killActors({ count, region: regionFlag, seed }));
    if (json) return print(io, jsonLines(report));
    return print(io, killLines(report, color));
  }
  if (action === 'fail-machines') {
    if (flags.rate === undefined || flags.duration === undefined) {
      throw new UsageError('chaos fail-machines needs --rate P and --duration D', 'chaos');
    }
    const rate = usage(() => parseRate(flags.rate), 'chaos');
    const duration_s = usage(() => parseDuration(flags.duration, 'duration'), 'chaos');
    const repair_s =
      flags.repair === undefined ? undefined : usage(() => parseDuration(flags.repair, 'repair'), 'chaos');
    let run = await call(ctx, env.api.failMachines({ rate, duration_s, repair_s, region: regionFlag, seed }));
    if (!json) io.out(planLine(run, color));
    // The run goes on in the host; this follows it and prints each step as it happens.
    let shown = 0;
    for (;;) {
      if (!json) for (const s of run.done.slice(shown)) io.out(stepLine(s, color));
      shown = run.done.length;
      if (run.state === 'done') break;
      await pause(500, io.signal);
      run = await call(ctx, env.api.chaosRun(run.id));
    }
    if (json) return print(io, jsonLines(run));
    return print(io, [summaryLine(run)]);
  }
  throw new UsageError(`chaos: unknown action '${action}' (kill-actors, fail-machines)`, 'chaos');
};

/** Bad input in the API's own words, as a usage error (exit 2). */
function usage<T>(read: () => T, command: CommandName): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ApiError) throw new UsageError(err.message, command);
    throw err;
  }
}

export function killLines(r: KillReport, color: boolean): string[] {
  if (r.killed.length === 0) return [`No actor to kill (seed ${r.seed}).`];
  return [
    `Killed ${r.killed.length} ${r.killed.length === 1 ? 'actor' : 'actors'} (seed ${r.seed}, replay with --seed ${r.seed}):`,
    ...r.killed.map((k) => `  ${paint(k.actor, 'bold', color)}`),
    `The supervisor restarted them: ${r.restarts} ${r.restarts === 1 ? 'restart' : 'restarts'} since the orchestrator started.`,
  ];
}

export function planLine(run: ChaosRun, color: boolean): string {
  const where = run.region ? ` in ${run.region}` : '';
  return `${paint(run.id, 'bold', color)} (seed ${run.seed}): ${run.plan.length} machine ${run.plan.length === 1 ? 'failure' : 'failures'} planned over ${run.duration_s} s${where}, rate ${run.rate}/machine/s, repair ~${run.repair_s} s`;
}

export function stepLine(s: ChaosStep, color: boolean): string {
  const t = `+${(s.at_ms / 1000).toFixed(1)}s`;
  if (s.error) return `${t} ${s.machine_id} ${s.action}: ${paint(`failed: ${s.error}`, 'red', color)}`;
  if (s.action === 'online') return `${t} ${s.machine_id} ${paint('online', 'green', color)}`;
  return `${t} ${s.machine_id} ${paint('offline', 'red', color)}, ${s.failed_vms} ${s.failed_vms === 1 ? 'VM' : 'VMs'} failed`;
}

export function summaryLine(run: ChaosRun): string {
  const outages = run.done.filter((s) => s.action === 'offline' && !s.error).length;
  const failed = run.done.reduce((a, s) => a + s.failed_vms, 0);
  return `Done: ${outages} ${outages === 1 ? 'outage' : 'outages'}, ${failed} ${failed === 1 ? 'VM' : 'VMs'} failed; replay with --seed ${run.seed}.`;
}
