// A launch through the gate, for POST /v1/vms and the seed's GET /launch: through the breaker
// to the orchestrator, counted once (a replayed Idempotency-Key is the answer to a launch
// already counted), answered in the style of the route that asked.

import { toErrorBody } from '../../shared/errors';
import type { LaunchAnswer } from '../../shared/services';
import type { LaunchBatch, LaunchRequest, Machine, Vm } from '../../shared/types';
import { wantsBatchForm } from '../../shared/validation';
import { jsonResponse, rawJsonResponse } from './responses';
import type { GateServices, Outcome } from './route-context';

export async function launch(
  services: GateServices,
  req: LaunchRequest,
  style: 'v1' | 'seed',
  requestId: string,
  key?: string,
  waitStarted = false,
): Promise<Outcome> {
  const { orchestrator, breaker, metrics } = services;
  const began = Date.now();
  const meta = { request_id: requestId };
  // A region list is counted under the first region asked (labels stay the known codes).
  const asked = req.region.split(',')[0];
  let vm: Vm | undefined;
  let replayed = false;
  let answer: LaunchAnswer | undefined;
  try {
    if (style === 'v1' && wantsBatchForm(req)) {
      const batch = await breaker.call(() => orchestrator.launchBatch(req, key, meta));
      for (const v of batch.replayed ? [] : batch.vms) metrics.launch(v.region, null);
      const headers: Record<string, string> = {};
      if (batch.replayed) headers['idempotent-replayed'] = 'true';
      const body: LaunchBatch = batch.plans ? { vms: batch.vms, plans: batch.plans } : { vms: batch.vms };
      return { response: jsonResponse(201, body, headers), vmId: batch.vms[0]?.id };
    }
    if (style === 'v1') answer = await breaker.call(() => orchestrator.launchAnswer(req, key, meta));
    else if (key === undefined) vm = await breaker.call(() => orchestrator.launch(req, meta));
    else ({ vm, replayed } = await breaker.call(() => orchestrator.launchIdempotent(req, key, meta)));
  } catch (err) {
    const body = toErrorBody(err);
    const reason = body.details?.breaker ? 'breaker_open' : body.code;
    metrics.launch(asked, reason);
    reportRefusal(services, req, reason, body.message, requestId);
    throw err;
  }
  if (answer !== undefined) {
    if (!answer.replayed) metrics.launch(answer.region, null);
    // As the first answer was, so a retrying client cannot tell a replay from the original.
    const headers: Record<string, string> = { location: `/v1/vms/${answer.id}` };
    if (answer.replayed) headers['idempotent-replayed'] = 'true';
    // The common answer: the VM is created already, and its JSON crossed ready to send.
    if (!waitStarted && answer.state !== 'creating')
      return { response: rawJsonResponse(201, answer.json, headers), vmId: answer.id };
    const settled = await settle(services, JSON.parse(answer.json) as Vm, meta, waitStarted, began);
    return { response: jsonResponse(settled.status, settled.vm, headers), vmId: answer.id };
  }
  return seedAnswer(services, vm as Vm, replayed);
}

/** The seed's GET /launch: answered at once, with the VM's machine (fly's POST waits: settle). */
async function seedAnswer(services: GateServices, vm: Vm, replayed: boolean): Promise<Outcome> {
  if (!replayed) services.metrics.launch(vm.region, null);
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

/**
 * fly's POST answers once the Machine exists: the VM once created (201), or as it is (202) when
 * its create stage is held up past CREATED_WAIT_MS; with `wait=started`, once started or failed.
 */
async function settle(
  services: GateServices,
  vm: Vm,
  meta: { request_id: string },
  waitStarted: boolean,
  began: number,
): Promise<{ status: number; vm: Vm }> {
  if (waitStarted) return { status: 201, vm: (await until(services, vm, meta, 'started', LAUNCH_WAIT_MS)) ?? vm };
  if (vm.state !== 'creating') return { status: 201, vm };
  // Past CREATED_WAIT_MS the VM is answered as it is, 202: recorded, its create stage under way.
  const created = await until(services, vm, meta, 'created', CREATED_WAIT_MS - (Date.now() - began));
  // answered as launched (`creating`): a read now could itself miss the deadline
  return created ? { status: 201, vm: created } : { status: 202, vm };
}

/** A refused launch goes into the host's event log with its reason (fire and forget). */
function reportRefusal(
  services: GateServices,
  req: LaunchRequest,
  reason: string,
  message: string,
  requestId: string,
): void {
  const size = `${req.cores} core${req.cores === 1 ? '' : 's'}, ${req.memory_gb} GB${(req.count ?? 1) > 1 ? ` ×${req.count}` : ''}`;
  services.host
    .record({
      kind: 'refused',
      region: req.region.split(',')[0],
      reason,
      request_id: requestId,
      // A capacity refusal already names the size and the region; anything else is said with them.
      message:
        reason === 'no_capacity' ? message : `launch of ${size} in ${req.region.toUpperCase()} refused: ${message}`,
    })
    .catch(() => {}); // a host that cannot take it must not fail the answer
}

/** One orchestrator call waits at most this long (under the RPC deadline); longer waits loop. */
const WAIT_CHUNK_MS = 4000;
const LAUNCH_WAIT_MS = 60_000;
/**
 * How long a plain POST /v1/vms waits for its VM to be created, from the launch's start: just
 * under the gate's 10 s deadline (a degraded create of 9 s still answers 201). A create stage can be held up past it: on a shared fleet a VM placed
 * on a machine whose owning host was just cut off is created once the survivors take the
 * machine over (lease TTL 5 s, then the stage). The launch is recorded and acknowledged either
 * way; it answered 504 ("outcome unknown"), and now answers 202 with the VM as it is.
 */
const CREATED_WAIT_MS = 9500;

/**
 * The VM once it is `created` (or past it) or, for `wait=started`, started; as it ended when it
 * failed (the answer says so in its state and reason, not as an error: the launch itself
 * happened). Waits in chunks, each under the RPC deadline, so a slow (degraded) stage is no 504;
 * null when `ms` pass first while waiting for `created`.
 */
async function until(
  services: GateServices,
  vm: Vm,
  meta: { request_id: string },
  target: 'created' | 'started',
  ms: number,
): Promise<Vm | null> {
  const end = Date.now() + ms;
  for (;;) {
    const left = Math.max(0, end - Date.now());
    if (target === 'created' && left === 0) return null;
    const chunk = Math.min(left, WAIT_CHUNK_MS);
    try {
      return target === 'created'
        ? await services.orchestrator.created(vm.id, chunk, meta)
        : await services.orchestrator.wait(vm.id, 'started', chunk, meta);
    } catch (err) {
      const code = toErrorBody(err).code;
      if (code === 'invalid_state') return services.store.vm(vm.id).catch(() => vm);
      if (code !== 'timeout') throw err;
      if (left <= WAIT_CHUNK_MS) {
        if (target === 'created') return null;
        throw err;
      }
    }
  }
}
