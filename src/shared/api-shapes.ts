// What a successful answer must look like before the client hands it on. Any server can answer
// on the port (an old version, a squatter, a proxy in between): a body of the wrong shape is an
// error naming what was wrong, never a table of "undefined".

import { ApiError } from './errors';

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array';

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export class ShapeError extends ApiError {
  constructor(where: string, what: string) {
    super('internal', `${where} answered with an unexpected body: ${what}`);
  }
}

export type Shape = Record<string, Kind>;

const REGION: Shape = { code: 'string', location: 'string', status: 'string' };
const MACHINE: Shape = {
  id: 'string',
  region: 'string',
  status: 'string',
  cores_total: 'number',
  cores_allocated: 'number',
  memory_total_gb: 'number',
  memory_allocated_gb: 'number',
};
const VM: Shape = {
  id: 'string',
  region: 'string',
  machine_id: 'string',
  memory_gb: 'number',
  cores: 'number',
  state: 'string',
};
const PLAN: Shape = { strategy: 'string', placements: 'array', verdicts: 'array', largest_slots: 'array' };
const HEALTH: Shape = { ok: 'boolean', version: 'string' };
const STATUS: Shape = { version: 'string', fleet: 'object', workers: 'array', requests: 'object' };
const RESET: Shape = { reset: 'boolean', regions: 'number', machines: 'number' };
const ACTIVITY: Shape = { seq: 'number', at: 'string', kind: 'string', message: 'string' };
const LOG_RECORD: Shape = { level: 'string', msg: 'string' };
const SAMPLE: Shape = { t: 'number', fleet: 'array', regions: 'array' };
const MACHINE_ACTION: Shape = { action: 'string', machine: 'object', failed: 'array', evacuated: 'array' };
const KILL: Shape = { seed: 'number', killed: 'array', restarts: 'number' };
const SCENARIO_EXPORT: Shape = { files: 'object' };
const SCENARIO_IMPORT: Shape = { imported: 'boolean', regions: 'number', machines: 'number', vms: 'number' };
const CHAOS_RUN: Shape = { id: 'string', seed: 'number', state: 'string', plan: 'array', done: 'array' };

function check(where: string, label: string, value: unknown, shape: Shape): void {
  if (kindOf(value) !== 'object') throw new ShapeError(where, `${label} is ${kindOf(value)}, not an object`);
  const o = value as Record<string, unknown>;
  for (const [field, kind] of Object.entries(shape)) {
    if (kindOf(o[field]) !== kind) {
      const got = o[field] === undefined ? 'missing' : `a ${kindOf(o[field])}`;
      throw new ShapeError(where, `${label}.${field} is ${got}, not a ${kind}`);
    }
  }
}

function list(where: string, body: Record<string, unknown>, field: string, shape: Shape): unknown[] {
  const items = body[field];
  if (!Array.isArray(items))
    throw new ShapeError(
      where,
      `"${field}" is ${items === undefined ? 'missing' : `a ${kindOf(items)}`}, not an array`,
    );
  for (const [i, item] of items.entries()) check(where, `${field}[${i}]`, item, shape);
  return items;
}

/** An object of `shape`, returned as it is. */
function one(label: string, shape: Shape) {
  return (where: string, body: Record<string, unknown>) => {
    check(where, label, body, shape);
    return body;
  };
}

/** Pickers for createApiClient: each checks the body and returns the part the caller wants. */
export const shapes = {
  health: one('the body', HEALTH),
  regions: (w: string, b: Record<string, unknown>) => list(w, b, 'regions', REGION),
  machines: (w: string, b: Record<string, unknown>) => list(w, b, 'machines', MACHINE),
  vms: (w: string, b: Record<string, unknown>) => list(w, b, 'vms', VM),
  vm: one('the VM', VM),
  vmPage: (w: string, b: Record<string, unknown>) => {
    list(w, b, 'vms', VM);
    check(w, 'the page', b, { total: 'number', offset: 'number', limit: 'number' });
    return b;
  },
  vmHistory: (w: string, b: Record<string, unknown>) => {
    check(w, 'the history', b, { vm_id: 'string', transitions: 'array', dropped: 'number' });
    return b;
  },
  machine: one('the machine', MACHINE),
  machineHistory: (w: string, b: Record<string, unknown>) => {
    check(w, "the machine's history", b, { machine_id: 'string', since: 'number', points: 'array' });
    return b;
  },
  status: one('the status', STATUS),
  cluster: (w: string, b: Record<string, unknown>) => {
    list(w, b, 'hosts', { id: 'string', lease: 'string', machines_owned: 'number' });
    check(w, 'etcd', b.etcd, { members: 'array' });
    return b;
  },
  reset: one('the reset report', RESET),
  batch: (w: string, b: Record<string, unknown>) => {
    list(w, b, 'vms', VM);
    if (b.plans !== undefined) list(w, b, 'plans', PLAN);
    return b;
  },
  place: (w: string, b: Record<string, unknown>) => {
    list(w, b, 'plans', PLAN);
    return b;
  },
  activity: (w: string, b: Record<string, unknown>) => {
    list(w, b, 'events', ACTIVITY);
    check(w, 'the page', b, { last_seq: 'number', bounds: 'object' });
    return b;
  },
  logs: (w: string, b: Record<string, unknown>) => {
    list(w, b, 'records', LOG_RECORD);
    check(w, 'the page', b, { last_seq: 'number' });
    return b;
  },
  samples: (w: string, b: Record<string, unknown>) => {
    list(w, b, 'samples', SAMPLE);
    check(w, 'the page', b, { regions: 'array', interval_ms: 'number' });
    return b;
  },
  region: one('the region', REGION),
  machineAction: one('the machine action report', MACHINE_ACTION),
  kill: one('the kill report', KILL),
  chaosRun: one('the chaos run', CHAOS_RUN),
  scenarioExport: one('the scenario', SCENARIO_EXPORT),
  scenarioImport: one('the import report', SCENARIO_IMPORT),
};
