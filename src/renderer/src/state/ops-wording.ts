// What the dashboard says around an operator's act: the question before a destructive one, the
// toast after it, and a launch refusal taken apart into what the refusal panel shows. Pure, so
// every sentence is unit-tested; the components only lay it out.

import { ApiError } from '../../../shared/errors';
import { HOST_OFFLINE, type KnownRegionStatus, type MachineActionReport } from '../../../shared/faults';
import type { Nearby } from '../../../shared/geo';
import { isTransient, type LifecycleState } from '../../../shared/lifecycle';
import { cores, type PlacementPlan, type Slot } from '../../../shared/placement';
import type { Machine, Vm } from '../../../shared/types';

export type MachineOp = 'drain' | 'offline' | 'evacuate' | 'online';

/** A question before an act: null when the act needs none (nothing is lost by it). */
export interface Confirmation {
  title: string;
  consequence: string;
  details: string[];
  confirmLabel: string;
}

const vmsWord = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'VM' : 'VMs'}`;

/** Which machine ops make sense for a machine in this status (the rest are shown disabled). */
export function machineOpEnabled(status: string, op: MachineOp): boolean {
  if (op === 'drain') return status !== 'draining' && status !== 'offline';
  if (op === 'online') return status === 'draining' || status === 'offline' || status === 'maintenance';
  return status !== 'offline';
}

/** `vm_count` is what the machine holds now: exactly the VMs that fail when it goes offline. */
export function machineConfirmation(
  m: Pick<Machine, 'id' | 'region' | 'vm_count'>,
  op: MachineOp,
): Confirmation | null {
  if (op === 'drain' || op === 'online') return null;
  const n = m.vm_count;
  const fail =
    n === 0
      ? `No VM runs on ${m.id}: nothing fails.`
      : `${vmsWord(n)} will fail with ${HOST_OFFLINE} and free what ${n === 1 ? 'it holds' : 'they hold'}.`;
  const details = [
    `${m.id} takes no new VMs until it is brought online.`,
    'VMs that fail stay failed when it comes back (a host coming back resurrects nothing).',
  ];
  if (op === 'evacuate') {
    details.unshift(
      n === 0
        ? 'There is nothing to evacuate.'
        : `Each gets a replacement VM (a new id, same size) placed in ${m.region} through normal placement; any that cannot be placed is reported.`,
    );
  }
  return {
    title: op === 'evacuate' ? `Take ${m.id} offline and evacuate?` : `Take ${m.id} offline?`,
    consequence: fail,
    details,
    confirmLabel: op === 'evacuate' ? (n === 0 ? 'Take offline' : `Fail and re-place ${vmsWord(n)}`) : 'Take offline',
  };
}

/** Down refuses every launch there; the other statuses lose nothing and need no question. */
export function regionConfirmation(
  r: { code: string; vm_count: number },
  status: KnownRegionStatus,
): Confirmation | null {
  if (status !== 'Down') return null;
  return {
    title: `Mark ${r.code} Down?`,
    consequence: `Every launch in ${r.code} will be refused with region_down, naming the nearest regions with room.`,
    details: [
      r.vm_count === 0
        ? `No VM runs in ${r.code} now.`
        : `The ${vmsWord(r.vm_count)} already there keep running; only new launches are refused.`,
      'Set it back to Operational to take launches again.',
    ],
    confirmLabel: `Mark ${r.code} Down`,
  };
}

export type Tone = 'ok' | 'warn' | 'bad';

export interface Notice {
  tone: Tone;
  title: string;
  lines: string[];
}

/** What a machine action did, for its toast: each VM that could not be placed is named. */
export function machineActionNotice(r: MachineActionReport, evacuate: boolean): Notice {
  const id = r.machine.id;
  if (r.action === 'drain') {
    return { tone: 'ok', title: `${id} is draining`, lines: ['It takes no new VMs; its VMs keep running.'] };
  }
  if (r.action === 'online') {
    return { tone: 'ok', title: `${id} is back online`, lines: ['It takes new VMs again.'] };
  }
  const lines: string[] = [];
  lines.push(
    r.failed.length === 0 ? 'No VM was running on it.' : `${vmsWord(r.failed.length)} failed with ${HOST_OFFLINE}.`,
  );
  if (!evacuate) return { tone: r.failed.length > 0 ? 'warn' : 'ok', title: `${id} is offline`, lines };
  const placed = r.evacuated.filter((e) => e.replacement);
  const stranded = r.evacuated.filter((e) => !e.replacement);
  if (placed.length > 0) {
    const where = [...new Set(placed.map((e) => e.replacement?.machine_id))].join(', ');
    lines.push(`${vmsWord(placed.length)} re-placed on ${where}.`);
  }
  for (const e of stranded) lines.push(`${e.vm_id} could not be placed: ${e.error ?? 'no reason given'}`);
  return {
    tone: stranded.length > 0 ? 'bad' : r.failed.length > 0 ? 'warn' : 'ok',
    title: `${id} is offline${r.failed.length > 0 ? ', evacuated' : ''}`,
    lines,
  };
}

export function regionStatusNotice(code: string, status: string): Notice {
  const tone: Tone = status === 'Operational' ? 'ok' : 'warn';
  const line =
    status === 'Down'
      ? 'Launches there are refused with the nearest regions that have room.'
      : status === 'Operational'
        ? 'Launches there run normally.'
        : "Lifecycle stages there run slower (the timing profile's degraded factor).";
  return { tone, title: `${code} is ${status}`, lines: [line] };
}

/** A launch refusal taken apart: what the panel shows beyond the message. */
export interface Refusal {
  code: string;
  message: string;
  /** no_capacity: the largest free slots that exist, per region tried. */
  slots: { region: string | null; slots: Slot[] }[];
  /** region_down: where a launch would fit, nearest first. */
  suggestions: Nearby[];
  /** Worth a per-machine explanation from POST /v1/place. */
  explainable: boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function slotsOf(v: unknown): Slot[] {
  if (!Array.isArray(v)) return [];
  return v.filter(
    (s): s is Slot =>
      isObj(s) && typeof s.machine_id === 'string' && typeof s.cores === 'number' && typeof s.memory_gb === 'number',
  );
}

export function launchRefusal(err: unknown): Refusal {
  const code = err instanceof ApiError ? err.code : 'internal';
  const message = err instanceof Error ? err.message : String(err);
  const d = err instanceof ApiError && isObj(err.details) ? err.details : {};
  const slots: Refusal['slots'] = [];
  if (Array.isArray(d.regions)) {
    for (const r of d.regions) {
      if (isObj(r))
        slots.push({ region: typeof r.region === 'string' ? r.region : null, slots: slotsOf(r.largest_slots) });
    }
  } else if (d.largest_slots) {
    slots.push({ region: null, slots: slotsOf(d.largest_slots) });
  }
  const suggestions = Array.isArray(d.suggestions)
    ? d.suggestions.filter(
        (n): n is Nearby => isObj(n) && typeof n.code === 'string' && (n.km === null || typeof n.km === 'number'),
      )
    : [];
  return { code, message, slots, suggestions, explainable: code === 'no_capacity' };
}

/**
 * A dry run's one-line verdict on the whole request: how many of the VMs asked for the region's
 * machines have room for now. A batch is all or nothing, so every machine may fit one VM and the
 * batch still not fit: this says by how much.
 */
export function planSummary(plan: PlacementPlan): string {
  const fitting = plan.verdicts.filter((v) => v.reasons.length === 0);
  const room = fitting.reduce(
    (n, v) => n + Math.min(Math.floor(v.cores_free / plan.cores), Math.floor(v.memory_free_gb / plan.memory_gb)),
    0,
  );
  const machines = `${fitting.length} of ${plan.verdicts.length} ${plan.verdicts.length === 1 ? 'machine' : 'machines'} fit one VM`;
  if (plan.placements.length > 0) return `${machines}; all ${plan.count} placed`;
  if (plan.count === 1) return `${machines}; none has room`;
  return `${machines}; room for ${Math.min(room, plan.count)} of the ${plan.count} VMs asked (all or none)`;
}

export function slotText(s: Slot): string {
  return `${s.memory_gb} GB with ${cores(s.cores)}`;
}

export function nearbyText(n: Nearby): string {
  return n.km === null ? n.code : `${n.code} · ${n.km.toLocaleString('en-US')} km`;
}

// ---- VM states on a card ----------------------------------------------------------------

/** The order states are counted in on a card: running first, trouble last. */
const STATE_ORDER: readonly LifecycleState[] = [
  'started',
  'creating',
  'created',
  'starting',
  'restarting',
  'stopping',
  'suspending',
  'destroying',
  'stopped',
  'suspended',
  'failed',
  'destroyed',
];

export interface StateCount {
  state: LifecycleState;
  count: number;
  transient: boolean;
}

export function countByState(vms: Iterable<Vm>): StateCount[] {
  const counts = new Map<LifecycleState, number>();
  for (const vm of vms) counts.set(vm.state, (counts.get(vm.state) ?? 0) + 1);
  return STATE_ORDER.filter((s) => counts.has(s)).map((state) => ({
    state,
    count: counts.get(state) as number,
    transient: isTransient(state),
  }));
}

/** VMs in the order their chips are drawn: oldest first, so a chip keeps its place as its state changes. */
export function chipOrder(vms: Iterable<Vm>): Vm[] {
  return [...vms].sort((a, b) =>
    a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

/** A chip's tooltip: the VM, its size and state, and why when it failed. */
export function chipTitle(vm: Vm): string {
  const why = vm.reason ? ` — ${vm.reason}` : '';
  return `${vm.id} · ${vm.memory_gb} GB, ${cores(vm.cores)} · ${vm.state}${why}`;
}
