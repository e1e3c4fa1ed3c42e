// The renderer's one way to reach Flylight, with two adapters: the preload bridge in Electron
// (IPC to the main process) and HTTP + server-sent events when `flylight serve` serves the
// page. Both end in the proxy worker's gate. Nothing else in the renderer knows which it has.

import { createApiClient, type FlylightApi, fetchTransport, type SubscribeEvents } from '../../../shared/api';
import type { FlylightBridge } from '../../../shared/bridge';
import { sseSubscriber } from '../../../shared/sse';

export interface AppClient {
  kind: 'electron' | 'browser';
  api: FlylightApi;
  /** The live event feed; reconnects by itself and reports its state. */
  subscribe: SubscribeEvents;
  /** Where the API is, until the host's status says more precisely. */
  apiUrl: string;
}

export function electronClient(bridge: FlylightBridge): AppClient {
  return {
    kind: 'electron',
    api: createApiClient((req) => bridge.request(req)),
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

export function browserClient(origin: string): AppClient {
  return {
    kind: 'browser',
    // Same origin, so the session cookie (issue 4's token exchange) goes along by itself.
    api: createApiClient(fetchTransport(origin)),
    subscribe: sseSubscriber(origin, { retryMs: 500, maxRetryMs: MAX_RETRY_MS }),
    apiUrl: origin,
  };
}
