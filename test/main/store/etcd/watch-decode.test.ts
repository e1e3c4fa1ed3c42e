// The watch decoder against etcd3's own: the serializer and deserializer etcd3's gRPC Watch
// client was built with (its .proto, its loader's options), taken from a client of a real
// Etcd3 (made, never connected). Every message encoded by etcd3's side must decode to the same
// object both ways.

import { Etcd3 } from 'etcd3';
import type { Host } from 'etcd3/lib/connection-pool.js';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWatchesDirectly, decodeWatchResponse } from '../../../../src/main/store/etcd/watch-decode';
import { mulberry32 } from '../../../../src/shared/random';

const etcd = new Etcd3({ hosts: '127.0.0.1:9' });
const host = (etcd as unknown as { pool: { hosts: Host[] } }).pool.hosts[0];
const watchClient = host.getServiceClient('Watch');
const method = (
  watchClient.constructor as unknown as {
    service: { Watch: { responseSerialize: (o: unknown) => Buffer; responseDeserialize: (b: Buffer) => unknown } };
  }
).service.Watch;
const encode = (o: unknown) => method.responseSerialize(o);
const theirs = (b: Buffer) => method.responseDeserialize(b);

afterAll(() => etcd.close());

/** Decodes `o`'s encoding both ways and expects the same object. */
function same(o: unknown): ReturnType<typeof decodeWatchResponse> {
  const buf = encode(o);
  const mine = decodeWatchResponse(buf);
  expect(mine).toEqual(theirs(buf));
  return mine;
}

const kv = (key: string, value: string, rev: string) => ({
  key: Buffer.from(key),
  value: Buffer.from(value),
  create_revision: rev,
  mod_revision: rev,
  version: '1',
  lease: '0',
});

describe('decodeWatchResponse', () => {
  it('decodes a launch as etcd sends it: a header with 64-bit ids, puts and a delete with its previous value', () => {
    const got = same({
      header: {
        cluster_id: '14841639068965178418',
        member_id: '10276657743932975437',
        revision: '48213',
        raft_term: '2',
      },
      watch_id: '0',
      events: [
        { type: 'Put', kv: kv('flylight/g1/machines/ams-1', '{"version":3}', '48213') },
        { type: 'Put', kv: kv('flylight/g1/vms/vm-1', '{"id":"vm-1"}', '48213') },
        {
          type: 'Delete',
          kv: { key: Buffer.from('flylight/g1/keys/k'), mod_revision: '48213' },
          prev_kv: kv('k', 'v', '7'),
        },
      ],
    });
    expect(got.header?.cluster_id).toBe('14841639068965178418');
    expect(got.events.map((e) => e.type)).toEqual(['Put', 'Put', 'Delete']);
    expect(Buffer.isBuffer(got.events[0].kv?.key)).toBe(true);
    expect(got.events[0].kv?.value.toString()).toBe('{"version":3}');
    expect(got.events[2].kv?.value).toEqual(Buffer.alloc(0)); // a delete carries no value
  });

  it('decodes the answers that are not changes: created, canceled after a compaction, fragments, no header', () => {
    same({ header: { revision: '1' }, watch_id: '3', created: true });
    const cancel = same({
      watch_id: '3',
      canceled: true,
      compact_revision: '900',
      cancel_reason: 'mvcc: required revision has been compacted — ü',
    });
    expect(cancel).toMatchObject({ canceled: true, compact_revision: '900', header: null, events: [] });
    same({ fragment: true, events: [{ type: 'Put', kv: kv('a', '', '5') }] });
    same({});
  });

  it('keeps every 64-bit value exact: past 2^53, the int64 maximum, negative ones', () => {
    for (const n of ['9007199254740991', '9007199254740993', '9223372036854775807', '-1', '-9223372036854775808']) {
      same({
        header: { revision: n },
        watch_id: n,
        compact_revision: n,
        events: [{ kv: { ...kv('k', 'v', n), lease: n } }],
      });
    }
    same({ header: { cluster_id: '18446744073709551615', member_id: '4294967296', raft_term: '4294967295' } });
  });

  it('matches etcd3 on 500 random responses', () => {
    const rnd = mulberry32(13);
    const int = () => {
      const r = rnd();
      if (r < 0.3) return String(Math.floor(rnd() * 1000));
      if (r < 0.6) return String(Math.floor(rnd() * 2 ** 53));
      if (r < 0.8)
        return (BigInt(Math.floor(rnd() * 2 ** 31)) * 2n ** 32n + BigInt(Math.floor(rnd() * 2 ** 32))).toString();
      return '0';
    };
    const bytes = () => Buffer.from(Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)));
    const keyValue = () => ({
      key: bytes(),
      value: bytes(),
      create_revision: int(),
      mod_revision: int(),
      version: int(),
      lease: int(),
    });
    for (let i = 0; i < 500; i++) {
      same({
        ...(rnd() < 0.9 ? { header: { cluster_id: int(), member_id: int(), revision: int(), raft_term: int() } } : {}),
        watch_id: int(),
        created: rnd() < 0.1,
        canceled: rnd() < 0.1,
        compact_revision: int(),
        cancel_reason: rnd() < 0.1 ? 'reason' : '',
        fragment: rnd() < 0.1,
        events: Array.from({ length: Math.floor(rnd() * 6) }, () => ({
          type: rnd() < 0.7 ? 'Put' : 'Delete',
          ...(rnd() < 0.95 ? { kv: keyValue() } : {}),
          ...(rnd() < 0.2 ? { prev_kv: keyValue() } : {}),
        })),
      });
    }
  });

  it('skips fields it does not know, as protobufjs does, and refuses a response cut short', () => {
    const base = encode({ header: { revision: '5' }, events: [{ kv: kv('k', 'v', '5') }] });
    // Field 15 as a varint, field 14 as bytes, field 13 as fixed64, field 12 as fixed32.
    const extra = Buffer.from([
      15 << 3,
      0x96,
      0x01,
      (14 << 3) | 2,
      2,
      0xaa,
      0xbb,
      (13 << 3) | 1,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
    ]);
    const withExtra = Buffer.concat([base, extra, Buffer.from([(12 << 3) | 5, 1, 2, 3, 4])]);
    expect(decodeWatchResponse(withExtra)).toEqual(theirs(withExtra));
    expect(() => decodeWatchResponse(base.subarray(0, base.length - 3))).toThrow(/watch response/);
  });
});

describe('decodeWatchesDirectly', () => {
  it("gives etcd3's Watch clients this decoder and leaves the other services alone", () => {
    decodeWatchesDirectly();
    decodeWatchesDirectly(); // once is enough; twice changes nothing
    const other = new Etcd3({ hosts: '127.0.0.1:9' });
    try {
      const h = (other as unknown as { pool: { hosts: Host[] } }).pool.hosts[0];
      const watch = h.getServiceClient('Watch') as unknown as {
        watch: unknown;
        Watch: unknown;
        constructor: { prototype: { watch: unknown } };
      };
      expect(watch.watch).not.toBe(watch.constructor.prototype.watch);
      expect(watch.Watch).toBe(watch.watch);
      const kvClient = h.getServiceClient('KV') as unknown as {
        range: unknown;
        constructor: { prototype: { range: unknown } };
      };
      expect(kvClient.range).toBe(kvClient.constructor.prototype.range);
    } finally {
      other.close();
    }
  });
});
