// The desktop window's security policy, as plain data and pure functions so that it is tested
// without Electron: where the renderer comes from, which frames may call the API over IPC, the
// window's webPreferences and the privileged scheme the renderer is served on.
//
// The renderer is served from `flylight://app/` rather than file:// (Electron's security
// checklist, "Avoid usage of the file:// protocol and prefer usage of custom protocols"): a
// file:// page may read any file the user can, and every file:// URL is the same origin, so a
// sender check on file:// URLs can only guess from the path.

export const APP_SCHEME = 'flylight';
export const APP_HOST = 'app';
/** The origin of the packaged renderer, as Chromium reports it for a standard scheme. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/**
 * `standard` gives the scheme real origins (so relative URLs, localStorage and same-origin
 * module scripts work), `secure` makes it a secure context, `supportFetchAPI` lets the page
 * fetch its own files. Not `corsEnabled`: no other origin may read from it (electron#51152).
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

/** Where the window loads the renderer from, and the one origin allowed to call the API. */
export interface RendererSource {
  url: string;
  origin: string;
  dev: boolean;
}

/**
 * The Vite dev server (ELECTRON_RENDERER_URL, set by `electron-vite dev`) only in an unpackaged
 * run: a packaged app ignores the variable, so nothing in the environment can point the
 * privileged window at another page. `ignored` says why a given URL was not used.
 */
export function rendererSource(isPackaged: boolean, devUrl: string | undefined): RendererSource & { ignored?: string } {
  const app = { url: APP_ENTRY, origin: APP_ORIGIN, dev: false };
  if (!devUrl) return app;
  if (isPackaged) return { ...app, ignored: 'ELECTRON_RENDERER_URL is ignored in a packaged app' };
  const origin = originOf(devUrl);
  if (!origin || !/^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin)) {
    return { ...app, ignored: `ELECTRON_RENDERER_URL must be an http URL on localhost, not '${devUrl.slice(0, 200)}'` };
  }
  return { url: devUrl, origin, dev: true };
}

/**
 * A URL's origin, exactly: scheme://host[:port] for http(s) and for our scheme (Node's URL
 * reports 'null' for a custom scheme, where Chromium gives a standard scheme a real origin).
 * null for anything else — file:, data:, about:, unparsable.
 */
export function originOf(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin;
  if (u.protocol === `${APP_SCHEME}:` && u.host !== '' && u.username === '' && u.password === '') {
    return `${u.protocol}//${u.host}`;
  }
  return null;
}

/** What the IPC handler knows about the frame that sent a message. */
export interface SenderFrame {
  url: string;
  /** It is the window's top frame (not an iframe, not another window). */
  top: boolean;
}

/** Only the window's own top frame, showing the renderer's exact origin, may call the API. */
export function isAppSender(frame: SenderFrame | null, source: RendererSource): boolean {
  return frame?.top === true && originOf(frame.url) === source.origin;
}

/** The window's webPreferences: every isolation on, nothing a page could use to reach Node. */
export function appWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    spellcheck: false,
  };
}

/**
 * The page's policy as a header (the page's meta tag says the same; a header also covers
 * frame-ancestors, which a meta tag cannot). Scripts only from the app's own files.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
