// The etcd client of one host: endpoints, TLS and auth from `--store`, a deadline on every
// attempt of a unary call, and the words for an etcd that does not answer. etcd's own retries
// would keep a launch waiting ~12 s on a cluster without quorum; a control plane answers 503
// sooner and names the cause, so a failure is diagnosed by asking each member for its status.
//
// Failing over. When the LEADER dies, a write in flight at a live follower is not refused: the
// follower forwarded it to the dead leader and waits out etcd's request timeout (5 s plus two
// election timeouts) before it answers at all. So one attempt of a small call gets
// ATTEMPT_DEADLINE_MS, after which it is sent again to another member (after an election of
// ~0.5-2 s there is a new leader). Sending a write again is safe here: every write is either a
// plain put or a transaction conditional on the revisions it read, which, if the first attempt
// did commit, fails its compare and reads back what it wrote (./allocations settles that).
// Bulk calls (a page of the fleet, a seed chunk, an import's sweep) keep a long attempt: they
// are slow for their size, not for a dead member. So does every call of a client with one
// endpoint: there is no other member to ask, and cutting a slow call short on a busy etcd
// would only send it again to the same one. A member gone silent without closing its
// connection (a cut cable, a paused VM) is noticed by gRPC keepalive pings.

import { readFileSync } from 'node:fs';
import {
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  handleWhen,
  type IRetryBackoffContext,
  noop,
  retry,
} from 'cockatiel';
import { type CallContext, Etcd3, GRPCDeadlineExceededError, type IOptions, isRecoverableError } from 'etcd3';
import { describeStore, type EtcdStoreConfig } from '../../../shared/store-spec';
import { quietIpServername } from './ip-servername';
import { decodeWatchesDirectly } from './watch-decode';

/** One attempt of a bulk call (see attemptDeadline); also the dial timeout. */
export const CALL_DEADLINE_MS = 5000;
/**
 * One attempt of a small call: far above a healthy etcd's few ms, well under the 2.5 s a store
 * operation may take in all (etcd-backend's guard), so a second attempt on another member fits.
 */
export const ATTEMPT_DEADLINE_MS = 1000;
/**
 * Attempts after the first, each on the next member (etcd3's own count). More would be worse, not
 * better: a call whose caller's own deadline passed fails every retry at once, and five failures
 * in a row set a member aside (the circuit breaker below).
 */
const RETRIES = 3;
/**
 * The wait before the next attempt on a cluster of several members: none after an attempt cut
 * off by its deadline (that time has passed already), a short, growing one after a quick refusal
 * (no leader: an election settles meanwhile).
 */
const failoverBackoff = new DelegateBackoff<IRetryBackoffContext<unknown>>((ctx) =>
  'error' in ctx.result && ctx.result.error instanceof GRPCDeadlineExceededError
    ? 0
    : Math.min(400, 50 * 2 ** (ctx.attempt - 1)),
);
/** How long the diagnosis waits for each member's status. */
const PROBE_DEADLINE_MS = 500;
/** A bigger value than this is a bulk write (a seed chunk is up to ~1 MB). */
const BULK_VALUE_BYTES = 64 * 1024;
/**
 * gRPC keepalive: a ping after this long without traffic on a connection with calls or streams
 * open. etcd answers pings more often than every 5 s with GOAWAY (--grpc-keepalive-min-time).
 */
const KEEPALIVE_MS = 10_000;
/** A ping unanswered this long closes the connection: its calls fail and go to another member. */
const KEEPALIVE_TIMEOUT_MS = 5000;

/**
 * The deadline of one attempt: long for bulk calls (a range over a prefix, a big value, a
 * transaction that deletes ranges) and on a client of one member, short for every other unary
 * call, none for streams.
 */
export function attemptDeadline(ctx: CallContext, members = 3): number | undefined {
  if (ctx.isStream) return undefined;
  if (members < 2) return CALL_DEADLINE_MS;
  let bulk = false;
  if (ctx.service === 'KV') {
    if (ctx.method === 'range' || ctx.method === 'deleteRange') bulk = isRange(ctx.params.range_end);
    else if (ctx.method === 'put') bulk = size(ctx.params.value) > BULK_VALUE_BYTES;
    else if (ctx.method === 'txn') {
      bulk = [...(ctx.params.success ?? []), ...(ctx.params.failure ?? [])].some(
        (op) => isRange(op.request_delete_range?.range_end) || isRange(op.request_range?.range_end),
      );
    }
  }
  return bulk ? CALL_DEADLINE_MS : ATTEMPT_DEADLINE_MS;
}

function isRange(end: unknown): boolean {
  return end !== undefined && end !== null && size(end) > 0;
}

function size(v: unknown): number {
  return typeof v === 'string' || Buffer.isBuffer(v) ? v.length : 0;
}

