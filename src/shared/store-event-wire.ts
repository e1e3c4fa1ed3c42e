// StoreEvents as they cross from the store to its subscribers (the proxy, the host). A launch
// under the instant profile makes four `vm` events for one VM that differ only in their state
// and steps; sent as they are, each carries its own copy of the VM, cloned for every subscriber
// (structured cloning is most of what a crossing costs after the wake-up). So the events of one
// turn cross as one list, and consecutive `vm` events of one VM as one group carrying the VM
// once. Subscribers get exactly the events the store made, in order.

import { STORE_EVENTS } from './services';
import type { StoreEvent, Vm, VmState } from './types';

type VmEvent = Extract<StoreEvent, { type: 'vm' }>;

/** One `vm` event of a group: seq, at, from, to, reason (null when none). */
export type VmStep = [number, string, VmState | null, VmState, string | null];

/** Consecutive `vm` events of one VM: the VM once (its state is each step's `to`). */
export interface VmGroup {
  t: 'vm-steps';
  vm: Vm;
  steps: VmStep[];
}

export type WireItem = StoreEvent | VmGroup;

/** The same VM but for its state (the four events of a launch). */
function sameButState(a: Vm, b: Vm): boolean {
  if (a.id !== b.id) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (k !== 'state' && (a as unknown as Record<string, unknown>)[k] !== (b as unknown as Record<string, unknown>)[k])
      return false;
  }
  return true;
}

function step(e: VmEvent): VmStep {
  return [e.seq, e.at, e.from, e.to, e.reason ?? null];
}

/** A turn's events as they cross. */
export function packEvents(events: readonly StoreEvent[]): WireItem[] {
  const out: WireItem[] = [];
  let group: VmGroup | null = null;
  for (const e of events) {
    if (e.type !== 'vm') {
      group = null;
      out.push(e);
      continue;
    }
    // The VM's own fields must match the events' shape: a reason lives on the event, not the VM copy.
    if (group && sameButState(group.vm, e.vm)) {
      group.steps.push(step(e));
      continue;
    }
    group = { t: 'vm-steps', vm: e.vm, steps: [step(e)] };
    out.push(group);
  }
  return out;
}

/** Each event of what crossed (a list from packEvents, or a single event), in order. */
export function unpackEvents(data: unknown, each: (e: StoreEvent) => void): void {
  if (!Array.isArray(data)) {
    each(data as StoreEvent);
    return;
  }
  for (const item of data as WireItem[]) {
    if ((item as VmGroup)?.t !== 'vm-steps') {
      each(item as StoreEvent);
      continue;
    }
    const { vm, steps } = item as VmGroup;
    for (const [seq, at, from, to, reason] of steps) {
      // The same shape and key order transitionEvents gives, so SSE frames are byte for byte the same.
      const e: VmEvent = { type: 'vm', seq, at, vm: { ...vm, state: to }, from, to };
      if (reason !== null) e.reason = reason;
      each(e);
    }
  }
}

/** For RpcClient's `decode`: subscribers of STORE_EVENTS get one StoreEvent at a time. */
export const EVENT_DECODERS = {
  [STORE_EVENTS]: (data: unknown, each: (e: unknown) => void) => unpackEvents(data, each),
} as const;
