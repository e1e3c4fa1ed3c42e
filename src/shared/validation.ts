// Input validation shared by the proxy's gate and the CLI, so a user sees the same words
// whether a mistake is caught on their side or by the proxy. Pure functions: each returns the
// clean value or throws an ApiError whose message says what was wrong and what is allowed.

import { LIMITS } from './config';
import { ApiError } from './errors';
import { isStrategy, MAX_BATCH, STRATEGIES } from './placement';
import { clip, shown } from './quote';
import type { LaunchRequest } from './types';

/** The whole-number inputs, with the range and the words the messages use for them. */
export const NUMBER_FIELDS = {
  memory_gb: { ...LIMITS.memoryGb, what: `a whole number of GB from ${LIMITS.memoryGb.min} to ${LIMITS.memoryGb.max}` },
  cores: { ...LIMITS.cores, what: `a whole number from ${LIMITS.cores.min} to ${LIMITS.cores.max}` },
  num_candidates: {
    ...LIMITS.numCandidates,
    what: `a whole number from ${LIMITS.numCandidates.min} to ${LIMITS.numCandidates.max}`,
  },
} as const;

export type NumberField = keyof typeof NUMBER_FIELDS;

export const REGION_WHAT = 'a region code such as SIN';
export const LAUNCH_FIELDS = [
  'region',
  'memory_gb',
  'cores',
  'num_candidates',
  'strategy',
  'count',
  'explain',
] as const;
/** The dry run's body (`POST /v1/place`): a launch's, less what only a launch means. */
export const PLACE_FIELDS = ['region', 'memory_gb', 'cores', 'strategy', 'count'] as const;
export const LAUNCH_PARAMS = ['vm_region', 'vm_memory', 'vm_cores', 'num_candidates'] as const;
/**
 * A VM's id, the one rule for every id a VM can have: what the host generates (vm- and hex
 * digits) and what a scenario's vms.csv names (e.g. vm-eu-0001). Never '.' first, so no id is a
 * URL's dot segment ('.', '..'), and nothing that needs escaping in a path.
 */
export const VM_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
export const VM_ID_RULE = "1 to 128 letters, digits, '.', '_' or '-', not starting with '.'";
export const LAUNCH_EXAMPLE = '{"region":"SIN","memory_gb":8,"cores":4}';

// Region codes are short letters; anything longer or stranger is not worth a store lookup.
const REGION_SHAPE = /^[A-Za-z0-9][A-Za-z0-9-]{0,15}$/;
const WHOLE_TEXT = /^[0-9]+$/;

function bad(message: string, details?: Record<string, unknown>): ApiError {
  return new ApiError('bad_request', message, details);
}

/** A whole number given as a JSON value (body field). Strings, floats, booleans are refused. */
export function checkNumber(field: NumberField, value: unknown, name: string = field): number {
  const spec = NUMBER_FIELDS[field];
  if (value === undefined) throw bad(`${name} is required (${spec.what})`, { field: name });
  if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw bad(`${name} must be ${spec.what}; got ${shown(value)}`, { field: name });
  }
  return value;
}

/** A whole number typed as text (query parameter, CLI flag): digits only, e.g. "8". */
export function parseNumber(field: NumberField, raw: string | null | undefined, name: string = field): number {
  const spec = NUMBER_FIELDS[field];
  if (raw === undefined || raw === null) throw bad(`${name} is required (${spec.what})`, { field: name });
  // Digits only: Number() would also take '8.0', ' 8', '0x8', '1e1' and ''.
  const n = WHOLE_TEXT.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < spec.min || n > spec.max) {
    throw bad(`${name} must be ${spec.what}; got ${shown(raw)}`, { field: name });
  }
  return n;
}

/** "unknown region 'XYZ' (known: AMS, ARN, ATL, BOG, BOM, … 35 regions; see `flylight regions`)" */
export function unknownRegionMessage(given: string, known: readonly string[]): string {
  const sorted = [...known].sort();
  const list =
    sorted.length === 0
      ? 'no regions are loaded'
      : sorted.length <= 8
        ? `known: ${sorted.join(', ')}`
        : `known: ${sorted.slice(0, 5).join(', ')}, … ${sorted.length} regions`;
  return `unknown region '${clip(given)}' (${list}; see \`flylight regions\`)`;
}

