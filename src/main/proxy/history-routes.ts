// The routes that read what the host remembers: the event log (GET /v1/activity), the charts'
// samples (GET /v1/samples) and the host's log (GET /v1/logs; `follow=true` streams, over HTTP
// only: see log-stream.ts). The host keeps them; the gate checks the query and asks it.

import { ApiError } from '../../shared/errors';
import { DEFAULT_LOG_LINES, LOG_RING, type LogPage, type LogQuery, parseLogLevel } from '../../shared/host-log';
import { checkQuery } from '../../shared/validation';
import { jsonResponse } from './responses';
import type { RouteHandler } from './route-context';

/** A whole number in [min, max] from the query, or `fallback` when absent. */
export function queryInt(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ApiError('bad_request', `${name} must be a whole number from ${min} to ${max}`, { field: name });
  }
  return Number(raw);
}

/** `true`/`false` (also 1/0) from the query. */
export function queryBool(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  if (raw === null) return false;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ApiError('bad_request', `${name} must be true or false`, { field: name });
}

/** `?lines=N&level=L`, as GET /v1/logs and its stream take them. */
export function logQuery(query: URLSearchParams): LogQuery {
  const lines = queryInt(query, 'lines', DEFAULT_LOG_LINES, 0, LOG_RING);
  const level = query.has('level') ? parseLogLevel(query.get('level')) : 'debug';
  return { lines, level };
}

export const activity: RouteHandler = async ({ match, services }) => {
  const { query } = match.target;
  checkQuery(query, ['since', 'limit']);
  const since = queryInt(query, 'since', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = queryInt(query, 'limit', 5000, 1, 5000);
  return { response: jsonResponse(200, await services.host.activity(since, limit)) };
};

export const samples: RouteHandler = async ({ match, services }) => {
  const { query } = match.target;
  checkQuery(query, ['since']);
  const since = queryInt(query, 'since', 0, 0, Number.MAX_SAFE_INTEGER);
  return { response: jsonResponse(200, await services.host.samples(since)) };
};

export const logs: RouteHandler = async ({ match, services }) => {
  const { query } = match.target;
  checkQuery(query, ['lines', 'level', 'follow']);
  const q = logQuery(query);
  if (queryBool(query, 'follow')) {
    // The HTTP server streams it before it gets here; what arrives here came over IPC.
    throw new ApiError('bad_request', 'following the log is served over HTTP only (GET /v1/logs?follow=true)');
  }
  const { entries, last_seq } = await services.host.logs(q);
  const page: LogPage = { records: entries.map((e) => e.rec), last_seq };
  return { response: jsonResponse(200, page) };
};
