// The Electron entry: the only main-process file that imports 'electron'. Everything it starts
// (host, workers, proxy) is plain Node code shared with `flylight serve`; this file adds the
// window, the single-instance lock, the security settings and the IPC wiring. The policy it
// applies lives in window-policy.ts and app-protocol.ts, where it is tested without Electron.

import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  type IpcMainInvokeEvent,
  ipcMain,
  protocol,
  session,
  type WebContents,
} from 'electron';
import { IPC } from '../shared/ipc';
import { rendererDirFrom, rendererResponse } from './app-protocol';
import { desktopHostConfig, desktopStartMessage, startDesktopHost } from './desktop-host';
import type { RunningHost } from './host/host';
import { startHost } from './host/host';
import { handleIpcRequest } from './host/ipc-gate';
import { startErrorMessage } from './host/start-error';
import {
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  appWebPreferences,
  CONTENT_SECURITY_POLICY,
  isAppSender,
  rendererSource,
} from './window-policy';

const source = rendererSource(app.isPackaged, process.env.ELECTRON_RENDERER_URL);
if (source.ignored) console.warn(source.ignored);
// Must happen before 'ready'.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

let host: RunningHost | null = null;
let starting: Promise<unknown> | null = null;
let win: BrowserWindow | null = null;
/** A second instance arrived before the window was shown: focus it once it shows. */
let focusWhenShown = false;
/** The window once it has been shown (focusing one still hidden would come before its show). */
let shownWin: BrowserWindow | null = null;

const FORBIDDEN = { status: 403, body: { error: { code: 'forbidden', message: 'IPC from an unknown frame' } } };

function senderOf(event: IpcMainInvokeEvent) {
  const frame = event.senderFrame;
  return frame ? { url: frame.url, top: frame === event.sender.mainFrame } : null;
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
    webPreferences: appWebPreferences(join(__dirname, '../preload/index.cjs')),
  });
  lockDown(w.webContents);
  w.once('ready-to-show', () => {
    w.show();
    shownWin = w;
    if (focusWhenShown) w.focus();
    focusWhenShown = false;
  });
  w.on('closed', () => {
    if (win === w) win = null;
  });
  void w.loadURL(source.url);
  return w;
}

function secureSession(): void {
  const ses = session.defaultSession;
  // The app asks for no permission: refuse every request and every check.
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  protocol.handle(APP_SCHEME, (request) => rendererResponse(rendererDirFrom(__dirname), request));
  if (source.dev) {
    // The dev server sends no policy header; our own protocol does.
    ses.webRequest.onHeadersReceived((details, callback) => {
      callback({
        responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
      });
    });
  }
}

async function boot(): Promise<void> {
  await app.whenReady();
  secureSession();

  const started = startDesktopHost(desktopHostConfig(process.env, app.getPath('userData')), {
    start: startHost,
    messageOf: startErrorMessage,
  });
  starting = started;
  try {
    const { host: h, moved } = await started;
    host = h;
    if (moved) console.log(moved);
  } catch (err) {
    dialog.showErrorBox('Flylight could not start', desktopStartMessage(err, startErrorMessage));
    app.exit(1);
    return;
  }
  const running = host;

  ipcMain.handle(IPC.request, (event, req: unknown) => {
    if (!isAppSender(senderOf(event), source)) {
      console.warn(`refused an API call over IPC from ${JSON.stringify(event.senderFrame?.url ?? null).slice(0, 200)}`);
      return FORBIDDEN;
    }
    return handleIpcRequest(req, running.gate);
  });
  running.onEvent((e) => win?.webContents.send(IPC.event, e));
  running.onWorkers((ws) => win?.webContents.send(IPC.workers, ws));
  void running.finished.then((r) => {
    if (r.ok || !r.reason) return;
    dialog.showErrorBox('Flylight stopped', r.reason);
    app.exit(1);
  });

  win = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  // The first instance gets 'second-instance' and shows its window; this one starts nothing.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win || win !== shownWin) {
      focusWhenShown = true;
      return;
    }
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('web-contents-created', (_e, contents) => lockDown(contents));
  app.on('window-all-closed', () => app.quit());
  let stopped = false;
  app.on('before-quit', (e) => {
    if (stopped || !starting) return;
    // Flush FlyD's queues and stop the workers (and wait for a start under way) before the
    // process goes: a launch answered 201 is then in the store on the next start.
    e.preventDefault();
    stopped = true;
    void starting
      .catch(() => undefined)
      .then(() => host?.stop())
      .finally(() => app.quit());
  });
  boot().catch((err) => {
    dialog.showErrorBox('Flylight could not start', desktopStartMessage(err, startErrorMessage));
    app.exit(1);
  });
}
