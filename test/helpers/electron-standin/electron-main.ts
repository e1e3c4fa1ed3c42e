// A stand-in for the 'electron' module in the main process: just the part Flylight's main
// bundle uses, typed against Electron's own declarations, recording what the app does and
// letting the test play the user, the page and the OS (commands over the child's IPC channel).

import { EventEmitter } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as E from 'electron';
import { describeExposed, type Page, runPreload } from './page.js';
import type { FrameSpec, Report, ToChild } from './protocol.js';
import { WORKERS } from './register.js';

const send = (r: Report, then?: () => void) => {
  if (process.send) process.send(r, undefined, undefined, () => then?.());
  else then?.();
};
const record = (kind: string, data?: unknown) => send({ t: 'record', kind, data });

const userData = process.env.FAKE_ELECTRON_USER_DATA ?? '';
if (!userData) throw new Error('the stand-in needs FAKE_ELECTRON_USER_DATA');

function preventable() {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

// ---- app ---------------------------------------------------------------------------------

let ready = false;
let pendingNotify: Promise<void> = Promise.resolve();
let exiting = false;

function exitProcess(code: number): void {
  if (exiting) return;
  exiting = true;
  record('exit', { code });
  void pendingNotify.then(() => send({ t: 'record', kind: 'bye' }, () => process.exit(code)));
}

class App extends EventEmitter {
  readonly isPackaged = process.env.FAKE_ELECTRON_PACKAGED === '1';
  private quitting = false;
  private readonly ready = new Promise<void>((resolve) =>
    // After the main script's synchronous part, as Electron emits 'ready'.
    setImmediate(() => {
      ready = true;
      this.emit('ready');
      resolve();
    }),
  );

  whenReady: E.App['whenReady'] = () => this.ready;
  getPath: E.App['getPath'] = (name) => (name === 'userData' ? userData : join(userData, name));

  /** Per userData directory, as Chromium's: a lock file, and a socket the second instance calls. */
  requestSingleInstanceLock: E.App['requestSingleInstanceLock'] = () => {
    const lock = join(userData, 'SingletonLock');
    const sock = join(userData, 'SingletonSocket');
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
    } catch {
      const owner = Number(readFileSync(lock, 'utf8'));
      let alive = true;
      try {
        process.kill(owner, 0);
      } catch {
        alive = false;
      }
      if (alive) {
        pendingNotify = new Promise<void>((resolve) => {
          const c = connect(sock, () => c.end(JSON.stringify({ argv: process.argv, cwd: process.cwd() })));
          c.on('close', () => resolve());
          c.on('error', () => resolve());
        });
        record('single-instance-lock', { granted: false });
        return false;
      }
      rmSync(lock, { force: true });
      return this.requestSingleInstanceLock();
    }
    rmSync(sock, { force: true });
    const server = createServer((c) => {
      let text = '';
      c.on('data', (d) => (text += d.toString()));
      c.on('end', () => {
        const { argv, cwd } = JSON.parse(text) as { argv: string[]; cwd: string };
        record('second-instance', { argv });
        this.emit('second-instance', preventable(), argv, cwd, {});
      });
    });
    server.listen(sock);
    server.unref();
    process.on('exit', () => rmSync(lock, { force: true }));
    record('single-instance-lock', { granted: true });
    return true;
  };

  quit: E.App['quit'] = () => {
    if (this.quitting) return;
    const before = preventable();
    this.emit('before-quit', before);
    if (before.defaultPrevented) {
      record('quit-deferred');
      return;
    }
    this.quitting = true;
    for (const w of [...BrowserWindow.all]) w.close();
    const will = preventable();
    this.emit('will-quit', will);
    if (will.defaultPrevented) {
      this.quitting = false;
      return;
    }
    this.emit('quit', preventable(), 0);
    exitProcess(0);
  };

  exit: E.App['exit'] = (code = 0) => exitProcess(code);
}

export const app = new App();

// ---- windows -----------------------------------------------------------------------------

class WebContents extends EventEmitter {
  private static next = 1;
  readonly id = WebContents.next++;
  /** WebFrameMain stand-in: the IPC handler compares identity and reads `url`. */
  readonly mainFrame = { url: '' };
  page: Page | null = null;
  openHandler: ((d: E.HandlerDetails) => E.WindowOpenHandlerResponse) | null = null;