/**
 * A region code, any case. With `known` (the store's codes) it must be one of them and the
 * store's spelling is returned; without (the CLI before it has asked), only its shape is checked
 * and it is upper-cased.
 */
export function checkRegion(value: unknown, known?: readonly string[], name = 'region'): string {
  if (value === undefined) throw bad(`${name} is required (${REGION_WHAT})`, { field: name });
  if (typeof value !== 'string' || !REGION_SHAPE.test(value)) {
    throw bad(`${name} must be ${REGION_WHAT}; got ${shown(value)}`, { field: name });
  }
  if (!known) return value.toUpperCase();
  const upper = value.toUpperCase();
  const match = known.find((k) => k.toUpperCase() === upper);
  if (match === undefined) {
    throw new ApiError('unknown_region', unknownRegionMessage(value, known), { region: clip(value) });
  }
  return match;
}

/**
 * One region code or several to try in order, comma-separated (`sin,nrt`, as fly's
 * `--region`): each checked as checkRegion does, returned joined with commas, duplicates dropped.
 */
export function checkRegionList(value: unknown, known?: readonly string[], name = 'region'): string {
  if (typeof value !== 'string' || !value.includes(',')) return checkRegion(value, known, name);
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) {
    throw bad(`${name} must be region codes separated by commas, such as SIN,NRT; got ${shown(value)}`, {
      field: name,
    });
  }
  const out: string[] = [];
  for (const p of parts) {
    const code = checkRegion(p, known, name);
    if (!out.includes(code)) out.push(code);
  }
  return out.join(',');
}

/** A placement strategy by name. */
export function checkStrategy(value: unknown, name = 'strategy'): LaunchRequest['strategy'] {
  if (!isStrategy(value))
    throw bad(`${name} must be one of ${STRATEGIES.join(', ')}; got ${shown(value)}`, { field: name });
  return value;
}

/** How many VMs a batch launches: a whole number from 1 to MAX_BATCH. */
export function checkCount(value: unknown, name = 'count'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_BATCH) {
    throw bad(`${name} must be a whole number from 1 to ${MAX_BATCH}; got ${shown(value)}`, { field: name });
  }
  return value;
}

/** Refuses every key not in `allowed`, naming the first stranger and the allowed ones. */
export function checkKnownKeys(
  keys: readonly string[],
  allowed: readonly string[],
  kind: 'field' | 'query parameter',
): void {
  const unknown = keys.filter((k) => !allowed.includes(k));
  if (unknown.length === 0) return;
  const name = clip(unknown[0], 32);
  const more = unknown.length > 1 ? ` and ${unknown.length - 1} more` : '';
  const allowedText = allowed.length ? `allowed: ${allowed.join(', ')}` : `this path takes no ${kind}s`;
  throw new ApiError('unknown_field', `unknown ${kind} '${name}'${more} (${allowedText})`, {
    field: name,
    allowed: [...allowed],
  });
}

/** The body of `POST /v1/vms`, already parsed from JSON. */
export function validateLaunchBody(
  body: unknown,
  known?: readonly string[],
  fields: readonly string[] = LAUNCH_FIELDS,
): LaunchRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad(`the request body must be a JSON object like ${LAUNCH_EXAMPLE}; got ${shown(body)}`);
  }
  const b = body as Record<string, unknown>;
  checkKnownKeys(Object.keys(b), fields, 'field');
  const req: LaunchRequest = {
    region: checkRegionList(b.region, known),
    memory_gb: checkNumber('memory_gb', b.memory_gb),
    cores: checkNumber('cores', b.cores),
  };
  if (b.num_candidates !== undefined) req.num_candidates = checkNumber('num_candidates', b.num_candidates);
  if (b.strategy !== undefined) req.strategy = checkStrategy(b.strategy);
  if (b.count !== undefined) req.count = checkCount(b.count);
  if (b.explain !== undefined) {
    if (typeof b.explain !== 'boolean') throw bad(`explain must be true or false; got ${shown(b.explain)}`);
    req.explain = b.explain;
  }
  return req;
}

/** Whether a launch asks for the batch form of the answer ({vms[, plans]}). */
export function wantsBatchForm(req: LaunchRequest): boolean {
  return req.count !== undefined || req.explain === true;
}

