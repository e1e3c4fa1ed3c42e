// The seed's own API, kept so its CLI runs unchanged: `GET /regions` (each region with its
// machines and their latest update) and `GET /launch?vm_region=…&vm_memory=…&vm_cores=…`.
// Open without the token only under --compat-open (admission.ts decides that).

import type { Machine } from '../../shared/types';
import { checkQuery, validateLaunchQuery } from '../../shared/validation';
import { launch } from './launch';
import { jsonResponse } from './responses';
import { type RouteHandler, withKnownRegion } from './route-context';

export const seedRegions: RouteHandler = async ({ match, services }) => {
  checkQuery(match.target.query, []);
  const { store } = services;
  const [regions, machines] = await Promise.all([store.regions(), store.allMachines()]);
  const byRegion = new Map<string, Machine[]>();
  for (const m of machines) {
    const list = byRegion.get(m.region);
    if (list) list.push(m);
    else byRegion.set(m.region, [m]);
  }
  const data = regions.map((r) => {
    const ms = byRegion.get(r.code) ?? [];
    const updated = ms.reduce<string | null>(
      (max, m) => (max === null || m.updated_at > max ? m.updated_at : max),
      null,
    );
    return { code: r.code, location: r.location, status: r.status, machines: ms, updated_at: updated };
  });
  return { response: jsonResponse(200, { data }) };
};

export const seedLaunch: RouteHandler = async ({ match, services, requestId }) => {
  const req = await withKnownRegion(services, validateLaunchQuery(match.target.query), 'vm_region');
  return launch(services, req, 'seed', requestId);
};
