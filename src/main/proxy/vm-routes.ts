// The VM lifecycle routes, as the fly.io Machines API has them: POST /v1/vms/{id}/start|stop|
// suspend|restart, DELETE /v1/vms/{id}[?force=true], GET /v1/vms/{id}/wait?state=S&timeout=N,
// and POST /v1/vms with "wait": "started". Each is checked here with the gate's clear errors;
// the orchestrator's engine decides what a state allows (409 invalid_state with the allowed ops).

import { ApiError } from '../../shared/errors';
import { isWaitTarget, OPERATIONS, type Operation, PERSISTENT_STATES, TERMINAL_STATE } from '../../shared/lifecycle';
import type { Vm } from '../../shared/types';
import {
  checkIdempotencyKey,
  checkQuery,
  checkVmId,
  IDEMPOTENCY_HEADER,
  validateLaunchBody,
} from '../../shared/validation';
import { launch } from './launch';
import { headerOf, jsonResponse } from './responses';
import { jsonBody, type RouteHandler, withKnownRegion } from './route-context';

/** fly.io's /wait takes 1 to 60 seconds; 60 when not given. */
export const WAIT_MAX_S = 60;
/** One orchestrator call waits at most this long (under the RPC deadline); longer waits loop. */
const WAIT_CHUNK_MS = 4000;
const WAIT_STATES = [...PERSISTENT_STATES, TERMINAL_STATE];
const ACTIONS = OPERATIONS.filter((op) => op !== 'destroy');

/** `POST /v1/vms/{id}/{start|stop|suspend|restart}`: answers with the VM in its new state. */
export const vmAction: RouteHandler = async ({ match, requestId, services }) => {
  checkQuery(match.target.query, []);
  const id = checkVmId(match.params.id);
  const op = match.params.action;
  if (!(ACTIONS as readonly string[]).includes(op)) {
    throw new ApiError('not_found', `no VM operation '${op}' (operations: ${ACTIONS.join(', ')}; destroy is DELETE)`);
  }
  const vm = await services.breaker.call(() =>
    services.orchestrator.operate(id, op as Operation, false, { request_id: requestId }),
  );
  return { response: jsonResponse(200, vm), vmId: vm.id };
};

/** `DELETE /v1/vms/{id}[?force=true]`: a started VM needs force, as `fly machine destroy`. */
export async function vmDestroy(id: string, query: URLSearchParams, ctx: Parameters<RouteHandler>[0]): Promise<Vm> {
  checkQuery(query, ['force']);
  const force = query.get('force');
  if (force !== null && force !== 'true' && force !== 'false') {
    throw new ApiError('bad_request', `force must be true or false; got '${force}'`, { field: 'force' });
  }
  const { orchestrator, breaker } = ctx.services;
  return breaker.call(() => orchestrator.operate(id, 'destroy', force === 'true', { request_id: ctx.requestId }));
}

/** `GET /v1/vms/{id}/wait?state=S&timeout=SECONDS`: the VM once in S; 504 timeout otherwise. */
export const vmWait: RouteHandler = async ({ match, requestId, services }) => {
  const { query } = match.target;
  checkQuery(query, ['state', 'timeout']);
  const id = checkVmId(match.params.id);
  const state = query.get('state') ?? 'started';
  if (!isWaitTarget(state)) {
    throw new ApiError('bad_request', `state must be one of ${WAIT_STATES.join(', ')}; got '${state}'`, {
      field: 'state',
    });
  }
  const seconds = waitSeconds(query.get('timeout'));
  const end = Date.now() + seconds * 1000;
  // The RPC deadline is shorter than a wait may be: ask in chunks until the whole time is up.
  for (;;) {
    const left = Math.max(0, end - Date.now());
    try {
      const vm = await services.orchestrator.wait(id, state, Math.min(left, WAIT_CHUNK_MS), { request_id: requestId });
      return { response: jsonResponse(200, vm), vmId: vm.id };
    } catch (err) {
      if ((err as ApiError).code !== 'timeout' || left <= WAIT_CHUNK_MS) {
        if ((err as ApiError).code === 'timeout') {
          throw new ApiError('timeout', `${id} did not become ${state} within ${seconds} s`, { vm_id: id, state });
        }
        throw err;
      }
    }
  }
};

function waitSeconds(raw: string | null): number {
  if (raw === null) return WAIT_MAX_S;
  const n = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= WAIT_MAX_S)) {
    throw new ApiError('bad_request', `timeout must be whole seconds from 1 to ${WAIT_MAX_S}; got '${raw}'`, {
      field: 'timeout',
    });
  }
  return n;
}

/**
 * `POST /v1/vms`: a launch; `"wait": "started"` in the body (or `?wait=started`) answers once
 * the VM has started or failed, instead of once it is created.
 */
export const vmLaunch: RouteHandler = async ({ match, req, requestId, services }) => {
  const { query } = match.target;
  checkQuery(query, ['wait']);
  const key = checkIdempotencyKey(headerOf(req.headers, IDEMPOTENCY_HEADER));
  const body = jsonBody(req);
  let wait: unknown = query.get('wait') ?? undefined;
  let fields = body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'wait' in body) {
    const { wait: w, ...rest } = body as Record<string, unknown>;
    if (wait !== undefined && w !== wait) throw new ApiError('bad_request', 'wait is given twice, differently');
    wait = w;
    fields = rest;
  }
  if (wait !== undefined && wait !== 'started') {
    throw new ApiError(
      'bad_request',
      `wait must be "started" (answer once the VM has started or failed); got ${JSON.stringify(wait)}`,
      {
        field: 'wait',
      },
    );
  }
  const checked = withKnownRegion(services, validateLaunchBody(fields));
  const launchReq = checked instanceof Promise ? await checked : checked;
  return await launch(services, launchReq, 'v1', requestId, key, wait === 'started');
};

/** Beyond the gate's deadline, for a plain launch's own answer (see longPollMs). */
const LAUNCH_GRACE_MS = 2000;

/**
 * How much longer than the gate's own deadline a request may take: a wait as long as it asks
 * (bounded), so a long /wait is answered by its own timeout rather than the gate's 504.
 */
export function longPollMs(method: string | undefined, url: string | undefined, body?: unknown): number {
  if (typeof url !== 'string') return 0;
  if (method === 'GET' && /^\/v1\/vms\/[^/?]+\/wait(\?|$)/.test(url)) {
    const t = /[?&]timeout=(\d{1,3})(&|$)/.exec(url);
    return Math.min(WAIT_MAX_S, t ? Number(t[1]) : WAIT_MAX_S) * 1000;
  }
  const asksToWait = /[?&]wait=/.test(url) || (typeof body === 'string' && /"wait"\s*:/.test(body));
  if (method === 'POST' && /^\/v1\/vms(\?|$)/.test(url)) {
    if (asksToWait) return WAIT_MAX_S * 1000;
    // A launch answers by itself within 9.5 s (202 while its create is held up: ./launch); the
    // gate's 504 stays for a launch that hangs, with room for that answer on a loaded host.
    return LAUNCH_GRACE_MS;
  }
  return 0;
}