const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/**
 * Launch values typed as text (the CLI's --vm-region/--vm-memory/--vm-cores flags), checked
 * exactly as `POST /v1/vms` checks the JSON the CLI would send: text that reads as a number
 * becomes that number, anything else stays text, so `8.5` and `abc` get the proxy's own words
 * ("memory_gb must be …; got 8.5" / "got \"abc\""). Leave a flag undefined when it was not given.
 */
export function validateLaunchText(
  text: {
    region?: string;
    memory_gb?: string;
    cores?: string;
    num_candidates?: string;
    strategy?: string;
    count?: string;
    explain?: boolean;
  },
  known?: readonly string[],
  fields: readonly string[] = LAUNCH_FIELDS,
): LaunchRequest {
  const num = (t: string | undefined) => (t !== undefined && JSON_NUMBER.test(t) ? Number(t) : t);
  const body: Record<string, unknown> = {
    region: text.region,
    memory_gb: num(text.memory_gb),
    cores: num(text.cores),
  };
  if (text.num_candidates !== undefined) body.num_candidates = num(text.num_candidates);
  if (text.strategy !== undefined) body.strategy = text.strategy;
  if (text.count !== undefined) body.count = num(text.count);
  if (text.explain) body.explain = true;
  return validateLaunchBody(body, known, fields);
}

/** The seed's `GET /launch?vm_region=&vm_memory=&vm_cores=[&num_candidates=]`. */
export function validateLaunchQuery(query: URLSearchParams, known?: readonly string[]): LaunchRequest {
  checkQuery(query, LAUNCH_PARAMS);
  const req: LaunchRequest = {
    region: checkRegion(query.get('vm_region') ?? undefined, known, 'vm_region'),
    memory_gb: parseNumber('memory_gb', query.get('vm_memory'), 'vm_memory'),
    cores: parseNumber('cores', query.get('vm_cores'), 'vm_cores'),
  };
  const n = query.get('num_candidates');
  if (n !== null) req.num_candidates = parseNumber('num_candidates', n);
  return req;
}

/** Unknown or repeated query parameters are refused: a typo must not be silently ignored. */
export function checkQuery(query: URLSearchParams, allowed: readonly string[]): void {
  if (query.size === 0) return; // most requests: no iterator, no array, no set
  const keys = [...query.keys()];
  checkKnownKeys(keys, allowed, 'query parameter');
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) throw bad(`query parameter ${k} is given more than once`, { field: k });
    seen.add(k);
  }
}

/** A VM id; anything else cannot name a VM, so it is not found without asking anyone. */
export function checkVmId(id: unknown): string {
  if (typeof id !== 'string' || !VM_ID_PATTERN.test(id)) {
    throw new ApiError('not_found', `no VM with id ${shown(id)} (a VM id is ${VM_ID_RULE}, e.g. vm-1a2b3c)`);
  }
  return id;
}

/** The header that makes a launch safe to retry (IETF draft "The Idempotency-Key HTTP Header"). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** An Idempotency-Key value, or undefined when none was sent. UUIDs fit. */
export function checkIdempotencyKey(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(value)) {
    throw bad(
      `Idempotency-Key ${shown(value, 40)} is not valid (1 to 128 letters, digits, '.', '_', ':' or '-'; a UUID is a good choice)`,
      { field: IDEMPOTENCY_HEADER },
    );
  }
  return value;
}

/** A request body as text → JSON value; empty or malformed bodies say what is wrong. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw bad(`the request body is empty; send a JSON object like ${LAUNCH_EXAMPLE}`);
  try {
    return JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw bad(`malformed JSON in the request body: ${clip(reason, 160)}`);
  }
}

/** Bodies must say they are JSON (also what keeps browser form posts out). */
export function checkJsonContentType(contentType: string | undefined): void {
  // What nearly every client sends, accepted without splitting it apart on each request.
  if (contentType === 'application/json' || contentType === 'application/json; charset=utf-8') return;
  const [type = '', ...params] = (contentType ?? '').split(';').map((s) => s.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice(8)
    .replace(/"/g, '');
  if (type === 'application/json' && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return;
  const got = contentType ? shown(contentType, 60) : 'none';
  throw new ApiError('unsupported_media_type', `Content-Type must be application/json (UTF-8); got ${got}`);
}
