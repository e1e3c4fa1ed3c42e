// A server-sent-events client over fetch + ReadableStream, so the same code runs in Node 20
// (`flylight watch`) and in the browser dashboard — where the built-in EventSource cannot send
// a header, and the dashboard's session travels only in one (X-Flylight-Session, never a
// cookie: see session.ts). It reconnects with exponential backoff from the server's `retry:`
// delay and sends Last-Event-ID, so the server can replay what was missed.

import type { ConnectionState, SubscribeEvents } from './api';
import type { StoreEvent } from './types';

export interface SseMessage {
  /** `event:` field; 'message' when the server sent none. */
  event: string;
  data: string;
  /** The last event id seen on the stream so far ('' when none). */
  id: string;
}

const LF = 10;
const COLON = 58;
const SPACE = 32;

/**
 * Incremental parser of the text/event-stream format (WHATWG HTML §9.2.6). It finds line ends
 * with indexOf and reads fields by offset in the chunk, so a dashboard taking ~1,500 events a
 * second does not walk every character in JavaScript (bench/sse-parse.js: the per-character
 * loop this replaced cost 3-5 µs an event, more than the JSON.parse that follows; this 0.3-0.6).
 */
export class SseParser {
  lastEventId = '';
  /** Reconnection delay the server asked for with `retry:`, if any. */
  retryMs: number | null = null;
  /** The start of a line whose end has not arrived yet. */
  private partial = '';
  private started = false;
  /** The last chunk ended with CR: an LF opening the next one is the rest of a CRLF. */
  private afterCr = false;
  private data = '';
  /** A `data` field was seen (even an empty one: `data` alone dispatches ''). */
  private hasData = false;
  private event = '';

  /** Feeds decoded text; returns the messages completed by it. */
  push(chunk: string): SseMessage[] {
    const out: SseMessage[] = [];
    if (chunk.length === 0) return out;
    let pos = 0;
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) pos = 1;
    }
    if (this.afterCr) {
      this.afterCr = false;
      if (chunk.charCodeAt(0) === LF) pos = 1;
    }
    // The next LF and CR at or after pos; each is searched again only once passed, so a chunk
    // is scanned at most once for each (a stream with no CR costs one failed search a chunk).
    let lf = chunk.indexOf('\n', pos);
    let cr = chunk.indexOf('\r', pos);
    while (lf >= 0 || cr >= 0) {
      let end: number;
      let next: number;
      if (cr < 0 || (lf >= 0 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        next = chunk.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
        // A CR closing the chunk ends its line now; an LF starting the next chunk is skipped.
        if (cr === chunk.length - 1) this.afterCr = true;
      }
      if (this.partial === '') this.line(chunk, pos, end, out);
      else {
        const line = this.partial + chunk.slice(pos, end);
        this.partial = '';
        this.line(line, 0, line.length, out);
      }
      pos = next;
      if (lf >= 0 && lf < pos) lf = chunk.indexOf('\n', pos);
      if (cr >= 0 && cr < pos) cr = chunk.indexOf('\r', pos);
    }
    if (pos < chunk.length) this.partial += chunk.slice(pos);
    return out;
  }

  /** Forgets a half-received event (the connection dropped mid-event). */
  reset(): void {
    this.partial = '';
    this.afterCr = false;
    this.data = '';
    this.hasData = false;
    this.event = '';
    this.started = false;
  }

  /** The line text[start, end) (its line ending excluded). */
  private line(text: string, start: number, end: number, out: SseMessage[]): void {
    if (start === end) {
      if (this.hasData) out.push({ event: this.event || 'message', data: this.data, id: this.lastEventId });
      this.data = '';
      this.hasData = false;
      this.event = '';
      return;
    }
    if (text.charCodeAt(start) === COLON) return; // a comment
    const colon = text.indexOf(':', start);
    const named = colon >= 0 && colon < end;
    const nameLength = (named ? colon : end) - start;
    let from = named ? colon + 1 : end;
    if (from < end && text.charCodeAt(from) === SPACE) from++;
    if (nameLength === 4 && text.startsWith('data', start)) {
      const value = text.slice(from, end);
      if (this.hasData) this.data += `\n${value}`;
      else {
        this.data = value;
        this.hasData = true;
      }
    } else if (nameLength === 5 && text.startsWith('event', start)) this.event = text.slice(from, end);
    else if (nameLength === 2 && text.startsWith('id', start)) {
      const value = text.slice(from, end);
      if (!value.includes('\0')) this.lastEventId = value;
    } else if (nameLength === 5 && text.startsWith('retry', start)) {
      const value = text.slice(from, end);
      if (/^\d+$/.test(value)) this.retryMs = Number(value);
    }
  }
}

