// The proxy's paths: how a request target is taken apart (refusing path tricks before any
// route sees them) and which route and methods it names. No I/O here, so it is cheap to test.

import { ApiError } from '../../shared/errors';
import { clip } from '../../shared/quote';

export type RouteName =
  | 'health'
  | 'regions'
  | 'region_machines'
  | 'vms'
  | 'vm'
  | 'place'
  | 'vm_action'
  | 'vm_wait'
  | 'vm_history'
  | 'machine_history'
  | 'machine'
  | 'events'
  | 'activity'
  | 'samples'
  | 'logs'
  | 'status'
  | 'cluster'
  | 'reset'
  | 'load'
  | 'seed_regions'
  | 'seed_launch'
  | 'metrics'
  | 'hello'
  | 'session'
  | 'token_rotate'
  | 'static'
  | 'machine_action'
  | 'region_status'
  | 'chaos_kill_actors'
  | 'chaos_fail_machines'
  | 'chaos_run'
  | 'scenario';

/**
 * Who may call a route: `token` needs the API token (header or dashboard session); `key` needs
 * the token itself (signing a browser in, rotating the token: a session must not renew or
 * replace itself); `compat` is the seed's routes, open only under --compat-open; `open` needs
 * nothing (health, and the dashboard's files, which hold no data).
 */
export type Access = 'token' | 'key' | 'compat' | 'open';

export interface Target {
  /** The path as sent (undecoded), for log lines and messages. */
  pathname: string;
  /** Decoded path segments; [] for `/`. */
  segments: string[];
  query: URLSearchParams;
}

export interface RouteMatch {
  route: RouteName;
  params: Record<string, string>;
  target: Target;
}

interface RouteDef {
  name: RouteName;
  methods: readonly string[];
  access: Access;
  /** A path this route serves, so tests can walk every route without knowing them. */
  example: string;
  /** Returns the path parameters when the segments name this route. */
  match(s: readonly string[]): Record<string, string> | null;
  /** A GET with a side effect (the seed's /launch): HEAD must not run it. */
  noHead?: boolean;
}

export const MAX_TARGET_LENGTH = 2048;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

const exact =
  (...want: string[]) =>
  (s: readonly string[]) =>
    s.length === want.length && want.every((w, i) => w === s[i]) ? {} : null;

// A hashed Vite asset or a file at the top of the built dashboard (favicon.svg, robots.txt).
const ROOT_FILE = /^[\w-]+(\.[\w-]+)*\.[a-z0-9]+$/i;

