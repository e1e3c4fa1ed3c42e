// The CLI's HTTP client over node:http. Node's global fetch is undici, and loading it costs
// ~0.13 s of every run (more than the rest of a `flylight regions` together); a CLI call is one
// or two small JSON requests to a local port, which node:http does without loading anything.
// One keep-alive agent per process, so the identity check and the call share a connection.

import { Agent, request as httpOnlyRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { type ApiRequest, type ApiResponse, fetchFailure, STALE_HEADER, type Transport } from '../shared/api';
import { ApiError } from '../shared/errors';
import { IDEMPOTENCY_HEADER } from '../shared/validation';

export interface HttpAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

interface Client {
  request: typeof httpOnlyRequest;
  agent: Agent;
}

let plain: Client | undefined;
let tls: Promise<Client> | undefined;

/** node:http for http:, node:https (loaded only then: TLS is not free either) for https:. */
async function clientFor(protocol: string): Promise<Client> {
  if (protocol !== 'https:') {
    plain ??= { request: httpOnlyRequest, agent: new Agent({ keepAlive: true, maxSockets: 4 }) };
    return plain;
  }
  tls ??= import('node:https').then((m) => ({
    request: m.request as typeof httpOnlyRequest,
    agent: new m.Agent({ keepAlive: true, maxSockets: 4 }),
  }));
  return tls;
}

/**
 * One request; rejects only when no answer came (refused, dropped), with the same errors the
 * fetch transport gives (`fetchFailure`), so retries and "nothing is listening" read the same.
 */
export async function httpRequest(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<HttpAnswer> {
  const base = url.origin;
  const { request, agent } = await clientFor(url.protocol);
  return new Promise<HttpAnswer>((resolve, reject) => {
    const options: RequestOptions = { method: init.method, headers: init.headers, agent };
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', (err) => reject(fetchFailure(base, { message: err.message, cause: err })));
    });
    // fetchFailure reads `cause.code`: ECONNREFUSED and friends mean nothing listens there.
    req.on('error', (err) => reject(fetchFailure(base, { message: err.message, cause: err })));
    req.end(init.body);
  });
}

/** A Transport for the CLI: the API over node:http, answering as fetchTransport does. */
export function httpTransport(baseUrl: string, headers: Record<string, string> = {}): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      h['content-type'] = 'application/json';
    }
    if (req.idempotencyKey !== undefined) h[IDEMPOTENCY_HEADER] = req.idempotencyKey;
    const res = await httpRequest(new URL(base + req.path), { method: req.method, headers: h, body });
    let parsed: unknown = null;
    if (res.text) {
      try {
        parsed = JSON.parse(res.text);
      } catch {
        const where = `${req.method} ${req.path.split('?')[0]}`;
        throw new ApiError('internal', `${where} answered ${res.status} with a body that is not JSON`);
      }
    }
    const answer: ApiResponse = { status: res.status, body: parsed };
    if (res.headers['idempotent-replayed'] === 'true') answer.replayed = true;
    const stale = res.headers[STALE_HEADER];
    if (typeof stale === 'string' && stale) answer.stale = stale;
    return answer;
  };
}
