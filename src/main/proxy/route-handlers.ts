// Every route's handler, in one table keyed by the route names routes.ts defines, so adding a
// route is a line there and a handler here, and the gate's lifecycle never changes for it.
// The API's own routes are here; the seed's live in seed-routes.ts.

import type { ResetReport } from '../../shared/api';
import { ApiError } from '../../shared/errors';
import { checkMachineForm } from '../../shared/machine-wire';
import { addFragmentation, NO_FRAGMENTATION } from '../../shared/placement';
import type { Vm } from '../../shared/types';
import {
  checkKnownKeys,
  checkQuery,
  checkRegion,
  checkVmId,
  PLACE_FIELDS,
  validateLaunchBody,
} from '../../shared/validation';
import { VERSION } from '../../shared/version';
import { chaosRun, failMachines, killActors, machineAction, regionStatus } from './fault-routes';
import { activity, logs, queryInt, samples } from './history-routes';
import { load } from './load-route';
import { jsonResponse, rawJsonResponse } from './responses';
import { jsonBody, type RouteContext, type RouteHandler, type RouteTable, withKnownRegion } from './route-context';
import { scenario } from './scenario-routes';
import { seedLaunch, seedRegions } from './seed-routes';
import { scrape, statusReport } from './status';
import { listVms, machine, machineHistory, vmHistory } from './view-routes';
import { vmAction, vmDestroy, vmLaunch, vmWait } from './vm-routes';

const health: RouteHandler = async ({ match }) => {
  checkQuery(match.target.query, []);
  return { response: jsonResponse(200, { ok: true, version: VERSION }) };
};

const regions: RouteHandler = async ({ match, services }) => {
  checkQuery(match.target.query, []);
  const list = await services.store.regions();
  services.regions.remember(list);
  // Each machine counts in exactly one region, so the fleet's capacity is their sum.
  let capacity = NO_FRAGMENTATION;
  for (const r of list) if (r.capacity) capacity = addFragmentation(capacity, r.capacity);
  return { response: jsonResponse(200, { regions: list, fleet: { capacity } }) };
};

/** The dry run: what a launch of this body would do, machine by machine; nothing is reserved. */
const place: RouteHandler = async ({ match, req, requestId, services }) => {
  checkQuery(match.target.query, []);
  const body = validateLaunchBody(jsonBody(req), undefined, PLACE_FIELDS);
  const placeReq = await withKnownRegion(services, body);
  const report = await services.breaker.call(() => services.orchestrator.place(placeReq, { request_id: requestId }));
  return { response: jsonResponse(200, report) };
};

const regionMachines: RouteHandler = async ({ match, services }) => {
  const { query } = match.target;
  checkQuery(query, ['form', 'limit']);
  const form = checkMachineForm(query.get('form'));
  // `limit`: the first machines by id only (the dashboard's first screenful of a 10k region).
  const limit = query.has('limit') ? queryInt(query, 'limit', 0, 1, Number.MAX_SAFE_INTEGER) : undefined;
  const code = checkRegion(match.params.code, await services.regions.codes());
  // `form=columns` (the dashboard's): serialised by the store, sent as it comes.
  if (form === 'columns')
    return { response: rawJsonResponse(200, await services.store.machineColumnsJson(code, limit)) };
  const machines = await services.store.machines(code);
  return { response: jsonResponse(200, { machines: limit === undefined ? machines : machines.slice(0, limit) }) };
};

// Not async itself: each handler is, and a promise returned from an async function costs the
// launch two more trips through the microtask queue.
const vms: RouteHandler = (ctx) => (ctx.method === 'POST' ? vmLaunch(ctx) : listVms(ctx));

const vm: RouteHandler = async (ctx) => {
  const { match, method, services } = ctx;
  const id = checkVmId(match.params.id);
  if (method !== 'DELETE') checkQuery(match.target.query, []);
  const found: Vm = method === 'DELETE' ? await vmDestroy(id, match.target.query, ctx) : await services.store.vm(id);
  return { response: jsonResponse(200, found), vmId: found.id };
};

const status: RouteHandler = async ({ match, services }) => {
  checkQuery(match.target.query, []);
  return { response: jsonResponse(200, await statusReport(services)) };
};

/** A shared fleet's hosts, leases and etcd members (the store asks etcd, at most once a TTL). */
const cluster: RouteHandler = async ({ match, services }) => {
  checkQuery(match.target.query, []);
  return { response: jsonResponse(200, await services.cluster.get()) };
};

/**
 * Back to the bootstrap fleet. The store forgets every VM first; then the orchestrator drops
 * its actors and queues and rebuilds from the store, so no stale FlyD update outlives it.
 */
const reset: RouteHandler = async ({ match, req, services }) => {
  checkQuery(match.target.query, []);
  const body = req.body?.trim() ? jsonBody(req) : {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('bad_request', 'the reset body must be an empty JSON object ({}) or nothing');
  }
  checkKnownKeys(Object.keys(body), [], 'field');
  const { store, orchestrator, breaker } = services;
  await store.reset();
  const { machines } = await breaker.call(() => orchestrator.resync());
  services.regions.forget();
  const report: ResetReport = { reset: true, regions: (await store.regions()).length, machines };
  return { response: jsonResponse(200, report) };
};

const metrics: RouteHandler = async ({ match, req, services }) => {
  checkQuery(match.target.query, []);
  if (req.via !== 'http') throw new ApiError('bad_request', 'metrics are served over HTTP only (GET /metrics)');
  return {
    response: {
      status: 200,
      headers: { 'content-type': services.metrics.contentType, 'cache-control': 'no-store' },
      body: await scrape(services),
    },
  };
};

/** The dashboard's sign-in (a session for a token holder) and `flylight token --rotate`. */
const credentialRoute =
  (route: 'session' | 'token_rotate'): RouteHandler =>
  async ({ match, services }) => {
    checkQuery(match.target.query, []);
    const creds = services.credentials;
    if (!creds) throw new ApiError('not_found', 'this host has no API token, so there is nothing to sign in with');
    const result = route === 'session' ? creds.issueSession() : await creds.rotate();
    return { response: jsonResponse(route === 'session' ? 201 : 200, result) };
  };

/** The HTTP server serves these itself; a request that reaches the gate came over IPC. */
const httpOnly =
  (message: string, code: 'bad_request' | 'not_found'): RouteHandler =>
  async (_: RouteContext) => {
    throw new ApiError(code, message);
  };

export const ROUTE_HANDLERS: RouteTable = {
  health,
  regions,
  region_machines: regionMachines,
  vms,
  vm,
  place,
  vm_action: vmAction,
  vm_wait: vmWait,
  vm_history: vmHistory,
  machine_history: machineHistory,
  machine,
  events: httpOnly(
    'the event stream is served over HTTP only (GET /v1/events); the desktop app receives events on its own channel',
    'bad_request',
  ),
  activity,
  samples,
  logs,
  status,
  cluster,
  reset,
  load,
  metrics,
  seed_regions: seedRegions,
  seed_launch: seedLaunch,
  session: credentialRoute('session'),
  token_rotate: credentialRoute('token_rotate'),
  static: httpOnly('the dashboard is served over HTTP only', 'not_found'),
  hello: httpOnly('the identity check is served over HTTP only (GET /v1/hello)', 'not_found'),
  machine_action: machineAction,
  region_status: regionStatus,
  chaos_kill_actors: killActors,
  chaos_fail_machines: failMachines,
  chaos_run: chaosRun,
  scenario,
};
