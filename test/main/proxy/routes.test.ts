// The route table, request targets and request ids.

import { describe, expect, it } from 'vitest';
import { newRequestId, requestIdOf } from '../../../src/main/proxy/request-id';
import { accessOf, matchRoute, parseTarget, ROUTE_TABLE } from '../../../src/main/proxy/routes';

describe('routes and request ids', () => {
  it('the route table names each route once, with an example its route matches', () => {
    expect(new Set(ROUTE_TABLE.map((r) => r.name)).size).toBe(ROUTE_TABLE.length);
    for (const r of ROUTE_TABLE) {
      expect(matchRoute(r.methods[0], parseTarget(r.example)).route).toBe(r.name);
      expect(accessOf(parseTarget(r.example).pathname)).toBe(r.access);
    }
  });

  it('anything under /v1 needs the token, routed or not', () => {
    for (const p of ['/v1', '/v1/', '/v1/nope', '/v1/vms/x/y', '/%76%31/vms', '/metrics/x'])
      expect(accessOf(p)).toBe('token');
    for (const p of ['/healthz', '/', '/assets/a.js', '/nope']) expect(accessOf(p)).toBe('open');
  });

  it('keeps a well-formed X-Request-Id and replaces anything else', () => {
    expect(requestIdOf('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    for (const bad of [undefined, '', 'a b', 'x'.repeat(129), 'a\nb', '<script>', 'ü']) {
      const id = requestIdOf(bad);
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(newRequestId()).not.toBe(newRequestId());
  });
});
