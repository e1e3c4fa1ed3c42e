// The built dashboard, served by the proxy for browser mode. Files are read and compressed
// once (gzip and brotli, off the event loop, one file at a time) and kept while their size and
// mtime stay the same, so a rebuild is picked up without a restart. Hashed assets are cached for
// good.
// Every page carries its security policy as HTTP headers (a <meta> CSP cannot forbid framing).

import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { ApiError } from '../../shared/errors';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt', '.webmanifest', '.ttf']);
/** Vite's content-hashed names, e.g. index-BkD3xYz1.js: their bytes never change. */
const HASHED = /-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const MAX_CACHED_FILE = 16 * 1024 * 1024;
/**
 * Brotli's quality sizes the tables each compression allocates: at 9 a 32 MB hash (36 MB of RSS a
 * stream), at 6 about 8 MB. A dashboard's first load asks for its five assets at once, and at 9
 * they were compressed side by side on libuv's threads: the 100k host's RSS rose by 130 MB for a
 * few seconds, the serve suite's peak (BENCHMARKS.md, `peak-rss`). On the built assets 6 gives
 * 1.4 % more bytes than 9 (365 against 360 KB) for a tenth of the CPU.
 */
const BROTLI_QUALITY = 6;

/**
 * The page's Content-Security-Policy: what the <meta> tag in src/renderer/index.html allows, plus
 * what only a header can say — `frame-ancestors 'none'`: no page on any origin (another local
 * port included) may frame the dashboard and trick clicks out of it.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // xterm.js's DOM renderer injects <style> elements for its theme and cell size.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every page (HTML, and the "not built" text in its place). */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PAGE_CSP,
  // For browsers that predate frame-ancestors.
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // The first URL may hold the token (`/?token=`): it must not leave as a Referer.
  'referrer-policy': 'no-referrer',
};

export const NOT_BUILT_TEXT =
  'The Flylight dashboard is not built yet: run `npm run build`, then reload this page.\n' +
  'The API is running: try /healthz, /v1/regions or `flylight regions`.\n';

export type Encoding = 'br' | 'gzip' | 'identity';

export interface StaticReply {
  status: 200 | 304;
  headers: Record<string, string>;
  /** Empty for 304 and HEAD. */
  body: Buffer;
}

interface Entry {
  mtimeMs: number;
  size: number;
  type: string;
  etag: string;
  raw: Buffer;
  encoded: Map<'br' | 'gzip', Promise<Buffer | null>>;
}

/** The best encoding the client accepts; q=0 refuses. */
export function pickEncoding(acceptEncoding: string | undefined, compressible: boolean): Encoding {
  if (!compressible || !acceptEncoding) return 'identity';
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const qv = q ? Number(q.slice(2)) : 1;
    accepted.set(name.trim(), Number.isFinite(qv) ? qv : 0);
  }
  const ok = (n: string) => (accepted.get(n) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return 'identity';
}

function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

export class StaticFiles {
  private readonly root: string | null;
  private readonly cache = new Map<string, Entry>();
  /**
   * The compression running now: the next waits for it, so however many files a page asks for at
   * once, one compression's memory is held at a time.
   */
  private compressing: Promise<unknown> = Promise.resolve();

  constructor(root: string | null) {
    let real: string | null = null;
    try {
      real = root ? realpathSync(root) : null;
    } catch {
      real = null; // a missing directory serves the "not built" page
    }
    this.root = real;
  }

  get built(): boolean {
    return this.root !== null;
  }

  /**
   * Answers `file` (relative, already split into checked segments by the router). Throws
   * `not_found` for anything missing or outside the dashboard directory, symlinks included.
   */
  async serve(file: string, headers: { acceptEncoding?: string; ifNoneMatch?: string }): Promise<StaticReply> {
    if (!this.root) throw new ApiError('not_found', `no such file: /${file} (the dashboard is not built)`);
    const full = resolve(this.root, file);
    const entry = await this.load(full).catch(() => null);
    if (!entry) throw new ApiError('not_found', `no such file: /${file}`);

    const ext = extname(full).toLowerCase();
    const encoding = pickEncoding(headers.acceptEncoding, COMPRESSIBLE.has(ext) && entry.size >= 1024);
    let body = entry.raw;
    let etag = entry.etag;
    if (encoding !== 'identity') {
      const encoded = await this.encoded(entry, encoding);
      if (encoded) {
        body = encoded;
        etag = `${entry.etag.slice(0, -1)}-${encoding}"`;
      }
    }
    const page = ext === '.html';
    const out: Record<string, string> = {
      'content-type': entry.type,
      'cache-control':
        file.startsWith('assets/') && HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
      etag,
      vary: 'Accept-Encoding',
      'x-content-type-options': 'nosniff',
      ...(page ? PAGE_HEADERS : {}),
    };
    if (body !== entry.raw) out['content-encoding'] = encoding;
    if (etagMatches(headers.ifNoneMatch, etag)) return { status: 304, headers: out, body: Buffer.alloc(0) };
    return { status: 200, headers: out, body };
  }

  private async load(full: string): Promise<Entry | null> {
    const root = this.root as string;
    const real = await realpath(full);
    if (real !== root && !real.startsWith(root + sep)) return null;
    const st = await stat(real);
    if (!st.isFile()) return null;
    const hit = this.cache.get(real);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
    const raw = await readFile(real);
    const entry: Entry = {
      mtimeMs: st.mtimeMs,
      size: raw.length,
      type: TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
      etag: `"${createHash('sha1').update(raw).digest('base64url').slice(0, 22)}"`,
      raw,
      encoded: new Map(),
    };
    if (raw.length <= MAX_CACHED_FILE) this.cache.set(real, entry);
    return entry;
  }

  /** Compressed once per file and encoding, one at a time; a failure falls back to identity. */
  private encoded(entry: Entry, encoding: 'br' | 'gzip'): Promise<Buffer | null> {
    let p = entry.encoded.get(encoding);
    if (!p) {
      const compress = () =>
        encoding === 'br'
          ? brotli(entry.raw, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
                [constants.BROTLI_PARAM_SIZE_HINT]: entry.raw.length,
              },
            })
          : gz(entry.raw, { level: 9 });
      p = this.compressing.then(compress).then(
        (b) => (b.length < entry.raw.length ? b : null),
        () => null,
      );
      this.compressing = p;
      entry.encoded.set(encoding, p);
    }
    return p;
  }
}
