import { describe, expect, it } from 'vitest';
import { headerOf } from '../../../src/main/proxy/responses';

describe('headerOf', () => {
  it('finds a header by its lower-case name, whatever case the caller wrote it in', () => {
    expect(headerOf({ 'idempotency-key': 'k1' }, 'idempotency-key')).toBe('k1');
    expect(headerOf({ 'Content-Type': 'application/json', Accept: '*/*' }, 'content-type')).toBe('application/json');
    expect(headerOf({ 'X-REQUEST-ID': 'r1' }, 'x-request-id')).toBe('r1');
  });

  it('says undefined for an absent header, a non-string value or no headers', () => {
    expect(headerOf({ accept: '*/*', 'content-length': '2' }, 'idempotency-key')).toBeUndefined();
    expect(headerOf({ 'Idempotency-Key': 42 } as unknown as Record<string, string>, 'idempotency-key')).toBeUndefined();
    expect(headerOf(null as unknown as Record<string, string>, 'idempotency-key')).toBeUndefined();
  });
});
