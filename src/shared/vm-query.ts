// One page of the VM list, filtered and sorted where the VMs are (the store), so a dashboard of
// a 100k-VM fleet asks for the 60 rows it shows rather than 25 MB of JSON. `GET /v1/vms` without
// `limit` answers the whole list as before; with it, `{vms, total, offset, limit}`.
// Pure: the proxy validates with it, the store selects with it, the tests call it directly.

import { ApiError } from './errors';
import { isLifecycleState, LIFECYCLE_STATES, type LifecycleState } from './lifecycle';
import { shown } from './quote';
import type { Vm } from './types';

export const VM_SORT_KEYS = [
  'created_at',
  'id',
  'state',
  'region',
  'machine_id',
  'cores',
  'memory_gb',
  'updated_at',
] as const;
export type VmSortKey = (typeof VM_SORT_KEYS)[number];
export const VM_PAGE_MAX = 1000;
/** The query parameters `GET /v1/vms` takes. */
export const VM_QUERY_PARAMS = ['region', 'state', 'machine', 'sort', 'order', 'limit', 'offset'] as const;

export interface VmQuery {
  region?: string;
  /** Any of these states (a comma-separated list in the URL). */
  states?: LifecycleState[];
  machine?: string;
  sort: VmSortKey;
  order: 'asc' | 'desc';
  /** Absent: the whole list (the API's original form). */
  limit?: number;
  offset: number;
}

export interface VmPage {
  vms: Vm[];
  /** How many VMs match the filters (all pages). */
  total: number;
  offset: number;
  limit: number;
}

const MACHINE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function bad(message: string, field: string): ApiError {
  return new ApiError('bad_request', message, { field });
}

function whole(raw: string, field: string, min: number, max: number): number {
  const n = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= min && n <= max))
    throw bad(`${field} must be a whole number from ${min} to ${max}; got ${shown(raw)}`, field);
  return n;
}

/**
 * The filters, sort and page of a `GET /v1/vms` query (already checked for unknown and repeated
 * parameters). `region` is left for the caller to check against the known codes.
 */
export function parseVmQuery(q: URLSearchParams): VmQuery {
  const out: VmQuery = { sort: 'created_at', order: 'asc', offset: 0 };
  const region = q.get('region');
  if (region !== null) out.region = region;
  const states = q.get('state');
  if (states !== null) {
    const list = states.split(',').map((s) => s.trim().toLowerCase());
    for (const s of list) {
      if (!isLifecycleState(s)) {
        throw bad(
          `state must be one or more of ${LIFECYCLE_STATES.join(', ')} (comma-separated); got ${shown(s)}`,
          'state',
        );
      }
    }
    out.states = [...new Set(list)] as LifecycleState[];
  }
  const machine = q.get('machine');
  if (machine !== null) {
    if (!MACHINE_ID.test(machine))
      throw bad(`machine must be a machine id such as sin-1; got ${shown(machine)}`, 'machine');
    out.machine = machine;
  }
  const sort = q.get('sort');
  if (sort !== null) {
    if (!(VM_SORT_KEYS as readonly string[]).includes(sort)) {
      throw bad(`sort must be one of ${VM_SORT_KEYS.join(', ')}; got ${shown(sort)}`, 'sort');
    }
    out.sort = sort as VmSortKey;
  }
  const order = q.get('order');
  if (order !== null) {
    if (order !== 'asc' && order !== 'desc') throw bad(`order must be asc or desc; got ${shown(order)}`, 'order');
    out.order = order;
  }
  const limit = q.get('limit');
  if (limit !== null) out.limit = whole(limit, 'limit', 1, VM_PAGE_MAX);
  const offset = q.get('offset');
  if (offset !== null) {
    if (limit === null) throw bad('offset needs limit (a page is offset + limit)', 'offset');
    out.offset = whole(offset, 'offset', 0, 100_000_000);
  }
  return out;
}

/** The query as URL parameters (the client's side of parseVmQuery); defaults left out. */
export function vmQueryString(q: Partial<VmQuery>): string {
  const p = new URLSearchParams();
  if (q.region) p.set('region', q.region);
  if (q.states?.length) p.set('state', q.states.join(','));
  if (q.machine) p.set('machine', q.machine);
  if (q.sort && q.sort !== 'created_at') p.set('sort', q.sort);
  if (q.order === 'desc') p.set('order', 'desc');
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.offset) p.set('offset', String(q.offset));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The key a sorted selection is cached under: the filters and the sort, not the page. */
export function selectionKey(q: VmQuery): string {
  return [q.region ?? '', q.states?.join(',') ?? '', q.machine ?? '', q.sort, q.order].join('|');
}

const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Compares by the sort key, then by id, so every order is total and pages never overlap. */
export function vmComparator(sort: VmSortKey, order: 'asc' | 'desc'): (a: Vm, b: Vm) => number {
  const dir = order === 'asc' ? 1 : -1;
  const key = (a: Vm, b: Vm): number => {
    switch (sort) {
      case 'cores':
      case 'memory_gb':
        return a[sort] - b[sort];
      case 'updated_at':
        return text(a.updated_at ?? a.created_at, b.updated_at ?? b.created_at);
      default:
        return text(a[sort], b[sort]);
    }
  };
  return (a, b) => dir * (key(a, b) || text(a.id, b.id));
}

/** The VMs that match the filters, sorted (not paged). */
export function selectVms(vms: Iterable<Vm>, q: VmQuery): Vm[] {
  const states = q.states ? new Set<string>(q.states) : null;
  const out: Vm[] = [];
  for (const v of vms) {
    if (q.region !== undefined && v.region !== q.region) continue;
    if (q.machine !== undefined && v.machine_id !== q.machine) continue;
    if (states && !states.has(v.state)) continue;
    out.push(v);
  }
  return out.sort(vmComparator(q.sort, q.order));
}

/** One page of an already selected list. */
export function pageOf(selected: readonly Vm[], q: VmQuery): VmPage {
  const limit = q.limit ?? selected.length;
  return {
    vms: selected.slice(q.offset, q.offset + limit).map((v) => ({ ...v })),
    total: selected.length,
    offset: q.offset,
    limit,
  };
}
