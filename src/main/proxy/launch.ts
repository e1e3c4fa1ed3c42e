// A launch through the gate, for POST /v1/vms and the seed's GET /launch: through the breaker
// to the orchestrator, counted once (a replayed Idempotency-Key is the answer to a launch
// already counted), answered in the style of the route that asked.

import { toErrorBody } from '../../shared/errors';
import type { LaunchRequest, Machine, Vm } from '../../shared/types';
import { jsonResponse } from './responses';
import type { GateServices, Outcome } from './route-context';

export async function launch(
  services: GateServices,
  req: LaunchRequest,
  style: 'v1' | 'seed',
  requestId: string,
  key?: string,
): Promise<Outcome> {
  const { orchestrator, breaker, metrics } = services;
  const meta = { request_id: requestId };
  let vm: Vm;
  let replayed = false;
  try {
    if (key === undefined) vm = await breaker.call(() => orchestrator.launch(req, meta));
    else ({ vm, replayed } = await breaker.call(() => orchestrator.launchIdempotent(req, key, meta)));
  } catch (err) {
    const body = toErrorBody(err);
    metrics.launch(req.region, body.details?.breaker ? 'breaker_open' : body.code);
    throw err;
  }
  if (!replayed) metrics.launch(req.region, null);
  if (style === 'v1') {
    // As the first answer was, so a retrying client cannot tell a replay from the original.
    const headers: Record<string, string> = { location: `/v1/vms/${vm.id}` };
    if (replayed) headers['idempotent-replayed'] = 'true';
    return { response: jsonResponse(201, vm, headers), vmId: vm.id };
  }
  // The VM exists whatever happens next: a store hiccup must not turn it into an error.
  let machine: Machine | null = null;
  try {
    machine = await services.store.machine(vm.machine_id);
  } catch (err) {
    services.log.warn('launched, but could not read the machine back', {
      vm_id: vm.id,
      error: toErrorBody(err).message,
    });
  }
  return { response: jsonResponse(200, { data: { machine, vm } }), vmId: vm.id };
}
