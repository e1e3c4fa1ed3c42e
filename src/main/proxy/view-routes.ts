// The routes the dashboard's VM list and drawers read: `GET /v1/vms` with filters, sort and
// paging, a VM's history (`GET /v1/vms/{id}/history`), one machine by id (`GET
// /v1/machines/{id}`, so a link to a machine opens without knowing its region) and its
// allocation over time (`GET /v1/machines/{id}/history`, kept by the host).

import { ApiError } from '../../shared/errors';
import { clip } from '../../shared/quote';
import { checkQuery, checkRegion, checkVmId } from '../../shared/validation';
import { parseVmQuery, VM_QUERY_PARAMS } from '../../shared/vm-query';
import { jsonResponse } from './responses';
import type { RouteContext, RouteHandler } from './route-context';

const MACHINE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** `GET /v1/vms[?region=&state=&machine=&sort=&order=&limit=&offset=]`. */
export async function listVms({ match, services }: RouteContext) {
  const { query } = match.target;
  checkQuery(query, VM_QUERY_PARAMS);
  const q = parseVmQuery(query);
  if (q.region !== undefined) q.region = checkRegion(q.region, await services.regions.codes());
  // Only the region: the API's first form, the whole list in launch order.
  if ([...query.keys()].every((k) => k === 'region')) {
    return { response: jsonResponse(200, { vms: await services.store.vms(q.region) }) };
  }
  return { response: jsonResponse(200, await services.store.vmPage(q)) };
}

/** `GET /v1/vms/{id}/history`: transitions (bounded) and the placement note of its launch. */
export const vmHistory: RouteHandler = async ({ match, services }) => {
  checkQuery(match.target.query, []);
  const id = checkVmId(match.params.id);
  return { response: jsonResponse(200, await services.store.vmHistory(id)), vmId: id };
};

function machineId(id: string): string {
  if (!MACHINE_ID.test(id)) throw new ApiError('not_found', `no machine with id '${clip(id, 40)}'`);
  return id;
}

/** `GET /v1/machines/{id}`. */
export const machine: RouteHandler = async ({ match, services }) => {
  checkQuery(match.target.query, []);
  return { response: jsonResponse(200, await services.store.machine(machineId(match.params.id))) };
};

/**
 * `GET /v1/machines/{id}/history`: its allocation and status over the last ten minutes, as the
 * host recorded them (the store's word that the machine exists first: an unknown one is a 404).
 */
export const machineHistory: RouteHandler = async ({ match, services }) => {
  checkQuery(match.target.query, []);
  const id = machineId(match.params.id);
  await services.store.machine(id);
  return { response: jsonResponse(200, await services.host.machineHistory(id)) };
};
