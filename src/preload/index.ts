// The preload: exposes exactly one typed object, `window.flylight`, and nothing else — no raw
// ipcRenderer. It runs sandboxed, so it is bundled as CommonJS.

import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import type { ApiRequest, ApiResponse, ConnectionState } from '../shared/api';
import { BRIDGE_KEY, type FlylightBridge } from '../shared/bridge';
import { IPC } from '../shared/ipc';
import { recoveryState } from '../shared/sse';
import type { StoreEvent, WorkerStatus } from '../shared/types';

function listen<T>(channel: string, cb: (value: T) => void): () => void {
  const handler = (_e: IpcRendererEvent, value: T) => cb(value);
  ipcRenderer.on(channel, handler);
  return () => ipcRenderer.removeListener(channel, handler);
}

const bridge: FlylightBridge = {
  request: (req: ApiRequest) => ipcRenderer.invoke(IPC.request, req) as Promise<ApiResponse>,
  onEvent: (cb: (e: StoreEvent) => void) => listen(IPC.event, cb),
  // A restarting worker is, to the page, a dropped connection: it resyncs when all are ready.
  onConnection: (cb: (s: ConnectionState, detail?: string) => void) =>
    listen(IPC.workers, (workers: WorkerStatus[]) => {
      const r = recoveryState({ workers });
      if (r) cb(r.state, r.detail);
    }),
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
