// Carries an API request that arrived over Electron IPC into the proxy worker's gate, so the
// console pane and the dashboard in the desktop window pass the same validation, metrics and
// log line as HTTP clients. Plain Node: tested without Electron.

import { type ApiRequest, type ApiResponse, STALE_HEADER } from '../../shared/api';
import { ApiError, toErrorBody } from '../../shared/errors';
import type { GateRequest, GateResponse } from '../../shared/services';
import { IDEMPOTENCY_HEADER } from '../../shared/validation';

const METHODS = new Set(['GET', 'POST', 'DELETE']);

/** Rejects anything that is not a well-formed ApiRequest: the renderer is not trusted. */
export function toGateRequest(input: unknown): GateRequest {
  const req = input as Partial<ApiRequest> | null;
  if (typeof req !== 'object' || req === null) throw new ApiError('bad_request', 'IPC request must be an object');
  if (typeof req.method !== 'string' || !METHODS.has(req.method)) {
    throw new ApiError('bad_request', `IPC request method must be one of ${[...METHODS].join(', ')}`);
  }
  if (typeof req.path !== 'string' || !req.path.startsWith('/') || req.path.length > 2048) {
    throw new ApiError('bad_request', 'IPC request path must be a string starting with / (at most 2048 characters)');
  }
  const gate: GateRequest = { method: req.method, url: req.path, headers: { accept: 'application/json' }, via: 'ipc' };
  if (req.idempotencyKey !== undefined) {
    // Only the shape here; the gate checks the value as it does the HTTP header's.
    if (typeof req.idempotencyKey !== 'string' || req.idempotencyKey.length > 256) {
      throw new ApiError('bad_request', 'IPC request idempotencyKey must be a string (at most 256 characters)');
    }
    gate.headers[IDEMPOTENCY_HEADER] = req.idempotencyKey;
  }
  if (req.body !== undefined) {
    gate.body = JSON.stringify(req.body);
    gate.headers['content-type'] = 'application/json';
    gate.headers['content-length'] = String(Buffer.byteLength(gate.body));
  }
  return gate;
}

export function fromGateResponse(res: GateResponse): ApiResponse {
  let body: unknown = null;
  if (res.body) {
    try {
      body = JSON.parse(res.body);
    } catch {
      body = { error: { code: 'internal', message: `gate answered ${res.status} with a body that is not JSON` } };
    }
  }
  // The console's `launch` says when an Idempotency-Key replayed an earlier launch.
  const answer: ApiResponse = { status: res.status, body };
  if (res.headers['idempotent-replayed'] === 'true') answer.replayed = true;
  if (res.headers[STALE_HEADER]) answer.stale = res.headers[STALE_HEADER];
  return answer;
}

/** Never rejects: every failure becomes the same `{error}` response an HTTP client would get. */
export async function handleIpcRequest(
  input: unknown,
  gate: (req: GateRequest) => Promise<GateResponse>,
): Promise<ApiResponse> {
  try {
    return fromGateResponse(await gate(toGateRequest(input)));
  } catch (err) {
    const e =
      err instanceof ApiError
        ? err
        : new ApiError('unavailable', `the proxy could not be reached: ${toErrorBody(err).message}`);
    return { status: e.status, body: { error: e.toBody() } };
  }
}
