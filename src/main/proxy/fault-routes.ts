// The fault and chaos routes: machine actions, region status, and the seeded chaos runs. Each
// checks its input here (the gate's rule: nonsense never reaches a worker) and hands the rest to
// the orchestrator, through the breaker like every call that can change the fleet.

import { ApiError } from '../../shared/errors';
import { checkSeed, isMachineAction, MACHINE_ACTIONS, parseRegionStatus } from '../../shared/faults';
import { clip } from '../../shared/quote';
import { checkKnownKeys, checkQuery, checkRegion } from '../../shared/validation';
import { jsonResponse } from './responses';
import { jsonBody, type RouteHandler } from './route-context';

/** A JSON object body (an empty body counts as {}), with only the named fields. */
function objectBody(req: Parameters<RouteHandler>[0]['req'], fields: string[]): Record<string, unknown> {
  const body = req.body?.trim() ? jsonBody(req) : {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('bad_request', 'the body must be a JSON object');
  }
  checkKnownKeys(Object.keys(body), fields, 'field');
  return body as Record<string, unknown>;
}

function optionalSeed(v: unknown): number | undefined {
  return v === undefined || v === null ? undefined : checkSeed(v);
}

/** POST /v1/machines/{id}/drain|offline|online (offline: `{evacuate: true}`). */
export const machineAction: RouteHandler = async ({ match, req, requestId, services }) => {
  checkQuery(match.target.query, []);
  const { id, action } = match.params;
  if (!isMachineAction(action)) {
    throw new ApiError('not_found', `no such machine action '${clip(action, 20)}' (${MACHINE_ACTIONS.join(', ')})`);
  }
  const body = objectBody(req, action === 'offline' ? ['evacuate'] : []);
  if (body.evacuate !== undefined && typeof body.evacuate !== 'boolean') {
    throw new ApiError('bad_request', 'evacuate must be true or false', { field: 'evacuate' });
  }
  const { orchestrator, breaker } = services;
  const report = await breaker.call(() =>
    orchestrator.machineAction(id, action, { evacuate: body.evacuate === true }, { request_id: requestId }),
  );
  return { response: jsonResponse(200, report) };
};

/** POST /v1/regions/{code}/status `{status}`: operational, degraded or down, any case. */
export const regionStatus: RouteHandler = async ({ match, req, requestId, services }) => {
  checkQuery(match.target.query, []);
  const code = checkRegion(match.params.code, await services.regions.codes());
  const body = objectBody(req, ['status']);
  const status = parseRegionStatus(body.status);
  const { orchestrator, breaker } = services;
  const region = await breaker.call(() => orchestrator.setRegionStatus(code, status, { request_id: requestId }));
  return { response: jsonResponse(200, region) };
};

/** POST /v1/chaos/kill-actors `{count, region?, seed?}`. */
export const killActors: RouteHandler = async ({ match, req, requestId, services }) => {
  checkQuery(match.target.query, []);
  const body = objectBody(req, ['count', 'region', 'seed']);
  const region = body.region === undefined ? undefined : checkRegion(body.region, await services.regions.codes());
  const { orchestrator, breaker } = services;
  const report = await breaker.call(() =>
    orchestrator.killActors(
      { count: body.count as number, region, seed: optionalSeed(body.seed) },
      { request_id: requestId },
    ),
  );
  return { response: jsonResponse(200, report) };
};

/** POST /v1/chaos/fail-machines `{rate, duration_s, repair_s?, region?, seed?}`: 202, the run. */
export const failMachines: RouteHandler = async ({ match, req, requestId, services }) => {
  checkQuery(match.target.query, []);
  const body = objectBody(req, ['rate', 'duration_s', 'repair_s', 'region', 'seed']);
  const region = body.region === undefined ? undefined : checkRegion(body.region, await services.regions.codes());
  for (const f of ['rate', 'duration_s', 'repair_s'] as const) {
    if (body[f] !== undefined && typeof body[f] !== 'number') {
      throw new ApiError('bad_request', `${f} must be a number`, { field: f });
    }
  }
  const { orchestrator, breaker } = services;
  const run = await breaker.call(() =>
    orchestrator.failMachines(
      {
        rate: body.rate as number,
        duration_s: body.duration_s as number,
        repair_s: body.repair_s as number | undefined,
        region,
        seed: optionalSeed(body.seed),
      },
      { request_id: requestId },
    ),
  );
  return { response: jsonResponse(202, run) };
};

/** GET /v1/chaos/runs/{id}: a fail-machines run and what it has done so far. */
export const chaosRun: RouteHandler = async ({ match, services }) => {
  checkQuery(match.target.query, []);
  const id = match.params.id;
  if (!/^chaos-\d{1,12}$/.test(id)) throw new ApiError('not_found', `no chaos run '${clip(id, 40)}'`);
  return { response: jsonResponse(200, await services.breaker.call(() => services.orchestrator.chaosRun(id))) };
};
