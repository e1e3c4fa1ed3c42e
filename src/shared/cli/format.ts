// How the fleet reads in a terminal, for the CLI and the console pane: its tables, the one-line
// answers of launch, destroy and reset, status, and the event lines of `watch`. Colour comes
// from the shared severity and percent rules, so the dashboard and the CLI agree.

import type { ResetReport } from '../api';
import { type MachineCondition, machineCondition } from '../machine-status';
import { formatPercent, percent, utilisation } from '../percent';
import { regionSeverity, type Severity } from '../region-status';
import type { BreakerStatus, Machine, Region, StatusReport, StoreEvent, Vm } from '../types';

import { paint, type Style } from './paint';
import { table } from './table';

function utilStyle(p: number): Style | null {
  if (p >= 90) return 'red';
  if (p >= 60) return 'yellow';
  if (p > 0) return 'cyan';
  return 'gray';
}

const SEVERITY_STYLE: Record<Severity, Style> = { ok: 'green', warn: 'yellow', bad: 'red' };

export function regionStatusStyle(status: string): Style {
  return SEVERITY_STYLE[regionSeverity(status)];
}

const CONDITION_STYLE: Record<MachineCondition, Style> = {
  free: 'green',
  alloc: 'cyan',
  full: 'yellow',
  maint: 'yellow',
  off: 'red',
};

/** As the dashboard: maintenance is a warning (amber there, yellow here), offline is red. */
export function machineStatusStyle(status: string): Style {
  return CONDITION_STYLE[machineCondition(status)];
}

const used = (a: number, t: number) => `${a}/${t}`;

export function regionsTable(regions: readonly Region[], opts: { color: boolean; width?: number }): string[] {
  return table<Region>(
    [
      { header: 'CODE', value: (r) => r.code, style: () => 'bold' },
      { header: 'LOCATION', value: (r) => r.location, shrink: true },
      { header: 'STATUS', value: (r) => r.status, style: (r) => regionStatusStyle(r.status), shrink: true },
      { header: 'MACHINES', align: 'right', value: (r) => String(r.machine_count) },
      { header: 'CORES', align: 'right', value: (r) => used(r.cores_allocated, r.cores_total) },
      { header: 'MEMORY GB', align: 'right', value: (r) => used(r.memory_allocated_gb, r.memory_total_gb) },
      {
        header: 'UTIL%',
        align: 'right',
        value: (r) => formatPercent(utilisation(r)),
        style: (r) => utilStyle(utilisation(r)),
      },
      // How many reference VMs (2 cores, 4 GB) still fit, machine by machine (stranded capacity is in --json).
      { header: 'CAPACITY', align: 'right', value: (r) => (r.capacity ? String(r.capacity.reference_vms_free) : '-') },
    ],
    regions,
    opts,
  );
}

export function machinesTable(machines: readonly Machine[], opts: { color: boolean; width?: number }): string[] {
  return table<Machine>(
    [
      { header: 'MACHINE', value: (m) => m.id, style: () => 'bold' },
      { header: 'DC', value: (m) => m.datacenter ?? '', shrink: true },
      { header: 'STATUS', value: (m) => m.status, style: (m) => machineStatusStyle(m.status) },
      {
        header: 'CORES',
        align: 'right',
        value: (m) => used(m.cores_allocated, m.cores_total),
        style: (m) => (m.cores_allocated > 0 ? 'cyan' : null),
      },
      {
        header: 'MEMORY GB',
        align: 'right',
        value: (m) => used(m.memory_allocated_gb, m.memory_total_gb),
        style: (m) => (m.memory_allocated_gb > 0 ? 'cyan' : null),
      },
      { header: 'VMS', align: 'right', value: (m) => String(m.vm_count) },
      { header: 'UPDATED', value: (m) => shortTime(m.updated_at), style: () => 'gray' },
    ],
    machines,
    opts,
  );
}

export function vmsTable(vms: readonly Vm[], opts: { color: boolean; width?: number }): string[] {
  return table<Vm>(
    [
      { header: 'VM', value: (v) => v.id, style: () => 'bold' },
      { header: 'REGION', value: (v) => v.region },
      { header: 'MACHINE', value: (v) => v.machine_id, shrink: true },
      { header: 'MEMORY GB', align: 'right', value: (v) => String(v.memory_gb) },
      { header: 'CORES', align: 'right', value: (v) => String(v.cores) },
      { header: 'STATE', value: (v) => v.state, style: (v) => vmStateStyle(v.state) },
      { header: 'CREATED', value: (v) => shortTime(v.created_at), style: () => 'gray' },
    ],
    vms,
    opts,
  );
}

/** `2025-11-27T20:47:03.123Z` → `2025-11-27 20:47:03` (UTC, as the wire has it). */
export function shortTime(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(iso ?? '');
  return m ? `${m[1]} ${m[2]}` : String(iso ?? '');
}

export function launchedLine(vm: Vm, color: boolean): string {
  // The seed's line for a started VM; one that is still on its way, or failed, says so.
  const state =
    vm.state === 'started'
      ? ''
      : ` · ${paint(vm.state, vmStateStyle(vm.state), color)}${vm.reason ? ` (${vm.reason})` : ''}`;
  return `Launched ${paint(vm.id, 'bold', color)} on ${paint(vm.machine_id, 'cyan', color)} (${vm.region}): ${vm.memory_gb} GB, ${vm.cores} ${plural(vm.cores, 'core')}${state}`;
}

