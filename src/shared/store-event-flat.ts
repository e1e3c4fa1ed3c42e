// The flat form of a turn's store events (see store-event-wire.ts): one JSON array of plain
// values, each event a tag and its fields in a fixed order, the keys implied by the tag.
//   VM_STEPS  n, the VM's id region machine_id memory_gb cores created_at updated_at reason|null,
//             then n × (seq at from to reason|null): consecutive `vm` events of one VM
//   MACHINE   seq at, the machine's MACHINE_KEYS, the region's REGION_KEYS (capacity as an object)
//   OTHER     the event as it is (reset, region, actor: plain values JSON gives back as they were)
// An event is written flat only when its objects have exactly the keys, in the order, the
// decoder writes them back in, and values JSON keeps (strings, finite numbers); otherwise
// encodeFlat says null and the caller sends the turn another way.

import type { Machine, Region, StoreEvent, Vm } from './types';

const OTHER = 0;
const VM_STEPS = 1;
const MACHINE = 2;

type VmEvent = Extract<StoreEvent, { type: 'vm' }>;
type MachineEvent = Extract<StoreEvent, { type: 'machine' }>;

/** A VM's keys in the order the store builds it (vm-record.ts); `reason` only when there is one. */
const VM_KEYS = ['id', 'region', 'machine_id', 'memory_gb', 'cores', 'state', 'created_at', 'updated_at', 'reason'];
const MACHINE_KEYS = [
  'id',
  'region',
  'datacenter',
  'status',
  'cores_total',
  'cores_allocated',
  'memory_total_gb',
  'memory_allocated_gb',
  'vm_count',
  'updated_at',
] as const;
const REGION_KEYS = [
  'code',
  'location',
  'status',
  'machine_count',
  'cores_total',
  'cores_allocated',
  'memory_total_gb',
  'memory_allocated_gb',
  'vm_count',
  'capacity',
] as const;
const EVENT_KEYS = ['type', 'seq', 'at', 'vm', 'from', 'to', 'reason'];

const str = (v: unknown): boolean => typeof v === 'string';
const num = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** Exactly `keys` in order, the last one optional (when `optionalLast`). */
function keysAre(o: object, keys: readonly string[], optionalLast: boolean): boolean {
  let i = 0;
  for (const k in o) {
    if (k !== keys[i]) return false;
    i++;
  }
  return i === keys.length || (optionalLast && i === keys.length - 1);
}

function plainVm(vm: Vm): boolean {
  return (
    typeof vm === 'object' &&
    vm !== null &&
    keysAre(vm, VM_KEYS, true) &&
    str(vm.id) &&
    str(vm.region) &&
    str(vm.machine_id) &&
    num(vm.memory_gb) &&
    num(vm.cores) &&
    str(vm.created_at) &&
    str(vm.updated_at) &&
    (vm.reason === undefined || str(vm.reason))
  );
}

function plainVmEvent(e: VmEvent): boolean {
  return (
    keysAre(e, EVENT_KEYS, true) &&
    num(e.seq) &&
    str(e.at) &&
    (e.from === null || str(e.from)) &&
    str(e.to) &&
    e.vm.state === e.to &&
    (e.reason === undefined || str(e.reason)) &&
    plainVm(e.vm)
  );
}

/** The same VM in another state (and the group's VM is plain, so this one is too if it has its keys). */
function sameButState(a: Vm, b: Vm): boolean {
  return (
    a.id === b.id &&
    a.region === b.region &&
    a.machine_id === b.machine_id &&
    a.memory_gb === b.memory_gb &&
    a.cores === b.cores &&
    a.created_at === b.created_at &&
    a.updated_at === b.updated_at &&
    a.reason === b.reason
  );
}

function plainFields(o: object, keys: readonly string[]): boolean {
  if (typeof o !== 'object' || o === null || !keysAre(o, keys, false)) return false;
  for (const k of keys) {
    const v = (o as Record<string, unknown>)[k];
    if (!str(v) && !num(v) && k !== 'capacity') return false;
  }
  return true;
}

function plainMachineEvent(e: MachineEvent): boolean {
  const capacity = e.region?.capacity;
  return (
    keysAre(e, ['type', 'seq', 'at', 'machine', 'region'], false) &&
    num(e.seq) &&
    str(e.at) &&
    plainFields(e.machine, MACHINE_KEYS) &&
    plainFields(e.region, REGION_KEYS) &&
    typeof capacity === 'object' &&
    capacity !== null
  );
}