  constructor() {
    super();
    app.emit('web-contents-created', preventable(), this);
  }
  setWindowOpenHandler: E.WebContents['setWindowOpenHandler'] = (handler) => {
    this.openHandler = handler;
  };
  send: E.WebContents['send'] = (channel, ...args) => this.page?.deliver(channel, args);
  isDestroyed = () => false;
}

export class BrowserWindow extends EventEmitter {
  static all: BrowserWindow[] = [];
  static getAllWindows() {
    return [...BrowserWindow.all];
  }
  readonly webContents = new WebContents();
  private minimized = false;

  constructor(private readonly options: E.BrowserWindowConstructorOptions = {}) {
    super();
    if (!ready) throw new Error('Cannot create BrowserWindow before app is ready');
    record('window', options);
    BrowserWindow.all.push(this);
  }

  loadFile = (file: string) => this.loadURL(pathToFileURL(file).href);

  loadURL = async (url: string): Promise<void> => {
    record('load', { url });
    this.webContents.mainFrame.url = url;
    if (url.startsWith('flylight:')) {
      const res = await fetchApp(url);
      record('page-loaded', { url, status: res.status, contentType: res.headers.get('content-type') });
    }
    const preload = this.options.webPreferences?.preload;
    if (preload) {
      if (!existsSync(preload)) {
        record('preload-missing', { preload });
      } else {
        try {
          this.webContents.page = runPreload(preload, (channel, args) => invoke(this.webContents, channel, args));
          record('exposed', describeExposed(this.webContents.page));
          actAsPage(this.webContents.page);
        } catch (err) {
          record('preload-error', { message: (err as Error).message });
        }
      }
    }
    setImmediate(() => this.emit('ready-to-show', preventable()));
  };

  show = () => record('show');
  focus = () => record('focus');
  restore = () => {
    this.minimized = false;
    record('restore');
  };
  minimize = () => {
    this.minimized = true;
  };
  isMinimized = () => this.minimized;
  close = () => {
    BrowserWindow.all = BrowserWindow.all.filter((w) => w !== this);
    this.emit('closed');
  };
}

/** The page: subscribes through the bridge as the renderer does, and reports what arrives. */
function actAsPage(page: Page): void {
  const bridge = page.exposed.get('flylight') as
    | { onEvent(cb: (e: unknown) => void): void; onConnection?(cb: (s: string, d?: string) => void): void }
    | undefined;
  bridge?.onEvent((e) => record('page-event', e));
  bridge?.onConnection?.((state, detail) => record('page-connection', { state, detail }));
}

// ---- IPC -----------------------------------------------------------------------------------

type Handler = (event: E.IpcMainInvokeEvent, ...args: unknown[]) => unknown;
const handlers = new Map<string, Handler>();

export const ipcMain: Pick<E.IpcMain, 'handle'> = {
  handle(channel, listener) {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    handlers.set(channel, listener as Handler);
    record('ipc-handle', { channel });
  },
};

async function invoke(wc: WebContents, channel: string, args: unknown[], frame: FrameSpec = {}): Promise<unknown> {
  const handler = handlers.get(channel);
  if (!handler) throw new Error(`No handler registered for '${channel}'`);
  const top = frame.top !== false;
  const senderFrame = top ? wc.mainFrame : { url: frame.url ?? wc.mainFrame.url };
  const saved = wc.mainFrame.url;
  if (top && frame.url !== undefined) wc.mainFrame.url = frame.url;
  const event = { sender: wc, senderFrame, frameId: top ? 1 : 2, processId: 1 } as unknown as E.IpcMainInvokeEvent;
  try {
    const result = handler(event, ...structuredClone(args));
    wc.mainFrame.url = saved; // the handler reads the frame synchronously
    return structuredClone(await result);
  } finally {
    wc.mainFrame.url = saved;
  }
}

// ---- dialog, session, protocol -------------------------------------------------------------

export const dialog: Pick<E.Dialog, 'showErrorBox'> = {
  showErrorBox(title, content) {
    record('dialog', { title, content });
  },
};

