// etcd's watch responses, decoded straight from the wire into the objects etcd3 hands its
// watchers. Every host decodes one response for every transaction any host commits, so this is
// paid once per launch per host. etcd3 decodes them with protobufjs and then converts the
// message to a plain object (`toObject`: longs as strings through Long, enums as names, every
// default filled in): a second pass and a Long per 64-bit field, ~5 % of a store thread's CPU
// at 3 hosts. This reads the bytes once and builds the same object — the same fields, defaults
// and types (keys and values as Buffers over the response's bytes, 64-bit integers as decimal
// strings, the event type by name) — so etcd3's watch handling, its reconnects and resumes
// included, is unchanged. test/main/store/etcd/watch-decode.test.ts holds it to etcd3's own
// decoder (the same .proto, the same options) on every field.

import type { CallOptions, Client, Metadata } from '@grpc/grpc-js';
import { Host } from 'etcd3/lib/connection-pool.js';

export interface KeyValueObject {
  key: Buffer;
  create_revision: string;
  mod_revision: string;
  version: string;
  value: Buffer;
  lease: string;
}

export interface EventObject {
  type: string;
  kv: KeyValueObject | null;
  prev_kv: KeyValueObject | null;
}

export interface WatchResponseObject {
  header: { cluster_id: string; member_id: string; revision: string; raft_term: string } | null;
  watch_id: string;
  created: boolean;
  canceled: boolean;
  compact_revision: string;
  cancel_reason: string;
  fragment: boolean;
  events: EventObject[];
}

/** mvccpb.Event.EventType by number, as etcd3's .proto names them. */
const EVENT_TYPES = ['Put', 'Delete'];
const TWO_32 = 2 ** 32;
/** Absent bytes fields, until the end of their message (then each gets a buffer of its own). */
const EMPTY = Buffer.alloc(0);

