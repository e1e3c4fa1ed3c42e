// The preload: exposes exactly one typed object, `window.flylight`, and nothing else — no raw
// ipcRenderer. It runs sandboxed, so it is bundled as CommonJS.

import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import type { ApiRequest, ApiResponse, ConnectionState } from '../shared/api';
import { BRIDGE_KEY, type FlylightBridge } from '../shared/bridge';
import { IPC } from '../shared/ipc';
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
    listen(IPC.workers, (ws: WorkerStatus[]) => {
      const down = ws.filter((w) => w.state !== 'ready');
      if (down.length === 0) cb('open');
      else cb('connecting', `${down.map((w) => w.name).join(', ')} recovering`);
    }),
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
