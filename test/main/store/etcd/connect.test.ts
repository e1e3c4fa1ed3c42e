// The etcd client's per-attempt deadlines: which calls are bulk (long attempt) and which are
// small (short attempt, so a write stuck behind a dead leader is sent again elsewhere). The
// failover itself, against real etcd with its leader killed, is in
// test/integration/etcd-client-failover.test.ts.

import type { CallContext } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { ATTEMPT_DEADLINE_MS, attemptDeadline, CALL_DEADLINE_MS } from '../../../../src/main/store/etcd/connect';

const key = Buffer.from('/flylight/fleet/machines/m1');
const ctx = (c: { service: string; method: string; params: unknown }) => ({ isStream: false, ...c }) as CallContext;

describe('attemptDeadline', () => {
  it('gives streams none', () => {
    expect(attemptDeadline({ service: 'Watch', method: 'watch', isStream: true } as CallContext)).toBeUndefined();
  });

  it('gives small calls the short attempt', () => {
    expect(attemptDeadline(ctx({ service: 'KV', method: 'range', params: { key } }))).toBe(ATTEMPT_DEADLINE_MS);
    expect(attemptDeadline(ctx({ service: 'KV', method: 'put', params: { key, value: Buffer.alloc(600) } }))).toBe(
      ATTEMPT_DEADLINE_MS,
    );
    const allocation = {
      compare: [{ key, result: 'Equal', target: 'Mod', mod_revision: '7' }],
      success: [{ request_put: { key, value: Buffer.from('{}') } }],
      failure: [{ request_range: { key } }],
    } as const;
    expect(attemptDeadline(ctx({ service: 'KV', method: 'txn', params: allocation }))).toBe(ATTEMPT_DEADLINE_MS);
    expect(attemptDeadline(ctx({ service: 'Lease', method: 'leaseGrant', params: { TTL: 5 } }))).toBe(
      ATTEMPT_DEADLINE_MS,
    );
  });

  it('gives every call of a one-member client the long attempt: there is no other member to ask', () => {
    expect(attemptDeadline(ctx({ service: 'KV', method: 'range', params: { key } }), 1)).toBe(CALL_DEADLINE_MS);
    expect(attemptDeadline(ctx({ service: 'KV', method: 'range', params: { key } }), 2)).toBe(ATTEMPT_DEADLINE_MS);
  });

  it('gives bulk calls the long attempt: prefix reads, big values, range deletes in a transaction', () => {
    const end = Buffer.from('/flylight/fleet/machines0');
    expect(attemptDeadline(ctx({ service: 'KV', method: 'range', params: { key, range_end: end, limit: 5000 } }))).toBe(
      CALL_DEADLINE_MS,
    );
    expect(attemptDeadline(ctx({ service: 'KV', method: 'deleteRange', params: { key, range_end: end } }))).toBe(
      CALL_DEADLINE_MS,
    );
    expect(
      attemptDeadline(ctx({ service: 'KV', method: 'put', params: { key, value: Buffer.alloc(512 * 1024) } })),
    ).toBe(CALL_DEADLINE_MS);
    const sweep = { compare: [], success: [{ request_delete_range: { key, range_end: end } }], failure: [] };
    expect(attemptDeadline(ctx({ service: 'KV', method: 'txn', params: sweep }))).toBe(CALL_DEADLINE_MS);
  });
});