/** A cursor over one message's bytes. */
class Reader {
  pos: number;
  /** The last varint read, as two 32-bit halves (a 64-bit integer does not fit a double). */
  lo = 0;
  hi = 0;

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  /** Reads a varint into lo/hi. */
  varint(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    // Byte i holds bits 7i..7i+6: bytes 0-3 the low 28, byte 4 straddles the halves, 5-9 the high.
    for (let i = 0; ; i++) {
      if (i === 10) throw new Error('a varint longer than 10 bytes in a watch response');
      if (this.pos >= this.end) throw new Error('a varint cut short in a watch response');
      const b = buf[this.pos++];
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi |= bits >> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) break;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** The last varint as a decimal string: signed (int64) or not (uint64). */
  int64(signed: boolean): string {
    const { lo, hi } = this;
    if (hi < 0x200000) return String(hi * TWO_32 + lo); // below 2^53: exact as a double
    const big = (BigInt(hi) << 32n) | BigInt(lo);
    return (signed ? BigInt.asIntN(64, big) : big).toString();
  }

  /** The small number the last varint holds (a tag, a length, an enum, a bool). */
  small(): number {
    return this.hi * TWO_32 + this.lo;
  }

  /** A length-delimited field's end; the cursor is at its start. */
  delimited(): number {
    this.varint();
    const end = this.pos + this.small();
    if (end > this.end) throw new Error('a field runs past the end of a watch response');
    return end;
  }

  /** Skips a field of an unknown number. */
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.pos = this.delimited();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unexpected wire type ${wire} in a watch response`);
    if (this.pos > this.end) throw new Error('a field runs past the end of a watch response');
  }
}

function header(r: Reader, end: number): NonNullable<WatchResponseObject['header']> {
  const h = { cluster_id: '0', member_id: '0', revision: '0', raft_term: '0' };
  while (r.pos < end) {
    r.varint();
    const tag = r.small();
    const field = tag >>> 3;
    if ((tag & 7) !== 0 || field < 1 || field > 4) {
      r.skip(tag & 7);
      continue;
    }
    r.varint();
    if (field === 1) h.cluster_id = r.int64(false);
    else if (field === 2) h.member_id = r.int64(false);
    else if (field === 3) h.revision = r.int64(true);
    else h.raft_term = r.int64(false);
  }
  return h;
}

function keyValue(r: Reader, end: number): KeyValueObject {
  const kv: KeyValueObject = {
    key: EMPTY,
    create_revision: '0',
    mod_revision: '0',
    version: '0',
    value: EMPTY,
    lease: '0',
  };
  while (r.pos < end) {
    r.varint();
    const tag = r.small();
    const field = tag >>> 3;
    const wire = tag & 7;
    if ((field === 1 || field === 5) && wire === 2) {
      const to = r.delimited();
      const bytes = r.buf.subarray(r.pos, to);
      r.pos = to;
      if (field === 1) kv.key = bytes;
      else kv.value = bytes;
    } else if (field >= 2 && field <= 6 && field !== 5 && wire === 0) {
      r.varint();
      const n = r.int64(true);
      if (field === 2) kv.create_revision = n;
      else if (field === 3) kv.mod_revision = n;
      else if (field === 4) kv.version = n;
      else kv.lease = n;
    } else r.skip(wire);
  }
  // protobufjs gives each absent bytes field a buffer of its own.
  if (kv.key === EMPTY) kv.key = Buffer.alloc(0);
  if (kv.value === EMPTY) kv.value = Buffer.alloc(0);
  return kv;
}

function event(r: Reader, end: number): EventObject {
  const ev: EventObject = { type: 'Put', kv: null, prev_kv: null };
  while (r.pos < end) {
    r.varint();
    const tag = r.small();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 0) {
      r.varint();
      const n = r.small();
      // protobufjs names a number the enum does not know by the number itself.
      ev.type = EVENT_TYPES[n] ?? (n as unknown as string);
    } else if ((field === 2 || field === 3) && wire === 2) {
      const to = r.delimited();
      const kv = keyValue(r, to);
      r.pos = to;
      if (field === 2) ev.kv = kv;
      else ev.prev_kv = kv;
    } else r.skip(wire);
  }
  return ev;
}

/** One WatchResponse as etcd3 would have it from protobufjs with its loader's options. */
export function decodeWatchResponse(buf: Buffer): WatchResponseObject {
  const r = new Reader(buf, 0, buf.length);
  const res: WatchResponseObject = {
    header: null,
    watch_id: '0',
    created: false,
    canceled: false,
    compact_revision: '0',
    cancel_reason: '',
    fragment: false,
    events: [],
  };
  while (r.pos < r.end) {
    r.varint();
    const tag = r.small();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 2 && (field === 1 || field === 6 || field === 11)) {
      const to = r.delimited();
      if (field === 1) res.header = header(r, to);
      else if (field === 6) res.cancel_reason = buf.toString('utf8', r.pos, to);
      else res.events.push(event(r, to));
      r.pos = to;
    } else if (wire === 0 && field >= 2 && field <= 7 && field !== 6) {
      r.varint();
      if (field === 2) res.watch_id = r.int64(true);
      else if (field === 5) res.compact_revision = r.int64(true);
      else {
        const on = r.lo !== 0 || r.hi !== 0;
        if (field === 3) res.created = on;
        else if (field === 4) res.canceled = on;
        else res.fragment = on;
      }
    } else r.skip(wire);
  }
  return res;
}

type WatchCall = (metadata: Metadata, options?: CallOptions) => unknown;
interface WatchMethod {
  path: string;
  requestSerialize: (value: unknown) => Buffer;
}

let installed = false;

/**
 * Has every etcd3 Watch client this thread makes decode its responses with decodeWatchResponse
 * (idempotent). etcd3 makes its gRPC clients per member in Host.getServiceClient; the Watch
 * client's streaming call is replaced there by the same call with this decoder.
 */
export function decodeWatchesDirectly(): void {
  if (installed) return;
  installed = true;
  const make = Host.prototype.getServiceClient;
  Host.prototype.getServiceClient = function (this: Host, name) {
    const client = make.call(this, name) as Client & { watch?: WatchCall; Watch?: WatchCall };
    if (name !== 'Watch') return client;
    const method = (client.constructor as { service?: { Watch?: WatchMethod } }).service?.Watch;
    if (!method || typeof method.path !== 'string' || typeof method.requestSerialize !== 'function') return client;
    const watch: WatchCall = (metadata, options) =>
      client.makeBidiStreamRequest(method.path, method.requestSerialize, decodeWatchResponse, metadata, options);
    client.watch = watch;
    client.Watch = watch;
    return client;
  };
}
