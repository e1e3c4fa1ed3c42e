// Malformed requests against the real host (built bundle, real worker threads, real HTTP on
// 127.0.0.1 port 0). Each one must get its documented 4xx and error code, and afterwards the
// proxy must still answer /healthz and launch (and destroy) a VM normally.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../helpers/host';
import { type Raw, type Reply, send, sendRaw } from '../helpers/http';

let host: TestHost;
let port: number;

beforeAll(async () => {
  host = await startTestHost();
  port = Number(new URL(host.url).port);
});

afterAll(async () => {
  await host?.stop();
});

/** Bytes that are not valid HTTP at all, straight onto a socket: the answer's status and body. */
async function garbage(bytes: string): Promise<Reply> {
  const data = await sendRaw(port, bytes);
  const [head = '', body = ''] = data.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: {}, body };
}

const json = (method: string, path: string, body: unknown): Raw => ({
  method,
  path,
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const launch = (body: unknown) => json('POST', '/v1/vms', body);
const ok = { region: 'SIN', memory_gb: 1, cores: 1 };

interface Case {
  name: string;
  req: Raw | (() => Promise<Reply>);
  status: number;
  code: string;
  /** A part of the message that says what was wrong. */
  says?: string | RegExp;
  allow?: string;
}

const CASES: Case[] = [
  // wrong types, negatives, floats, huge numbers
  {
    name: 'memory as a string',
    req: launch({ ...ok, memory_gb: '8' }),
    status: 400,
    code: 'bad_request',
    says: 'memory_gb must be a whole number of GB from 1 to 256; got "8"',
  },
  { name: 'negative memory', req: launch({ ...ok, memory_gb: -1 }), status: 400, code: 'bad_request', says: 'got -1' },
  {
    name: 'fractional memory',
    req: launch({ ...ok, memory_gb: 8.5 }),
    status: 400,
    code: 'bad_request',
    says: 'got 8.5',
  },
  {
    name: 'memory 1e300',
    req: launch({ ...ok, memory_gb: 1e300 }),
    status: 400,
    code: 'bad_request',
    says: 'got 1e+300',
  },
  {
    name: 'memory beyond 2^64',
    req: launch('{"region":"SIN","memory_gb":99999999999999999999999,"cores":1}'),
    status: 400,
    code: 'bad_request',
    says: 'memory_gb must be',
  },
  {
    name: 'zero cores',
    req: launch({ ...ok, cores: 0 }),
    status: 400,
    code: 'bad_request',
    says: 'cores must be a whole number from 1 to 32; got 0',
  },
  { name: '33 cores', req: launch({ ...ok, cores: 33 }), status: 400, code: 'bad_request', says: 'got 33' },
  { name: 'boolean cores', req: launch({ ...ok, cores: true }), status: 400, code: 'bad_request', says: 'got true' },
  { name: 'null cores', req: launch({ ...ok, cores: null }), status: 400, code: 'bad_request', says: 'got null' },
  {
    name: 'zero candidates',
    req: launch({ ...ok, num_candidates: 0 }),
    status: 400,
    code: 'bad_request',
    says: 'num_candidates',
  },
  // unknown region, missing and extra fields
  {
    name: 'unknown region',
    req: launch({ ...ok, region: 'XYZ' }),
    status: 400,
    code: 'unknown_region',
    says: /^unknown region 'XYZ' \(known: AMS, .* 35 regions; see `flylight regions`\)$/,
  },
  {
    name: 'numeric region',
    req: launch({ ...ok, region: 65 }),
    status: 400,
    code: 'bad_request',
    says: 'region must be a region code such as SIN; got 65',
  },
  {
    name: 'missing region',
    req: launch({ memory_gb: 1, cores: 1 }),
    status: 400,
    code: 'bad_request',
    says: 'region is required',
  },
  {
    name: 'missing memory',
    req: launch({ region: 'SIN', cores: 1 }),
    status: 400,
    code: 'bad_request',
    says: 'memory_gb is required',
  },
  {
    name: 'extra field',
    req: launch({ ...ok, gpu: 1 }),
    status: 400,
    code: 'unknown_field',
    says: "unknown field 'gpu' (allowed: region, memory_gb, cores, num_candidates, strategy, count, explain)",
  },
  // not an object, bad JSON, bad bytes
  { name: 'array body', req: launch([ok]), status: 400, code: 'bad_request', says: 'must be a JSON object' },
  { name: 'null body', req: launch('null'), status: 400, code: 'bad_request', says: 'got null' },
  {
    name: 'empty body',
    req: { method: 'POST', path: '/v1/vms', headers: { 'content-type': 'application/json' } },
    status: 400,
    code: 'bad_request',
    says: 'the request body is empty',
  },
  {
    name: 'truncated JSON',
    req: launch('{"region": "SIN",'),
    status: 400,
    code: 'bad_request',
    says: /^malformed JSON in the request body: .*position 17/,
  },
  {
    name: 'trailing comma',
    req: launch('{"region":"SIN","memory_gb":1,"cores":1,}'),
    status: 400,
    code: 'bad_request',
    says: 'position 40',
  },
  {
    name: 'deeply nested JSON',
    req: launch(`${'['.repeat(30_000)}${']'.repeat(30_000)}`),
    status: 400,
    code: 'bad_request',
    says: 'must be a JSON object',
  },
  {
    name: 'invalid UTF-8',
    req: { ...launch(''), body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
    status: 400,
    code: 'bad_request',
    says: 'not valid UTF-8',
  },
  // size and content type
  {
    name: 'oversized body (Content-Length)',
    req: launch({ ...ok, pad: 'x'.repeat(70_000) }),
    status: 413,
    code: 'payload_too_large',
    says: '64 KB',
  },
  {
    name: 'oversized body (chunked)',
    req: { ...launch({ ...ok, pad: 'x'.repeat(200_000) }), chunked: true },
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'text/plain body',
    req: { ...launch(ok), headers: { 'content-type': 'text/plain' } },
    status: 415,
    code: 'unsupported_media_type',
    says: 'Content-Type must be application/json',
  },
  {
    name: 'form post',
    req: { ...launch('region=SIN'), headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'no content type',
    req: { method: 'POST', path: '/v1/vms', body: JSON.stringify(ok) },
    status: 415,
    code: 'unsupported_media_type',
    says: 'got none',
  },
  // path tricks
  { name: 'dot-dot', req: { path: '/v1/../etc/passwd' }, status: 400, code: 'bad_request', says: "'.' and '..'" },
  { name: 'encoded dot-dot', req: { path: '/v1/vms/%2e%2e/%2e%2e/etc/passwd' }, status: 400, code: 'bad_request' },
  { name: 'double slash', req: { path: '//v1/vms' }, status: 404, code: 'not_found' },
  {
    name: 'encoded slash',
    req: { path: '/v1/vms%2Fvm-123456' },
    status: 400,
    code: 'bad_request',
    says: 'encoded slashes',
  },
  { name: 'null byte', req: { path: '/v1/vms/vm-123456%00' }, status: 400, code: 'bad_request', says: 'null bytes' },
  {
    name: 'bad percent-encoding',
    req: { path: '/v1/regions/%ZZ/machines' },
    status: 400,
    code: 'bad_request',
    says: 'percent-encoding',
  },
  { name: 'overlong VM id', req: { path: `/v1/vms/vm-${'a'.repeat(200)}` }, status: 404, code: 'not_found' },
  {
    name: 'target over 2 KB',
    req: { path: `/v1/vms/${'a'.repeat(3000)}` },
    status: 400,
    code: 'bad_request',
    says: 'too long',
  },
  {
    name: 'not a VM id',
    req: { method: 'DELETE', path: '/v1/vms/.env' },
    status: 404,
    code: 'not_found',
    says: "a VM id is 1 to 128 letters, digits, '.', '_' or '-', not starting with '.'",
  },
  { name: 'no such VM', req: { path: '/v1/vms/vm-zzzzzz' }, status: 404, code: 'not_found' },
  { name: 'unknown path', req: { path: '/v2/vms' }, status: 404, code: 'not_found' },
  { name: 'unknown region in path', req: { path: '/v1/regions/XYZ/machines' }, status: 400, code: 'unknown_region' },
  // wrong methods
  {
    name: 'PUT /v1/vms',
    req: json('PUT', '/v1/vms', ok),
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD, POST',
  },
  {
    name: 'DELETE /v1/regions',
    req: { method: 'DELETE', path: '/v1/regions' },
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD',
  },
  {
    name: 'PATCH a VM',
    req: json('PATCH', '/v1/vms/vm-123456', ok),
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD, DELETE',
  },
  {
    name: 'POST /launch',
    req: json('POST', '/launch', ok),
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET',
  },

  { name: 'OPTIONS /v1/vms', req: { method: 'OPTIONS', path: '/v1/vms' }, status: 405, code: 'method_not_allowed' },
  // bad queries
  {
    name: 'launch 8.5 GB',
    req: { path: '/launch?vm_region=SIN&vm_memory=8.5&vm_cores=4' },
    status: 400,
    code: 'bad_request',
    says: 'vm_memory must be a whole number of GB from 1 to 256; got "8.5"',
  },
  {
    name: 'launch -1 GB',
    req: { path: '/launch?vm_region=SIN&vm_memory=-1&vm_cores=4' },
    status: 400,
    code: 'bad_request',
    says: 'got "-1"',
  },
  {
    name: 'launch abc GB',
    req: { path: '/launch?vm_region=SIN&vm_memory=abc&vm_cores=4' },
    status: 400,
    code: 'bad_request',
    says: 'got "abc"',
  },
  {
    name: 'launch empty GB',
    req: { path: '/launch?vm_region=SIN&vm_memory=&vm_cores=4' },
    status: 400,
    code: 'bad_request',
    says: 'vm_memory must be',
  },
  {
    name: 'launch without cores',
    req: { path: '/launch?vm_region=SIN&vm_memory=8' },
    status: 400,
    code: 'bad_request',
    says: 'vm_cores is required',
  },
  {
    name: 'launch unknown region',
    req: { path: '/launch?vm_region=XYZ&vm_memory=8&vm_cores=4' },
    status: 400,
    code: 'unknown_region',
  },
  {
    name: 'launch extra param',
    req: { path: '/launch?vm_region=SIN&vm_memory=8&vm_cores=4&gpu=1' },
    status: 400,
    code: 'unknown_field',
    says: "'gpu'",
  },
  {
    name: 'launch repeated param',
    req: { path: '/launch?vm_region=SIN&vm_memory=8&vm_memory=9&vm_cores=4' },
    status: 400,
    code: 'bad_request',
    says: 'more than once',
  },
  { name: 'vms misspelt filter', req: { path: '/v1/vms?regoin=SIN' }, status: 400, code: 'unknown_field' },
  // Idempotency-Key
  {
    name: 'Idempotency-Key with spaces',
    req: { ...launch(ok), headers: { 'content-type': 'application/json', 'idempotency-key': 'two words' } },
    status: 400,
    code: 'bad_request',
    says: "Idempotency-Key \"two words\" is not valid (1 to 128 letters, digits, '.', '_', ':' or '-'",
  },
  {
    name: 'Idempotency-Key over 128 characters',
    req: { ...launch(ok), headers: { 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(129) } },
    status: 400,
    code: 'bad_request',
    says: 'Idempotency-Key',
  },
  {
    name: 'Idempotency-Key reused with other parameters',
    req: async () => {
      const headers = { 'content-type': 'application/json', 'idempotency-key': 'reused-key-1' };
      const first = await send(port, { ...launch(ok), headers });
      const reused = await send(port, { ...launch({ ...ok, cores: 2 }), headers });
      await send(port, { method: 'DELETE', path: `/v1/vms/${JSON.parse(first.body).id}?force=true` });
      return reused;
    },
    status: 422,
    code: 'idempotency_key_reused',
    says: /Idempotency-Key reused-key-1 already launched vm-\w+ \(SIN, 1 GB, 1 core\); a different launch needs a new key/,
  },
  { name: 'vms unknown region filter', req: { path: '/v1/vms?region=XYZ' }, status: 400, code: 'unknown_region' },
  // not HTTP at all
  {
    name: 'garbage bytes',
    req: () => garbage('HELLO THERE\r\n\r\n'),
    status: 400,
    code: 'bad_request',
    says: 'malformed HTTP request',
  },
  {
    name: 'headers over 16 KB',
    req: () => garbage(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    status: 431,
    code: 'bad_request',
  },
];

async function stillServes(): Promise<void> {
  const health = await send(port, { path: '/healthz' });
  expect(health.status).toBe(200);
  expect(JSON.parse(health.body).ok).toBe(true);
  const made = await send(port, launch(ok));
  expect(made.status).toBe(201);
  const vm = JSON.parse(made.body);
  expect(vm).toMatchObject({ region: 'SIN', memory_gb: 1, cores: 1, state: 'started' });
  const gone = await send(port, { method: 'DELETE', path: `/v1/vms/${vm.id}?force=true` });
  expect(gone.status).toBe(200);
}

describe('the proxy refuses malformed requests and keeps serving', () => {
  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = typeof c.req === 'function' ? await c.req() : await send(port, c.req);
    expect(res.status).toBe(c.status);
    const err = JSON.parse(res.body).error;
    expect(err.code).toBe(c.code);
    expect(typeof err.message).toBe('string');
    if (typeof c.says === 'string') expect(err.message).toContain(c.says);
    else if (c.says) expect(err.message).toMatch(c.says);
    if (c.allow) expect(res.headers.allow).toBe(c.allow);
    await stillServes();
  });

  it('counted every refusal, and the fleet holds no VM from them', async () => {
    const status = JSON.parse((await send(port, { path: '/v1/status' })).body);
    expect(status.requests.errors).toBeGreaterThanOrEqual(CASES.length);
    expect(
      status.workers.every((w: { state: string; restarts: number }) => w.state === 'ready' && w.restarts === 0),
    ).toBe(true);
    const vms = JSON.parse((await send(port, { path: '/v1/vms' })).body).vms;
    expect(vms).toEqual([]);
  });
});
