// The shape of every answer the gate gives: JSON with the headers an API response always
// carries, errors as `{"error": {...}}` with the headers their code implies.

import { ApiError, httpStatusOf, toErrorBody } from '../../shared/errors';
import type { GateResponse } from '../../shared/services';
import { REQUEST_ID_HEADER } from './request-id';

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // A slot for the request's id, filled by the gate (empty: the HTTP server fills it when it
  // writes the head). A slot in the shape makes filling it a plain store; adding the property
  // afterwards took V8's slow path, ~3 % of the proxy thread under GET /healthz.
  [REQUEST_ID_HEADER]: '',
} as const;

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): GateResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(value) };
}

/** A body already serialised as JSON (by the thread that had the data). */
export function rawJsonResponse(status: number, json: string, headers: Record<string, string> = {}): GateResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: json };
}

/**
 * The `{"error": {...}}` response for anything thrown: 405s carry their Allow header, refusals
 * that say when to come back a Retry-After, and admission's refusals their own headers.
 */
export function errorResponse(err: unknown): GateResponse {
  const body = toErrorBody(err);
  const headers: Record<string, string> = {};
  const allow = body.details?.allow;
  if (body.code === 'method_not_allowed' && Array.isArray(allow)) headers.allow = allow.join(', ');
  const retry = body.details?.retry_after_s;
  if (typeof retry === 'number' && Number.isFinite(retry))
    headers['retry-after'] = String(Math.max(1, Math.ceil(retry)));
  const own = (err as { headers?: unknown }).headers;
  if (err instanceof ApiError && typeof own === 'object' && own !== null) Object.assign(headers, own);
  return jsonResponse(httpStatusOf(body.code), { error: body }, headers);
}

/** A request header by name, whatever case the caller wrote it in; undefined when absent. */
export function headerOf(headers: Record<string, string>, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const v = headers[name];
  if (typeof v === 'string') return v;
  // Absent is the common case (an optional header): scan without an entries array per call,
  // lower-casing only names of the right length (node already lower-cases HTTP's).
  for (const k in headers) {
    if (k.length !== name.length || !Object.hasOwn(headers, k) || k.toLowerCase() !== name) continue;
    const val = headers[k];
    if (typeof val === 'string') return val;
  }
  return undefined;
}