/** The turn's events flat, as a JSON text; null when one of them does not fit the flat form. */
export function encodeFlat(events: readonly StoreEvent[]): string | null {
  const out: unknown[] = [];
  let group: Vm | null = null;
  /** Where the open group's step count is. */
  let countAt = -1;
  for (const e of events) {
    if (e.type === 'vm') {
      if (!plainVmEvent(e)) return null;
      const vm = e.vm;
      if (group === null || !sameButState(group, vm)) {
        group = vm;
        countAt = out.length + 1;
        const { id, region, machine_id, memory_gb, cores, created_at, updated_at, reason } = vm;
        out.push(VM_STEPS, 0, id, region, machine_id, memory_gb, cores, created_at, updated_at, reason ?? null);
      }
      (out[countAt] as number)++;
      out.push(e.seq, e.at, e.from, e.to, e.reason ?? null);
      continue;
    }
    group = null;
    if (e.type === 'machine') {
      if (!plainMachineEvent(e)) return null;
      const m = e.machine;
      const r = e.region;
      out.push(MACHINE, e.seq, e.at);
      out.push(m.id, m.region, m.datacenter, m.status, m.cores_total, m.cores_allocated);
      out.push(m.memory_total_gb, m.memory_allocated_gb, m.vm_count, m.updated_at);
      out.push(r.code, r.location, r.status, r.machine_count, r.cores_total, r.cores_allocated);
      out.push(r.memory_total_gb, r.memory_allocated_gb, r.vm_count, r.capacity);
    } else if (e.type === 'reset' || e.type === 'region' || e.type === 'actor') {
      out.push(OTHER, e);
    } else return null;
  }
  return JSON.stringify(out);
}

/** Each event of a flat text, in order, its objects with the keys in the order encodeFlat took them. */
export function decodeFlat(text: string, each: (e: StoreEvent) => void): void {
  const a = JSON.parse(text) as unknown[];
  let i = 0;
  while (i < a.length) {
    const tag = a[i];
    if (tag === VM_STEPS) {
      const n = a[i + 1] as number;
      const id = a[i + 2] as string;
      const region = a[i + 3] as string;
      const machine_id = a[i + 4] as string;
      const memory_gb = a[i + 5] as number;
      const cores = a[i + 6] as number;
      const created_at = a[i + 7] as string;
      const updated_at = a[i + 8] as string;
      const vmReason = a[i + 9] as string | null;
      i += 10;
      for (let k = 0; k < n; k++, i += 5) {
        const to = a[i + 3] as Vm['state'];
        const vm: Vm = { id, region, machine_id, memory_gb, cores, state: to, created_at, updated_at };
        if (vmReason !== null) vm.reason = vmReason;
        const e: VmEvent = { type: 'vm', seq: a[i] as number, at: a[i + 1] as string, vm, from: a[i + 2] as never, to };
        if (a[i + 4] !== null) e.reason = a[i + 4] as string;
        each(e);
      }
    } else if (tag === MACHINE) {
      const seq = a[i + 1] as number;
      const at = a[i + 2] as string;
      const m = i + 3;
      const machine: Machine = {
        id: a[m] as string,
        region: a[m + 1] as string,
        datacenter: a[m + 2] as string,
        status: a[m + 3] as string,
        cores_total: a[m + 4] as number,
        cores_allocated: a[m + 5] as number,
        memory_total_gb: a[m + 6] as number,
        memory_allocated_gb: a[m + 7] as number,
        vm_count: a[m + 8] as number,
        updated_at: a[m + 9] as string,
      };
      const r = m + 10;
      const reg: Region = {
        code: a[r] as string,
        location: a[r + 1] as string,
        status: a[r + 2] as string,
        machine_count: a[r + 3] as number,
        cores_total: a[r + 4] as number,
        cores_allocated: a[r + 5] as number,
        memory_total_gb: a[r + 6] as number,
        memory_allocated_gb: a[r + 7] as number,
        vm_count: a[r + 8] as number,
        capacity: a[r + 9] as Region['capacity'],
      };
      i = r + 10;
      each({ type: 'machine', seq, at, machine, region: reg });
    } else {
      each(a[i + 1] as StoreEvent);
      i += 2;
    }
  }
}
