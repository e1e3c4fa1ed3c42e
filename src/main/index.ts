// The Electron entry: the only main-process file that imports 'electron'. Everything it starts
// (host, workers, proxy) is plain Node code shared with `flylight serve`; this file adds the
// window, the single-instance lock, the security settings and the IPC wiring.

import { join } from 'node:path';
import { app, BrowserWindow, dialog, type IpcMainInvokeEvent, ipcMain, session, type WebContents } from 'electron';
import { DEFAULT_FLYD_INTERVAL_MS, DEFAULT_NUM_CANDIDATES, DEFAULT_PORT, type HostConfig } from '../shared/config';
import { IPC } from '../shared/ipc';
import { endpointPath } from './host/endpoint';
import type { RunningHost } from './host/host';
import { startErrorMessage, startHost } from './host/host';
import { handleIpcRequest } from './host/ipc-gate';
import { builtDashboardDir, defaultConfigDir, defaultRegionsFile } from './host/paths';
import { withCredentials } from './host/token';

const RENDERER_DEV_URL = process.env.ELECTRON_RENDERER_URL;
const RENDERER_FILE = join(__dirname, '../renderer/index.html');

let host: RunningHost | null = null;
let win: BrowserWindow | null = null;

function hostConfig(port: number): HostConfig {
  const envPort = Number(process.env.FLYLIGHT_PORT);
  return {
    host: '127.0.0.1',
    port: Number.isInteger(envPort) && envPort >= 0 ? envPort : port,
    regionsFile: process.env.FLYLIGHT_REGIONS ?? defaultRegionsFile(),
    flydIntervalMs: Number(process.env.FLYLIGHT_FLYD_INTERVAL) || DEFAULT_FLYD_INTERVAL_MS,
    numCandidates: DEFAULT_NUM_CANDIDATES,
    dataDir: join(app.getPath('userData'), 'data'),
    staticDir: builtDashboardDir(),
    rpcTimeoutMs: 5000,
    logFormat: 'pretty',
    // The window talks over IPC and needs no token; the CLI and browsers on the port do.
    ...withCredentials(defaultConfigDir()),
    // Where this app listens (it may have moved off 3030), for the CLI to find and verify.
    endpointFile: endpointPath(defaultConfigDir()),
  };
}

/** Only our own renderer, in its top frame, may call the API. */
function fromOurRenderer(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  const url = frame.url;
  return RENDERER_DEV_URL
    ? url.startsWith(RENDERER_DEV_URL)
    : url.startsWith('file://') && url.includes('/out/renderer/');
}

function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#0b0f17',
    title: 'Flylight',
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
    },
  });
  lockDown(w.webContents);
  w.once('ready-to-show', () => w.show());
  if (RENDERER_DEV_URL) void w.loadURL(RENDERER_DEV_URL);
  else void w.loadFile(RENDERER_FILE);
  return w;
}

async function boot(): Promise<void> {
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  // The same policy as the page's meta tag, also as a header for the dev server.
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [
          "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ],
      },
    });
  });

  try {
    host = await startHost(hostConfig(DEFAULT_PORT));
  } catch (err) {
    const msg = startErrorMessage(err);
    if (/in use/i.test(msg))
      host = await startHost(hostConfig(0)); // the CLI can still find it via --api
    else {
      dialog.showErrorBox('Flylight could not start', msg);
      app.exit(1);
      return;
    }
  }

  ipcMain.handle(IPC.request, (event, req: unknown) => {
    if (!fromOurRenderer(event) || !host) {
      return { status: 403, body: { error: { code: 'forbidden', message: 'IPC from an unknown frame' } } };
    }
    return handleIpcRequest(req, host.gate);
  });
  host.onEvent((e) => win?.webContents.send(IPC.event, e));
  host.onWorkers((ws) => win?.webContents.send(IPC.workers, ws));
  void host.finished.then((r) => {
    if (!r.ok && r.reason) dialog.showErrorBox('Flylight stopped', r.reason);
  });

  win = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('web-contents-created', (_e, contents) => lockDown(contents));
  app.on('window-all-closed', () => app.quit());
  let quitting = false;
  app.on('before-quit', (e) => {
    if (quitting || !host) return;
    // Flush FlyD queues and stop the workers before the process goes.
    e.preventDefault();
    quitting = true;
    void host.stop().finally(() => app.quit());
  });
  boot().catch((err) => {
    dialog.showErrorBox('Flylight could not start', startErrorMessage(err));
    app.exit(1);
  });
}