export interface SseOptions {
  headers?: Record<string, string>;
  /** First reconnection delay until the server sends `retry:`. */
  retryMs?: number;
  /** Cap of the exponential backoff. */
  maxRetryMs?: number;
  /** Resume after this id (sent as Last-Event-ID on the first request too). */
  lastEventId?: string;
  /**
   * The server refused the stream for good (a 4xx other than 408/429), with its status and
   * error code: a 401 means the token (or the dashboard's session) is not accepted.
   */
  onRefused?: (status: number, code: string | null) => void;
  /** Injected in tests. */
  fetch?: typeof fetch;
  random?: () => number;
}

export interface SseHandlers {
  onMessage(m: SseMessage): void;
  /** 'connecting' (first attempt, and after each drop with the reason and the delay), 'open',
   *  and 'closed' — by close() or because the server refused for good (a 4xx). */
  onState?(s: ConnectionState, detail?: string): void;
}

export interface SseConnection {
  close(): void;
}

const DEFAULT_RETRY_MS = 1000;
const DEFAULT_MAX_RETRY_MS = 30_000;

export function connectSse(url: string, handlers: SseHandlers, opts: SseOptions = {}): SseConnection {
  const doFetch: typeof fetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const random = opts.random ?? Math.random;
  const parser = new SseParser();
  parser.lastEventId = opts.lastEventId ?? '';
  let closed = false;
  let failures = 0;
  let controller: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const state = (s: ConnectionState, detail?: string) => {
    try {
      handlers.onState?.(s, detail);
    } catch {
      // a listener's bug must not stop the stream
    }
  };

  const retryLater = (reason: string) => {
    if (closed) return;
    failures++;
    const base = parser.retryMs ?? opts.retryMs ?? DEFAULT_RETRY_MS;
    const max = Math.max(base, opts.maxRetryMs ?? DEFAULT_MAX_RETRY_MS);
    const backoff = Math.min(max, base * 2 ** (failures - 1));
    // Jitter keeps many dashboards from reconnecting in lockstep after a host restart.
    const delay = Math.round(failures === 1 ? backoff : backoff * (0.8 + 0.4 * random()));
    state('connecting', `${reason}; retrying in ${formatDelay(delay)}`);
    timer = setTimeout(() => {
      timer = null;
      void attempt();
    }, delay);
  };

  const attempt = async () => {
    if (closed) return;
    controller = new AbortController();
    parser.reset();
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
      ...opts.headers,
    };
    if (parser.lastEventId) headers['last-event-id'] = parser.lastEventId;
    let res: Response;
    try {
      res = await doFetch(url, { headers, signal: controller.signal });
    } catch (err) {
      if (!closed) retryLater(`cannot connect (${errorText(err)})`);
      return;
    }
    if (closed) return;
    if (!res.ok) {
      const error = await errorOf(res);
      const reason = `the server answered ${res.status}${error.message ? `: ${error.message}` : ''}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        closed = true;
        try {
          opts.onRefused?.(res.status, error.code);
        } catch {
          // a listener's bug must not hide the state change
        }
        state('closed', reason);
      } else retryLater(reason);
      return;
    }
    const type = res.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith('text/event-stream') || !res.body) {
      await res.body?.cancel().catch(() => {});
      closed = true;
      state('closed', `the server answered with ${type || 'no content type'}, not an event stream`);
      return;
    }
    state('open');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    // Why the server ended this stream, when it said (`event: error`, e.g. slow_consumer).
    let why: string | null = null;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        // Something arrived: this connection works, so the next drop starts the backoff afresh.
        failures = 0;
        for (const m of parser.push(decoder.decode(value, { stream: true }))) {
          if (closed) return;
          if (m.event === 'error') {
            why = serverReason(m.data);
            continue;
          }
          try {
            handlers.onMessage(m);
          } catch {
            // a listener's bug must not stop the stream
          }
        }
      }
      if (!closed) retryLater(why ?? 'the server closed the stream');
    } catch (err) {
      if (!closed) retryLater(`the connection dropped (${errorText(err)})`);
    }
  };

  state('connecting');
  void attempt();
  return {
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      controller?.abort();
      state('closed');
    },
  };
}

async function errorOf(res: Response): Promise<{ code: string | null; message: string | null }> {
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    return {
      code: typeof body?.error?.code === 'string' ? body.error.code : null,
      message: typeof body?.error?.message === 'string' ? body.error.message : null,
    };
  } catch {
    return { code: null, message: null };
  }
}

/** The reason in a server's `event: error` frame (`{code, message}`), as one phrase. */
export function serverReason(data: string): string {
  try {
    const e = JSON.parse(data) as { code?: unknown; message?: unknown };
    const code = typeof e?.code === 'string' ? ` (${e.code})` : '';
    const message = typeof e?.message === 'string' ? `: ${e.message}` : '';
    return `the server ended the stream${code}${message}`;
  } catch {
    return 'the server ended the stream with an error';
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`;
}

export function isStoreEvent(v: unknown): v is StoreEvent {
  if (!v || typeof v !== 'object') return false;
  const e = v as Record<string, unknown>;
  if (typeof e.seq !== 'number' || typeof e.at !== 'string') return false;
  if (e.type === 'reset') return true;
  if (e.type === 'region') return typeof e.region === 'object' && e.region !== null;
  if (e.type === 'actor') return typeof e.actor === 'string';
  if (e.type === 'vm') return typeof e.vm === 'object' && e.vm !== null && typeof e.to === 'string';
  return (
    e.type === 'machine' &&
    typeof e.machine === 'object' &&
    e.machine !== null &&
    typeof e.region === 'object' &&
    e.region !== null
  );
}

/**
 * The stream's `event: workers` frames as a connection state, the way the desktop window's
 * preload reports them: a worker restarting is, to a client, a connection that is down
 * ('connecting', "store recovering"); all ready again is 'open', after which clients resync.
 */
export function recoveryState(data: unknown): { state: ConnectionState; detail?: string } | null {
  const workers = (data as { workers?: unknown } | null)?.workers;
  if (!Array.isArray(workers)) return null;
  const down = workers.filter((w) => w?.state !== 'ready').map((w) => String(w?.name));
  return down.length > 0 ? { state: 'connecting', detail: `${down.join(', ')} recovering` } : { state: 'open' };
}

/** SubscribeEvents over the proxy's `GET /v1/events` stream of StoreEvent JSON messages. */
export function sseSubscriber(baseUrl: string, opts: SseOptions = {}): SubscribeEvents {
  const url = `${baseUrl.replace(/\/+$/, '')}/v1/events`;
  return (onEvent, onState) => {
    let recovering = false;
    return connectSse(
      url,
      {
        onMessage(m) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(m.data);
          } catch {
            return; // not ours (a comment-like keepalive sent as data): skip it
          }
          if (m.event === 'workers') {
            const r = recoveryState(parsed);
            // Only changes are news: "all ready" while nothing was down says nothing.
            if (r && (r.state !== 'open' || recovering)) {
              recovering = r.state !== 'open';
              onState?.(r.state, r.detail);
            }
          } else if (isStoreEvent(parsed)) onEvent(parsed);
        },
        onState,
      },
      opts,
    );
  };
}