const ROUTES: readonly RouteDef[] = [
  { name: 'health', methods: ['GET'], access: 'open', example: '/healthz', match: exact('healthz') },
  { name: 'regions', methods: ['GET'], access: 'token', example: '/v1/regions', match: exact('v1', 'regions') },
  {
    name: 'region_machines',
    methods: ['GET'],
    access: 'token',
    example: '/v1/regions/SIN/machines',
    match: (s) =>
      s.length === 4 && s[0] === 'v1' && s[1] === 'regions' && s[3] === 'machines' ? { code: s[2] } : null,
  },
  { name: 'vms', methods: ['GET', 'POST'], access: 'token', example: '/v1/vms', match: exact('v1', 'vms') },
  {
    name: 'vm',
    methods: ['GET', 'DELETE'],
    access: 'token',
    example: '/v1/vms/vm-000001',
    match: (s) => (s.length === 3 && s[0] === 'v1' && s[1] === 'vms' ? { id: s[2] } : null),
  },
  // A dry run: a POST because it takes the launch's body, though it changes nothing.
  { name: 'place', methods: ['POST'], access: 'token', example: '/v1/place', match: exact('v1', 'place') },
  {
    name: 'vm_action',
    methods: ['POST'],
    access: 'token',
    example: '/v1/vms/vm-000001/start',
    match: (s) =>
      s.length === 4 && s[0] === 'v1' && s[1] === 'vms' && s[3] !== 'wait' && s[3] !== 'history'
        ? { id: s[2], action: s[3] }
        : null,
  },
  {
    name: 'vm_wait',
    methods: ['GET'],
    access: 'token',
    example: '/v1/vms/vm-000001/wait?state=started&timeout=1',
    match: (s) => (s.length === 4 && s[0] === 'v1' && s[1] === 'vms' && s[3] === 'wait' ? { id: s[2] } : null),
  },
  {
    name: 'vm_history',
    methods: ['GET'],
    access: 'token',
    example: '/v1/vms/vm-000001/history',
    match: (s) => (s.length === 4 && s[0] === 'v1' && s[1] === 'vms' && s[3] === 'history' ? { id: s[2] } : null),
  },
  {
    name: 'machine_history',
    methods: ['GET'],
    access: 'token',
    example: '/v1/machines/sin-1/history',
    match: (s) => (s.length === 4 && s[0] === 'v1' && s[1] === 'machines' && s[3] === 'history' ? { id: s[2] } : null),
  },
  {
    name: 'machine',
    methods: ['GET'],
    access: 'token',
    example: '/v1/machines/sin-1',
    match: (s) => (s.length === 3 && s[0] === 'v1' && s[1] === 'machines' ? { id: s[2] } : null),
  },
  { name: 'events', methods: ['GET'], access: 'token', example: '/v1/events', match: exact('v1', 'events') },
  // What the host remembers: the event log, the charts' samples, its own log (see history-routes.ts).
  { name: 'activity', methods: ['GET'], access: 'token', example: '/v1/activity', match: exact('v1', 'activity') },
  { name: 'samples', methods: ['GET'], access: 'token', example: '/v1/samples', match: exact('v1', 'samples') },
  { name: 'logs', methods: ['GET'], access: 'token', example: '/v1/logs', match: exact('v1', 'logs') },
  { name: 'status', methods: ['GET'], access: 'token', example: '/v1/status', match: exact('v1', 'status') },
  { name: 'cluster', methods: ['GET'], access: 'token', example: '/v1/cluster', match: exact('v1', 'cluster') },
  { name: 'reset', methods: ['POST'], access: 'token', example: '/v1/reset', match: exact('v1', 'reset') },
  // The host's load generator: start (POST), watch (GET), stop (DELETE). See src/shared/load.
  {
    name: 'load',
    methods: ['GET', 'POST', 'DELETE'],
    access: 'token',
    example: '/v1/load',
    match: exact('v1', 'load'),
  },
  {
    name: 'scenario',
    methods: ['GET', 'POST'],
    access: 'token',
    example: '/v1/scenario',
    match: exact('v1', 'scenario'),
  },
  { name: 'metrics', methods: ['GET'], access: 'token', example: '/metrics', match: exact('metrics') },
  // Open: the CLI asks it before sending the token, to learn that this server holds the token too.
  {
    name: 'hello',
    methods: ['GET'],
    access: 'open',
    example: '/v1/hello?nonce=walkwalkwalkwalkwalkwalk',
    match: exact('v1', 'hello'),
  },
  { name: 'session', methods: ['POST'], access: 'key', example: '/v1/session', match: exact('v1', 'session') },
  {
    name: 'token_rotate',
    methods: ['POST'],
    access: 'key',
    example: '/v1/token/rotate',
    match: exact('v1', 'token', 'rotate'),
  },
  {
    name: 'machine_action',
    methods: ['POST'],
    access: 'token',
    example: '/v1/machines/sin-1/drain',
    match: (s) =>
      s.length === 4 && s[0] === 'v1' && s[1] === 'machines' && s[3] !== 'history' ? { id: s[2], action: s[3] } : null,
  },
  {
    name: 'region_status',
    methods: ['POST'],
    access: 'token',
    example: '/v1/regions/SIN/status',
    match: (s) => (s.length === 4 && s[0] === 'v1' && s[1] === 'regions' && s[3] === 'status' ? { code: s[2] } : null),
  },
  {
    name: 'chaos_kill_actors',
    methods: ['POST'],
    access: 'token',
    example: '/v1/chaos/kill-actors',
    match: exact('v1', 'chaos', 'kill-actors'),
  },
  {
    name: 'chaos_fail_machines',
    methods: ['POST'],
    access: 'token',
    example: '/v1/chaos/fail-machines',
    match: exact('v1', 'chaos', 'fail-machines'),
  },
  {
    name: 'chaos_run',
    methods: ['GET'],
    access: 'token',
    example: '/v1/chaos/runs/chaos-1',
    match: (s) => (s.length === 4 && s[0] === 'v1' && s[1] === 'chaos' && s[2] === 'runs' ? { id: s[3] } : null),
  },
  { name: 'seed_regions', methods: ['GET'], access: 'compat', example: '/regions', match: exact('regions') },
  {
    name: 'seed_launch',
    methods: ['GET'],
    access: 'compat',
    example: '/launch?vm_region=SIN&vm_memory=1&vm_cores=1',
    match: exact('launch'),
    noHead: true,
  },
  {
    name: 'static',
    methods: ['GET'],
    access: 'open',
    example: '/',
    match: (s) => {
      if (s.length === 0 || (s.length === 1 && s[0] === 'flylight')) return { file: 'index.html' };
      if (s.length === 2 && s[0] === 'flylight' && s[1] === '') return { file: 'index.html' };
      if (s.length >= 2 && s[0] === 'assets' && s.every((x) => x !== '')) return { file: s.join('/') };
      if (s.length === 1 && ROOT_FILE.test(s[0])) return { file: s[0] };
      return null;
    },
  },
];