type RequestHandler = Parameters<E.Session['setPermissionRequestHandler']>[0];
type CheckHandler = Parameters<E.Session['setPermissionCheckHandler']>[0];
let permissionRequest: RequestHandler = null;
let permissionCheck: CheckHandler = null;

export const session = {
  defaultSession: {
    setPermissionRequestHandler: ((h) => {
      permissionRequest = h;
    }) satisfies E.Session['setPermissionRequestHandler'],
    setPermissionCheckHandler: ((h) => {
      permissionCheck = h;
    }) satisfies E.Session['setPermissionCheckHandler'],
    webRequest: {
      onHeadersReceived: (() => record('headers-hook')) as E.WebRequest['onHeadersReceived'],
    },
  },
};

const protocolHandlers = new Map<string, (req: Request) => Response | Promise<Response>>();

export const protocol: Pick<E.Protocol, 'registerSchemesAsPrivileged' | 'handle'> = {
  registerSchemesAsPrivileged(schemes) {
    if (ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    record('privileged-schemes', schemes);
  },
  handle(scheme, handler) {
    if (!ready) throw new Error('protocol.handle can only be used after app is ready');
    protocolHandlers.set(scheme, handler as (req: Request) => Response | Promise<Response>);
    record('protocol-handle', { scheme });
  },
};

async function fetchApp(url: string, method = 'GET'): Promise<Response> {
  const handler = protocolHandlers.get(new URL(url).protocol.slice(0, -1));
  if (!handler) return new Response('no handler for this scheme', { status: 599 });
  return handler(new Request(url, { method }));
}

// ---- the test's commands -----------------------------------------------------------------

function theWindow(): BrowserWindow {
  const w = BrowserWindow.all[0];
  if (!w) throw new Error('there is no window');
  return w;
}

async function run(m: ToChild): Promise<unknown> {
  switch (m.cmd) {
    case 'invoke':
      return invoke(theWindow().webContents, m.channel, m.args, m.frame);
    case 'page-request': {
      const bridge = theWindow().webContents.page?.exposed.get('flylight') as
        | { request(r: unknown): Promise<unknown> }
        | undefined;
      if (!bridge) throw new Error('the preload exposed no flylight bridge');
      return bridge.request(m.req);
    }
    case 'navigate':
    case 'attach-webview': {
      const wc = m.contents === 'new' ? new WebContents() : theWindow().webContents;
      const e = preventable();
      if (m.cmd === 'navigate') wc.emit('will-navigate', e, m.url);
      else wc.emit('will-attach-webview', e, { nodeIntegration: false }, { src: m.url });
      return { prevented: e.defaultPrevented };
    }
    case 'window-open': {
      const h = theWindow().webContents.openHandler;
      return h ? h({ url: m.url } as E.HandlerDetails) : { action: 'allow (no handler)' };
    }
    case 'permission': {
      const wc = theWindow().webContents as unknown as E.WebContents;
      const requested = permissionRequest
        ? await new Promise<boolean>((resolve) =>
            permissionRequest?.(wc, m.permission as never, resolve, { requestingUrl: 'flylight://app/' } as never),
          )
        : 'no handler: Electron grants it';
      const checked = permissionCheck
        ? permissionCheck(wc, m.permission as never, 'flylight://app', {} as never)
        : 'no handler: Electron grants it';
      return { requested, checked };
    }
    case 'fetch-app': {
      const res = await fetchApp(m.url, m.method);
      return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
    }
    case 'kill-worker': {
      const workers = (globalThis as Record<symbol, unknown>)[WORKERS] as Map<string, { terminate(): Promise<number> }>;
      const w = workers.get(`flylight-${m.name}`);
      if (!w) throw new Error(`no worker named ${m.name}`);
      await w.terminate();
      return { killed: m.name };
    }
    case 'minimize':
      theWindow().minimize();
      return { minimized: true };
    case 'quit':
      setImmediate(() => app.quit());
      return { quitting: true };
  }
}

process.on('message', (m: ToChild) => {
  run(m).then(
    (value) => send({ t: 'reply', id: m.id, value }),
    (err: Error) => send({ t: 'reply', id: m.id, error: err.message }),
  );
});
// The channel must not keep the app alive: Electron's lifetime is the app's own.
process.channel?.unref();
