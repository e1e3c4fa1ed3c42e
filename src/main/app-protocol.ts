// Serves the built renderer on flylight://app/ (registered with protocol.handle in the Electron
// entry). Plain Node: a Request in, a Response out, so it is tested without Electron. It never
// answers with a file outside the renderer directory, whatever the URL says.

import { readFile, realpath } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './window-policy';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

function refuse(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  });
}

/** Inside `root` (after resolving `..` and symlinks), or null. */
async function contained(root: string, rel: string): Promise<string | null> {
  const inside = (p: string, base: string) => {
    const r = relative(base, p);
    return r !== '' && !r.startsWith('..') && !isAbsolute(r);
  };
  const target = resolve(root, rel);
  if (!inside(target, root)) return null;
  try {
    const [realRoot, realTarget] = await Promise.all([realpath(root), realpath(target)]);
    return inside(realTarget, realRoot) ? realTarget : null;
  } catch {
    return null; // missing
  }
}

export async function rendererResponse(rendererDir: string, request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, `${request.method} is not allowed`);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return refuse(400, 'not a URL');
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return refuse(404, 'no such page');
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return refuse(400, 'malformed percent-encoding in the path');
  }
  if (path.includes('\0') || path.includes('\\')) return refuse(400, 'the path holds a character files cannot have');
  const rel = path === '/' ? 'index.html' : path.replace(/^\/+/, '');
  const file = await contained(rendererDir, rel);
  if (!file) return refuse(404, `no such file: ${url.pathname.slice(0, 100)}`);
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return refuse(404, `no such file: ${url.pathname.slice(0, 100)}`);
  }
  const headers: Record<string, string> = {
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  };
  if (extname(file) === '.html') headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
}

/** The renderer's directory next to the main bundle (out/main → out/renderer). */
export function rendererDirFrom(mainDir: string): string {
  return join(mainDir, '..', 'renderer');
}