/** A client of every endpoint (or, for probes and the member table, of one). */
export function connectEtcd(store: EtcdStoreConfig, only?: string, calls?: { round_trips: number }): Etcd3 {
  if (store.tls) quietIpServername();
  const scheme = store.tls ? 'https' : 'http';
  const hosts = (only === undefined ? store.endpoints : [only]).map((e) => `${scheme}://${e}`);
  const options: IOptions = {
    hosts,
    dialTimeout: CALL_DEADLINE_MS,
    grpcOptions: {
      'grpc.keepalive_time_ms': KEEPALIVE_MS,
      'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
    },
    // Streams (watch, lease keepalive) live as long as the host; unary calls get a deadline per
    // attempt (the factory runs again for each one).
    defaultCallOptions: (ctx) => {
      const ms = attemptDeadline(ctx, hosts.length);
      return ms === undefined ? {} : { deadline: Date.now() + ms };
    },
    faultHandling: {
      // A probe asks its member once; a client of one endpoint retries at once, as etcd3 does.
      global:
        only !== undefined
          ? noop
          : retry(handleWhen(isRecoverableError), {
              maxAttempts: RETRIES,
              ...(hosts.length > 1 ? { backoff: failoverBackoff } : {}),
            }),
      // etcd3 sets a member aside for 5 s after 3 failures in a row, which on a busy single
      // member stops the whole host; a second aside after 5 keeps a dead member out and lets
      // a restarted one back quickly.
      host: () => {
        const policy = circuitBreaker(handleWhen(isRecoverableError), {
          halfOpenAfter: 1000,
          breaker: new ConsecutiveBreaker(5),
        });
        // Every call to a member passes here once, answered or not: the round trips /metrics shows.
        if (calls) {
          policy.onSuccess(() => calls.round_trips++);
          policy.onFailure(() => calls.round_trips++);
        }
        return policy;
      },
    },
  };
  if (store.tls) {
    const read = (path: string | undefined, what: string) => {
      if (path === undefined) return undefined;
      try {
        return readFileSync(path);
      } catch (err) {
        throw new Error(`cannot read the etcd ${what} ${path}: ${(err as Error).message}`);
      }
    };
    const ca = read(store.tls.caFile, 'CA bundle');
    options.credentials = {
      // grpc-js takes the system's roots when no CA is given.
      rootCertificate: ca as Buffer,
      privateKey: read(store.tls.keyFile, 'client key'),
      certChain: read(store.tls.certFile, 'client certificate'),
    };
  }
  if (store.user !== undefined) options.auth = { username: store.user, password: store.password ?? '' };
  decodeWatchesDirectly(); // the watch's responses without etcd3's second pass (./watch-decode)
  return new Etcd3(options);
}

/**
 * Why etcd did not answer, in words a user can act on: asks every member for its status. A
 * majority that answers but the call failed anyway is reported with the error as it came.
 */
export async function diagnose(
  client: Etcd3,
  probes: Map<string, Etcd3>,
  store: EtcdStoreConfig,
  err: unknown,
): Promise<string> {
  const reason = (err as Error)?.message ?? String(err);
  if (/permission denied|authentication failed|invalid auth token|user name not found/i.test(reason)) {
    return `etcd refused ${store.user ? `user '${store.user}'` : 'this host'}: ${reason}`;
  }
  // Answered, not unreachable: these name what the user must give, not a network fault.
  if (/user name is empty/i.test(reason)) {
    return `etcd at ${describeStore(store)} has auth enabled and this host gave no user: give --etcd-user (or etcd://USER@…) and FLYLIGHT_ETCD_PASSWORD (${reason})`;
  }
  if (store.tls && /alert (bad|unknown|unsupported) certificate|certificate required|handshake failure/i.test(reason)) {
    const given = store.tls.certFile ? `the client certificate ${store.tls.certFile}` : 'no client certificate';
    return `etcd at ${describeStore(store)} refused this host's TLS connection (${given}): give --etcd-cert and --etcd-key signed by a CA the cluster trusts (${reason})`;
  }
  // The member list and every member's status at once: the diagnosis costs one probe deadline.
  const listed = client.cluster.memberList({}, { deadline: Date.now() + PROBE_DEADLINE_MS }).then(
    (list) => list.members.length,
    () => 0,
  );
  const answers = await Promise.all(
    store.endpoints.map((e) =>
      probe(probes, store, e)
        .maintenance.status({ deadline: Date.now() + PROBE_DEADLINE_MS })
        .then(
          (s) => ({ up: true, leader: s.leader !== '0' }),
          () => ({ up: false, leader: false }),
        ),
    ),
  );
  const members = await listed;
  const up = answers.filter((a) => a.up).length;
  const total = Math.max(members, store.endpoints.length);
  const majority = Math.floor(total / 2) + 1;
  if (up === 0) return `etcd is unreachable at ${describeStore(store)} (${reason})`;
  if (up < majority) {
    return `etcd has lost quorum: ${up} of ${total} members answer and ${majority} are needed to commit (${reason})`;
  }
  if (!answers.some((a) => a.leader)) return `etcd has no leader yet (an election is under way; ${reason})`;
  return `etcd did not answer in time (${reason})`;
}

/** The cached one-endpoint client of `endpoint`. */
export function probe(probes: Map<string, Etcd3>, store: EtcdStoreConfig, endpoint: string): Etcd3 {
  let c = probes.get(endpoint);
  if (!c) {
    c = connectEtcd(store, endpoint);
    probes.set(endpoint, c);
  }
  return c;
}
