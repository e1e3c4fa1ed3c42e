// The renderer's one way to reach Flylight, with two adapters: the preload bridge in Electron
// (IPC to the main process) and HTTP + server-sent events when `flylight serve` serves the
// page. Both end in the proxy worker's gate. Nothing else in the renderer knows which it has.

import { createApiClient, type FlylightApi, fetchTransport, type SubscribeEvents } from '../../../shared/api';
import type { FlylightBridge } from '../../../shared/bridge';
import { sseSubscriber } from '../../../shared/sse';
import { guardAuth, type SessionStore, sessionHeaders } from '../state/auth';

export interface AppClient {
  kind: 'electron' | 'browser';
  api: FlylightApi;
  /** The live event feed; reconnects by itself and reports its state. */
  subscribe: SubscribeEvents;
  /** Where the API is, until the host's status says more precisely. */
  apiUrl: string;
  /**
   * Calls `cb` when a call or the event stream answers 401: this page has no valid session.
   * (Only the browser can meet it: the Electron window talks over IPC and needs no key.)
   */
  onUnauthorized(cb: (message: string) => void): () => void;
  /**
   * Calls `cb` for every read answered: why the host's copy of a shared fleet may be stale
   * (it cannot renew its etcd lease), or null once its answers are current.
   */
  onStale(cb: (reason: string | null) => void): () => void;
}

function listeners<T>() {
  const set = new Set<(v: T) => void>();
  return {
    add(cb: (v: T) => void): () => void {
      set.add(cb);
      return () => set.delete(cb);
    },
    emit(v: T): void {
      for (const cb of set) cb(v);
    },
  };
}

export function electronClient(bridge: FlylightBridge): AppClient {
  const refused = listeners<string>();
  const stale = listeners<string | null>();
  return {
    kind: 'electron',
    api: guardAuth(
      createApiClient((req) => bridge.request(req), stale.emit),
      (m) => refused.emit(m),
    ),
    onUnauthorized: refused.add,
    onStale: stale.add,
    subscribe(onEvent, onState) {
      const offEvent = bridge.onEvent(onEvent);
      const offConn = bridge.onConnection?.((s, detail) => onState?.(s, detail));
      // IPC has no handshake: the channel exists as soon as the page does.
      onState?.('open');
      return {
        close() {
          offEvent();
          offConn?.();
          onState?.('closed');
        },
      };
    },
    apiUrl: 'IPC',
  };
}

/** Reconnection backoff cap: a dashboard left open should find a restarted host quickly. */
const MAX_RETRY_MS = 5000;

/**
 * The dashboard over HTTP: every call and the event stream carry the session from `sessions`
 * (state/auth.ts); a 401 forgets it, since it will never work again.
 */
export function browserClient(origin: string, sessions: SessionStore): AppClient {
  const refused = listeners<string>();
  const stale = listeners<string | null>();
  const headers = sessionHeaders(sessions.get());
  const refuse = (message: string) => {
    sessions.clear();
    refused.emit(message);
  };
  return {
    kind: 'browser',
    api: guardAuth(createApiClient(fetchTransport(origin, headers), stale.emit), refuse),
    // A fetch-based reader (not EventSource), so the stream carries the session header too.
    subscribe: sseSubscriber(origin, {
      headers,
      retryMs: 500,
      maxRetryMs: MAX_RETRY_MS,
      onRefused: (status) => {
        if (status === 401) refuse('the live event stream was refused (401): this page has no valid session');
      },
    }),
    apiUrl: origin,
    onUnauthorized: refused.add,
    onStale: stale.add,
  };
}
