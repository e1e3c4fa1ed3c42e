// StoreEvents as they cross from the store to its subscribers (the proxy, the host). A launch
// under the instant profile makes four `vm` events for one VM that differ only in their state
// and steps, and FlyD's update a `machine` event with its region's figures. Structured cloning
// them was most of what a crossing cost: every object and every array (V8 collects an array's
// keys before cloning it) walked once per subscriber, and rebuilt once per subscriber.
//
// So a turn's events cross as ONE string, made once whoever reads them: a JSON array of plain
// values (./store-event-flat), the VM of a launch's steps once, no key names. A string is
// copied to each port as bytes, and JSON.parse of a flat array is the fastest way V8 has to
// rebuild values. Subscribers get exactly the events the store made, in order, objects with the
// same keys in the same order (SSE frames are byte for byte the same).
//
// Only events whose objects are in the shapes the store builds are written flat; a turn with
// anything else (a VM with a field the flat form does not know, a value JSON would not give
// back) crosses as it used to: a list of events, a launch's steps grouped (WireItem[]).

import { STORE_EVENTS } from './services';
import { decodeFlat, encodeFlat } from './store-event-flat';
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

/** A turn's events as structured clones carry them (the fallback, and a shared fleet's share). */
export function groupEvents(events: readonly StoreEvent[]): WireItem[] {
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

/** A turn's events as they cross: the flat string, or the grouped list when one does not fit it. */
export function packEvents(events: readonly StoreEvent[]): string | WireItem[] {
  return encodeFlat(events) ?? groupEvents(events);
}

/** Each event of what crossed (a string or list from packEvents, or a single event), in order. */
export function unpackEvents(data: unknown, each: (e: StoreEvent) => void): void {
  if (typeof data === 'string') {
    decodeFlat(data, each);
    return;
  }
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
