// The node:http side of the proxy: turns sockets into GateRequests and GateResponses back
// into bytes. It enforces what only a transport can (body size while bytes stream in, UTF-8,
// malformed HTTP, header size, slow clients), runs admission (Host, Origin, token, rate) on
// every request, and serves the two HTTP-only routes: the event stream and the dashboard.

import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { GATE_DEFAULTS, type GateLimits, LIMITS } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import { clip } from '../../shared/quote';
import type { Remote } from '../../shared/rpc';
import { type GateRequest, type GateResponse, type HostService, LONG_CALLS_MS } from '../../shared/services';
import type { Logger } from '../common/log';
import { type Admission, Refusal } from './admission';
import { TOKEN_PARAMS } from './auth';
import { ConnectionGuard } from './connections';
import { type EventHub, SSE_HEADERS } from './events';
import { type FollowStreams, streamAttacher, wantsFollow } from './follow-streams';
import { type Gate, logPath } from './gate';
import { registerGuardMetrics } from './guard-metrics';
import { answerHello } from './hello';
import { newRequestId, REQUEST_ID_HEADER, requestIdOf } from './request-id';
import { errorResponse } from './responses';
import type { RouteMatch } from './routes';
import { NOT_BUILT_TEXT, PAGE_HEADERS, type StaticFiles } from './static';
import { RefusalTally } from './tally';

export interface ProxyServerDeps {
  gate: Gate;
  hub: EventHub;
  files: StaticFiles;
  log: Logger;
  admission: Admission;
  limits?: Partial<GateLimits>;
  bodyLimit?: number;
  /** The event log and the host's log, followed (follow-streams.ts); absent, neither streams. */
  follow?: FollowStreams & { host: Remote<HostService> };
}

export interface Address {
  host: string;
  port: number;
  url: string;
}

export interface ProxyServer {
  /** Resolves with the bound address; rejects with a sentence a person can act on. */
  listen(host: string, port: number): Promise<Address>;
  /** Ends event streams, stops accepting, and closes every connection (idle ones at once). */
  close(): Promise<void>;
  readonly server: Server;
}

/** Log followers at once: each costs the host a message per log line. */
const MAX_LOG_FOLLOWERS = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function tooLarge(limit: number): ApiError {
  return new ApiError('payload_too_large', `the request body is larger than ${limit / 1024} KB`);
}

