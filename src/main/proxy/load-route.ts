// `/v1/load`: the host's load generator, relayed. The proxy checks the body (as it checks every
// body) and hands the run to the host, which drives it against this port from its own thread.

import { ApiError } from '../../shared/errors';
import { checkLoadBody } from '../../shared/load/spec';
import { checkQuery } from '../../shared/validation';
import { jsonResponse } from './responses';
import { jsonBody, type RouteHandler } from './route-context';

export const load: RouteHandler = async ({ match, req, method, services }) => {
  checkQuery(match.target.query, []);
  const { host } = services;
  if (method === 'POST') {
    const spec = checkLoadBody(jsonBody(req), await services.regions.codes());
    return { response: jsonResponse(201, await host.loadStart(spec)) };
  }
  if (method === 'DELETE') return { response: jsonResponse(200, await host.loadStop()) };
  if (method === 'GET') return { response: jsonResponse(200, await host.loadStatus()) };
  throw new ApiError('method_not_allowed', `${method} is not allowed on /v1/load`);
};