export function destroyedLine(vm: Vm, color: boolean): string {
  return `Destroyed ${paint(vm.id, 'bold', color)} on ${paint(vm.machine_id, 'cyan', color)} (${vm.region}): freed ${vm.memory_gb} GB, ${vm.cores} ${plural(vm.cores, 'core')}`;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export function statusLines(st: StatusReport, color: boolean): string[] {
  const f = st.fleet;
  const label = (t: string) => paint(t.padEnd(10), 'bold', color);
  const pct = (a: number, t: number) => {
    const p = percent(a, t);
    return paint(formatPercent(p), utilStyle(p), color);
  };
  const workers = st.workers.map((w) => {
    const state = paint(w.state, w.state === 'ready' ? 'green' : w.state === 'stopped' ? 'red' : 'yellow', color);
    return `${w.name} ${state} (${w.restarts} ${w.restarts === 1 ? 'restart' : 'restarts'})`;
  });
  const r = st.requests;
  const lines = [
    `${label('Flylight')}${st.version} at ${st.api}, up ${formatUptime(st.uptime_s)}`,
    `${label('Fleet')}${f.regions} regions, ${f.machines} machines, ${f.vms} ${plural(f.vms, 'VM')}`,
    `${label('Cores')}${f.cores_allocated} of ${f.cores_total} allocated (${pct(f.cores_allocated, f.cores_total)})`,
    `${label('Memory')}${f.memory_allocated_gb} of ${f.memory_total_gb} GB allocated (${pct(f.memory_allocated_gb, f.memory_total_gb)})`,
    `${label('FlyD')}flushes every ${st.flyd_interval_ms} ms`,
    `${label('Workers')}${workers.join(', ')}`,
    `${label('Requests')}${r.total} total, ${r.errors > 0 ? paint(String(r.errors), 'red', color) : '0'} ${plural(r.errors, 'error')}; launches ${r.launches_ok} ok, ${r.launches_failed > 0 ? paint(String(r.launches_failed), 'yellow', color) : '0'} failed`,
  ];
  if (st.breaker) lines.push(`${label('Breaker')}${breakerText(st.breaker, color)}`);
  return lines;
}

/** The circuit breaker between proxy and orchestrator, in words. */
export function breakerText(b: BreakerStatus, color: boolean): string {
  const history = b.opened === 0 ? 'never opened' : `opened ${b.opened} ${plural(b.opened, 'time')} since start`;
  switch (b.state) {
    case 'open': {
      const wait = b.retry_after_s !== undefined ? `, next probe in ${b.retry_after_s} s` : '';
      return `${paint('open', 'red', color)}: the orchestrator is not answering, requests fail fast with 503${wait} (${history})`;
    }
    case 'half_open':
      return `${paint('half open', 'yellow', color)}: probing the orchestrator with one request (${history})`;
    default: {
      const recent = b.failures > 0 ? `, ${b.failures} recent ${plural(b.failures, 'failure')}` : '';
      return `${paint('closed', b.failures > 0 ? 'yellow' : 'green', color)}${recent} (${history})`;
    }
  }
}

export function resetLine(r: ResetReport, color: boolean): string {
  return `${paint('Fleet reset', 'bold', color)}: ${r.regions} ${plural(r.regions, 'region')}, ${r.machines} ${plural(r.machines, 'machine')}, all VMs destroyed.`;
}

/** One line per store event, for `watch`. */
export function eventLine(e: StoreEvent, color: boolean): string {
  const time = paint(clock(e.at), 'gray', color);
  if (e.type === 'reset')
    return `${time} ${paint('reset', 'magenta', color)}: the fleet is back to its bootstrap state`;
  if (e.type === 'region')
    return `${time} ${paint(e.region.code, 'bold', color)} region status: ${paint(e.region.status, regionStatusStyle(e.region.status), color)}`;
  if (e.type === 'actor')
    return `${time} ${paint('supervisor', 'magenta', color)}: ${e.actor} crashed (${e.cause}) and was restarted · ${e.restarts} ${plural(e.restarts, 'restart')} so far`;
  if (e.type === 'vm') {
    const why = e.reason ? ` (${e.reason})` : '';
    return `${time} ${paint(e.vm.region, 'bold', color)} ${e.vm.id} on ${e.vm.machine_id}: ${e.from ?? 'new'} → ${paint(e.to, vmStateStyle(e.to), color)}${why}`;
  }
  const m = e.machine;
  const r = e.region;
  return (
    `${time} ${paint(m.region, 'bold', color)} ${m.id} ${paint(m.status, machineStatusStyle(m.status), color)}: ` +
    `cores ${used(m.cores_allocated, m.cores_total)}, memory ${used(m.memory_allocated_gb, m.memory_total_gb)} GB, ` +
    `${m.vm_count} ${plural(m.vm_count, 'VM')} · region ${formatPercent(utilisation(r))} used`
  );
}

/** Green at rest and working, red when failed, yellow on the way somewhere, gray otherwise. */
export function vmStateStyle(state: string): 'green' | 'red' | 'yellow' | 'gray' {
  if (state === 'started') return 'green';
  if (state === 'failed') return 'red';
  if (state.endsWith('ing')) return 'yellow';
  return 'gray';
}

function clock(iso: string): string {
  const m = /T(\d\d:\d\d:\d\d)/.exec(iso ?? '');
  return m ? m[1] : String(iso ?? '');
}
