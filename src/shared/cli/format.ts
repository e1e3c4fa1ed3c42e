// Output formatting shared by the CLI and the console pane: aligned tables, ANSI colour only
// when the IO asks for it, and stable pretty JSON. Everything returns lines without '\n'.

import type { ResetReport } from '../api';
import type { BreakerStatus, Machine, Region, StatusReport, StoreEvent, Vm } from '../types';

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray';

const SGR: Record<Style, string> = {
  bold: '1',
  dim: '2',
  red: '31',
  green: '32',
  yellow: '33',
  blue: '34',
  magenta: '35',
  cyan: '36',
  gray: '90',
};

export function paint(text: string, style: Style | null | undefined, color: boolean): string {
  if (!color || !style || text === '') return text;
  return `\x1b[${SGR[style]}m${text}\x1b[0m`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\x1b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Width on screen: ANSI codes take none. (Everything we print is narrow, single-width text.) */
export function visibleLength(text: string): number {
  return [...stripAnsi(text)].length;
}

export interface Column<T> {
  header: string;
  align?: 'left' | 'right';
  value(row: T): string;
  style?(row: T): Style | null;
  /** May be cut with '…' when the table is wider than the terminal. */
  shrink?: boolean;
}

const GAP = '  ';
const MIN_SHRUNK = 8;

/** An aligned table: header row, then one line per row. Trailing spaces are trimmed. */
export function table<T>(columns: Column<T>[], rows: readonly T[], opts: { color: boolean; width?: number }): string[] {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => visibleLength(row[i]))));
  if (opts.width && opts.width > 0) {
    let excess = widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1) - opts.width;
    columns.forEach((c, i) => {
      if (excess <= 0 || !c.shrink) return;
      const floor = Math.max(MIN_SHRUNK, c.header.length);
      const cut = Math.min(excess, widths[i] - floor);
      if (cut > 0) {
        widths[i] -= cut;
        excess -= cut;
      }
    });
  }
  const line = (texts: string[], styles: (Style | null)[]) =>
    texts
      .map((t, i) => {
        const fitted = fitCell(t, widths[i]);
        const pad = ' '.repeat(widths[i] - visibleLength(fitted));
        const painted = paint(fitted, styles[i], opts.color);
        return columns[i].align === 'right' ? pad + painted : painted + pad;
      })
      .join(GAP)
      .trimEnd();
  const header = line(
    columns.map((c) => c.header),
    columns.map(() => 'bold'),
  );
  return [
    header,
    ...cells.map((row, r) =>
      line(
        row,
        columns.map((c) => c.style?.(rows[r]) ?? null),
      ),
    ),
  ];
}

function fitCell(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** Pretty JSON with keys sorted at every level, so the output of a script's run is stable. */
export function jsonLines(value: unknown): string[] {
  return JSON.stringify(sortKeys(value), null, 2).split('\n');
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

export function percent(part: number, total: number): number {
  return total > 0 ? (part / total) * 100 : 0;
}

export function formatPercent(p: number): string {
  // A little use must not read as none: 4 of 10,768 cores is not "0.0%".
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p).toString()}%`;
}

/** The larger of core and memory use: whichever runs out first limits launches. */
export function utilisation(x: {
  cores_allocated: number;
  cores_total: number;
  memory_allocated_gb: number;
  memory_total_gb: number;
}): number {
  return Math.max(percent(x.cores_allocated, x.cores_total), percent(x.memory_allocated_gb, x.memory_total_gb));
}

function utilStyle(p: number): Style | null {
  if (p >= 90) return 'red';
  if (p >= 60) return 'yellow';
  if (p > 0) return 'cyan';
  return 'gray';
}

export function regionStatusStyle(status: string): Style {
  if (status === 'Operational') return 'green';
  if (/degraded/i.test(status)) return 'yellow';
  return 'red';
}

export function machineStatusStyle(status: string): Style {
  if (status === 'available') return 'green';
  if (status === 'allocated') return 'cyan';
  if (status === 'full') return 'yellow';
  return 'red';
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
  return `Launched ${paint(vm.id, 'bold', color)} on ${paint(vm.machine_id, 'cyan', color)} (${vm.region}): ${vm.memory_gb} GB, ${vm.cores} ${plural(vm.cores, 'core')}`;
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