/** Reads a body, counting bytes as they arrive; stops at `limit` without buffering the rest. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: ApiError | null, value?: string) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) reject(err);
      else resolve(value as string);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      try {
        finish(null, utf8.decode(Buffer.concat(chunks)));
      } catch {
        finish(new ApiError('bad_request', 'the request body is not valid UTF-8'));
      }
    });
    req.on('error', () => finish(new ApiError('bad_request', 'the connection failed while the body was being sent')));
    req.on('aborted', () =>
      finish(new ApiError('bad_request', 'the client closed the connection before sending the whole body')),
    );
  });
}

function send(
  res: ServerResponse,
  r: { status: number; headers: Record<string, string>; body: string | Buffer },
  requestId: string,
  close = false,
) {
  if (res.headersSent || res.destroyed) return;
  // The whole head in one writeHead, a flat list, with the request's id (the gate's answers carry
  // it already): no setHeader per header, each lower-cased into a dictionary object and enumerated.
  const head: (string | number)[] = [];
  for (const k in r.headers) if (k !== REQUEST_ID_HEADER) head.push(k, r.headers[k]);
  head.push(REQUEST_ID_HEADER, r.headers[REQUEST_ID_HEADER] || requestId);
  // Text goes out as text: node joins the head and a string body into one chunk of one write
  // (a Buffer body is a copy and a second chunk), and every API answer is JSON text.
  head.push('content-length', typeof r.body === 'string' ? Buffer.byteLength(r.body) : r.body.length);
  // After a refused body the rest of it may still be on the wire: end the connection.
  if (close) head.push('connection', 'close');
  res.writeHead(r.status, head);
  res.end(r.body); // node drops the body itself for HEAD
}

export function createProxyServer(deps: ProxyServerDeps): ProxyServer {
  const { gate, hub, files, log, admission } = deps;
  const limit = deps.bodyLimit ?? LIMITS.bodyBytes;
  const limits = { ...GATE_DEFAULTS, ...deps.limits };
  const streams = new Set<ServerResponse>();

  const server = createServer(
    {
      // Slow clients: the headers must arrive within headersTimeout and the whole request
      // within requestTimeout, checked every second (node's default check is every 30 s).
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
    },
    (req, res) => {
      if (!guard.begin(req, res)) return;
      onRequest(req, res).catch((err) => {
        // Last line of defence: onRequest handles its own errors, so this is a bug, not input.
        log.error('unexpected error in the HTTP server', { error: err instanceof Error ? err.stack : String(err) });
        const id = requestIdOf(req.headers[REQUEST_ID_HEADER] as string | undefined);
        send(res, errorResponse(new ApiError('internal', 'internal error in the proxy')), id);
      });
    },
  );

  // A reply nobody reads, or a connection gone quiet in any phase, is closed once no byte has
  // moved either way for idleTimeoutMs (node destroys the socket when nothing handles 'timeout').
  // Keep it longer than the gate's deadline, so a slow answer is a 504, not a dropped socket.
  server.setTimeout(limits.idleTimeoutMs);
  const floods = new RefusalTally(
    log,
    'refused in aggregate (rate limit for requests without a valid token, connection cap)',
  );
  const guardMetrics = registerGuardMetrics(gate.metrics.registry, () => guard.size);
  const guard = new ConnectionGuard({
    max: limits.maxConnections,
    graceMs: limits.connectionGraceMs,
    onRefuse: () => {
      guardMetrics.connectionRefused();
      floods.add('connection_cap');
    },
    onEvict: (why) => guardMetrics.connectionEvicted(why),
  });
  guard.attach(server);
  admission.onAnonymous = (kind, admitted) => guardMetrics.anonymous(kind, admitted);

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    // Node already joins repeated headers into one string, all but Set-Cookie (an array), which
    // no client of ours sends: then its own object serves, without a copy per request.
    const headers =
      req.headers['set-cookie'] === undefined ? (req.headers as Record<string, string>) : flatHeaders(req);
    // Every response carries the id, refusals included; the gate reuses it from the header.
    const requestId = requestIdOf(headers[REQUEST_ID_HEADER]);
    headers[REQUEST_ID_HEADER] = requestId;
    const meta: LogMeta = {
      method: clip(method, 16),
      path: logPath(url),
      via: 'http',
      started,
      requestId,
    };
    let route: RouteMatch | null = null;
    const declared = Number(headers['content-length'] ?? 0);
    const hasBody = declared > 0 || headers['transfer-encoding'] !== undefined;

    const refuse = (err: unknown, close = false) => {
      const r = errorResponse(err);
      send(res, r, requestId, close);
      // A flood is counted (metrics, one aggregate log line a second), never logged per request.
      if (err instanceof Refusal && err.quiet) return floods.add(err.code);
      gate.record({ ...meta, status: r.status, code: (err as ApiError).code, route: route?.route ?? 'invalid' });
    };

    try {
      route = gate.routeOf({ method, url, headers });
    } catch {
      route = null; // the gate answers it below with the same error
    }

    // Who is asking comes first: a stranger learns nothing, not even the body limit.
    try {
      admission.admit({ method, url, headers, remote: req.socket.remoteAddress ?? '?', conn: req.socket }, route);
    } catch (err) {
      return refuse(err, hasBody);
    }

    // Refuse an oversized body before reading a byte of it. A scenario import carries a fleet.
    const bodyLimit = route?.route === 'scenario' ? LIMITS.scenarioBodyBytes : limit;
    if (Number.isFinite(declared) && declared > bodyLimit) return refuse(tooLarge(bodyLimit), true);

    if (route?.route === 'events') return openStream(req, res, route, meta);
    if (route?.route === 'logs' && deps.follow && wantsFollow(route.target.query))
      return openStream(req, res, route, meta);
    // A scenario moves the whole fleet; with 100k machines its answer can take longer than the
    // idle cut-off, and nothing moves on the socket meanwhile.
    if (route?.route === 'scenario') req.socket.setTimeout(2 * LONG_CALLS_MS.importScenario);
    if (route?.route === 'hello') {
      const r = answerHello(admission, route.target.query, req.socket.localPort ?? 0);
      send(res, r, requestId, hasBody);
      return gate.record({ ...meta, status: r.status, route: 'hello' });
    }
    if (route?.route === 'static') return serveFile(res, route, headers, meta);

    let body: string | undefined;
    if (hasBody && method === 'POST' && route) {
      try {
        body = await readBody(req, bodyLimit);
      } catch (err) {
        return refuse(err, true);
      }
    }
    const gr: GateRequest = { method, url, headers, via: 'http' };
    if (body !== undefined) gr.body = body;
    else if (method === 'POST') gr.body = '';
    const r: GateResponse = await gate.handle(gr, route ?? undefined);
    // An unread body (say, on a 404) would be parsed as the next request: close instead.
    send(res, r, requestId, hasBody && body === undefined);
  };

  /** The store's events (with the event log after `since` when asked), or the host's log followed. */
  const openStream = (req: IncomingMessage, res: ServerResponse, route: RouteMatch, meta: LogMeta) => {
    const follow = deps.follow;
    let attach: () => () => void;
    try {
      attach = streamAttacher(route, res, hub, follow, req.headers['last-event-id'] as string | undefined);
    } catch (err) {
      const r = errorResponse(err);
      send(res, r, meta.requestId);
      gate.record({ ...meta, status: r.status, route: route.route, code: (err as ApiError).code });
      return;
    }
    if (hub.full || (route.route === 'logs' && (follow?.logs.size ?? 0) >= MAX_LOG_FOLLOWERS)) {
      const r = errorResponse(new ApiError('unavailable', 'too many event streams are open; try again later'));
      send(res, r, meta.requestId);
      gate.record({ ...meta, status: r.status, route: route.route, code: 'unavailable' });
      return;
    }
    res.writeHead(200, { ...SSE_HEADERS, [REQUEST_ID_HEADER]: meta.requestId });
    if (req.method === 'HEAD') {
      res.end();
      gate.record({ ...meta, status: 200, route: route.route });
      return;
    }
    req.socket.setNoDelay(true);
    // Heartbeats keep a stream busy; one that stops reading is dropped by the hub's buffer cap.
    req.socket.setTimeout(0);
    guard.markStream(req.socket);
    streams.add(res);
    if (route.route === 'events') gate.metrics.sseClients = hub.size + 1;
    if (route.route === 'logs') res.write(': following the host log\nretry: 2000\n\n');
    const detach = attach();
    // One log line per request: written when the stream ends, with its whole duration.
    res.once('close', () => {
      detach();
      streams.delete(res);
      gate.metrics.sseClients = hub.size;
      gate.record({ ...meta, status: 200, route: route.route });
    });
  };

  const serveFile = async (res: ServerResponse, route: RouteMatch, headers: Record<string, string>, meta: LogMeta) => {
    let status: number;
    const index = route.params.file === 'index.html';
    // The page's security headers (no framing, no Referer: it may have been reached through a
    // token link); under a URL that holds the token, no copy is kept in any cache.
    const privacy: Record<string, string> = index ? { ...PAGE_HEADERS } : {};
    if (index && TOKEN_PARAMS.some((p) => route.target.query.has(p))) privacy['cache-control'] = 'no-store';
    if (!files.built && index) {
      status = 200;
      const plain = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', ...privacy };
      send(res, { status, headers: plain, body: NOT_BUILT_TEXT }, meta.requestId);
    } else {
      try {
        const r = await files.serve(route.params.file, {
          acceptEncoding: headers['accept-encoding'],
          ifNoneMatch: headers['if-none-match'],
        });
        status = r.status;
        send(res, { ...r, headers: { ...r.headers, ...privacy } }, meta.requestId);
      } catch (err) {
        const r = errorResponse(err);
        status = r.status;
        send(res, r, meta.requestId);
      }
    }
    gate.record({ ...meta, status, route: 'static' });
  };

  // Requests node cannot even parse: answer in the API's error shape instead of a bare 400.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const message =
      status === 431
        ? 'the request headers are too large'
        : status === 408
          ? 'the request took too long to arrive'
          : `malformed HTTP request (${clip(err.code ?? 'parse error', 40)})`;
    const body = JSON.stringify({ error: { code: 'bad_request', message } });
    const requestId = newRequestId();
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `${REQUEST_ID_HEADER}: ${requestId}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    gate.record({
      method: '?',
      path: '?',
      via: 'http',
      started: performance.now(),
      status,
      code: 'bad_request',
      route: 'invalid',
      requestId,
    });
  });

  return {
    server,
    listen: (host, port) =>
      new Promise<Address>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => reject(new Error(listenErrorMessage(err, host, port)));
        server.once('error', onError);
        server.listen({ host, port }, () => {
          server.off('error', onError);
          server.on('error', (err) => log.error('HTTP server error', { error: err.message }));
          const a = server.address();
          const bound = typeof a === 'object' && a ? a.port : port;
          const shown = host.includes(':') ? `[${host}]` : host;
          resolve({ host, port: bound, url: `http://${shown}:${bound}` });
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        floods.flush();
        hub.closeAll();
        deps.follow?.activity.closeAll();
        deps.follow?.logs.closeAll();
        for (const s of streams) s.end();
        if (!server.listening) return resolve();
        const force = setTimeout(() => server.closeAllConnections(), 500);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

type LogMeta = { method: string; path: string; via: 'http'; started: number; requestId: string };

export function listenErrorMessage(err: NodeJS.ErrnoException, host: string, port: number): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} is in use; pass --port N or --port 0`;
    case 'EACCES':
      return `not allowed to listen on ${host}:${port}; pass --port N with N above 1023, or --port 0`;
    case 'EADDRNOTAVAIL':
      return `address ${host} is not available on this computer; use 127.0.0.1`;
    default:
      return `cannot listen on ${host}:${port}: ${err.message}`;
  }
}
