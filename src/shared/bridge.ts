// The one object the Electron preload exposes to the renderer (as `window.flylight`), and
// nothing else: no raw ipcRenderer, no Node. It is deliberately as small as the HTTP surface
// the browser dashboard uses, so the renderer runs unchanged in both places:
//
//   request  ≙ fetch of one /v1 (or /healthz) call — it goes through the proxy worker's gate,
//              so validation, metrics and the log line are the same as over HTTP. It resolves
//              with the gate's status and parsed JSON body, errors included (`{error:{code,
//              message}}`), and rejects only when the host cannot be reached at all.
//   onEvent  ≙ the SSE stream /v1/events: every StoreEvent the store publishes.
//   onConnection (optional) ≙ the stream's open/close: lets the main process say "the host is
//              restarting" ('connecting'/'closed') and "back" ('open'); the renderer resyncs
//              from a snapshot on every 'open' that follows a drop. Without it the renderer
//              treats the bridge as always open.
//
// Every subscription returns its own unsubscribe function.

import type { ApiRequest, ApiResponse, ConnectionState } from './api';
import type { StoreEvent } from './types';

export interface FlylightBridge {
  request(req: ApiRequest): Promise<ApiResponse>;
  onEvent(cb: (e: StoreEvent) => void): () => void;
  onConnection?(cb: (state: ConnectionState, detail?: string) => void): () => void;
}

/** The global name the preload uses with contextBridge.exposeInMainWorld. */
export const BRIDGE_KEY = 'flylight';