/** Every route the proxy serves, for documentation and for tests that must cover them all. */
export const ROUTE_TABLE: readonly { name: RouteName; methods: readonly string[]; access: Access; example: string }[] =
  ROUTES.map(({ name, methods, access, example }) => ({ name, methods, access, example }));

/** Path prefixes that are the API's whatever follows, so a typo under them still needs the token. */
const PROTECTED_PREFIXES = new Set(['v1', 'metrics']);

/**
 * Who may send a request to `pathname`, decided before routing so that a request without the
 * token learns nothing about the API (not even which paths exist or which methods they take).
 */
export function accessOf(pathname: string): Access {
  const raw = pathname === '/' ? [] : pathname.slice(1).split('/');
  const segments = raw.map((seg) => {
    try {
      return decodeURIComponent(seg);
    } catch {
      return seg;
    }
  });
  const access = new Set(ROUTES.filter((d) => d.match(segments) !== null).map((d) => d.access));
  if (access.size === 1 && access.has('open') && segments[0] === 'v1') return 'open';
  if (access.has('key')) return 'key';
  if (access.has('token') || PROTECTED_PREFIXES.has(segments[0] ?? '') || PROTECTED_PREFIXES.has(raw[0] ?? ''))
    return 'token';
  if (access.has('compat')) return 'compat';
  return 'open';
}

function bad(message: string): ApiError {
  return new ApiError('bad_request', message);
}

/**
 * Splits a request target into decoded segments and a query. Refused with 400: targets that are
 * not origin-form, too long, badly percent-encoded, or that smuggle '.', '..', an encoded slash
 * or a control character (null bytes included) into a segment. Empty segments are kept, so
 * `//v1/vms` simply matches nothing (404).
 */
/** The query of every target without one: shared, so read only (nothing below the gate writes a target's query). */
const NO_QUERY = new URLSearchParams();

export function parseTarget(url: string): Target {
  if (typeof url !== 'string' || !url.startsWith('/')) throw bad('the request target must be a path starting with /');
  if (url.length > MAX_TARGET_LENGTH)
    throw bad(`the request target is too long (at most ${MAX_TARGET_LENGTH} characters)`);
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? NO_QUERY : new URLSearchParams(url.slice(q + 1));
  const raw = pathname === '/' ? [] : pathname.slice(1).split('/');
  const segments = raw.map((seg) => {
    let s: string;
    try {
      // Without a '%' there is nothing to decode (and nothing malformed): most segments.
      s = seg.includes('%') ? decodeURIComponent(seg) : seg;
    } catch {
      throw bad(`malformed percent-encoding in the path: '${clip(seg, 40)}'`);
    }
    if (s === '.' || s === '..') throw bad("'.' and '..' are not allowed in the path");
    if (s.includes('/') || s.includes('\\')) throw bad('encoded slashes are not allowed in the path');
    if (CONTROL.test(s)) throw bad('control characters (such as null bytes) are not allowed in the path');
    return s;
  });
  return { pathname, segments, query };
}

/** Methods a path accepts; HEAD comes with GET. */
function allowOf(defs: readonly RouteDef[]): string[] {
  const set = new Set(defs.flatMap((d) => d.methods));
  if (defs.some((d) => d.methods.includes('GET') && !d.noHead)) set.add('HEAD');
  return ['GET', 'HEAD', 'POST', 'DELETE'].filter((m) => set.has(m));
}

/** The route for `method` on `target`; 404 when no route has this path, 405 (with `allow`) when the method is wrong. */
export function matchRoute(method: string, target: Target): RouteMatch {
  const candidates: { def: RouteDef; params: Record<string, string> }[] = [];
  for (const def of ROUTES) {
    const params = def.match(target.segments);
    if (params) candidates.push({ def, params });
  }
  if (candidates.length === 0) {
    throw new ApiError(
      'not_found',
      `no such path: ${clip(target.pathname, 80)} (the API lives under /v1; try /healthz)`,
    );
  }
  const hit = candidates.find((c) => c.def.methods.includes(method === 'HEAD' && !c.def.noHead ? 'GET' : method));
  if (!hit) {
    const allow = allowOf(candidates.map((c) => c.def));
    throw new ApiError(
      'method_not_allowed',
      `${clip(method, 16)} is not allowed on ${clip(target.pathname, 80)} (allowed: ${allow.join(', ')})`,
      { allow },
    );
  }
  return { route: hit.def.name, params: hit.params, target };
}

/** Routes that only HTTP can serve: a stream, files and Prometheus text. */
export function isHttpOnly(route: RouteName): boolean {
  return route === 'events' || route === 'static' || route === 'metrics' || route === 'hello';
}

/** The dashboard's start page, where `?token=` signs a browser in. */
export function isIndex(m: RouteMatch): boolean {
  return m.route === 'static' && m.params.file === 'index.html';
}
