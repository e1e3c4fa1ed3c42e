// The etcd client of one host: endpoints, TLS and auth from `--store`, a deadline on every
// unary call, and the words for an etcd that does not answer. etcd's own retries would keep a
// launch waiting ~12 s on a cluster without quorum; a control plane answers 503 sooner and
// names the cause, so every call gets CALL_DEADLINE_MS and a failure is diagnosed by asking
// each member for its status.

import { readFileSync } from 'node:fs';
import { ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { Etcd3, type IOptions, isRecoverableError } from 'etcd3';
import { describeStore, type EtcdStoreConfig } from '../../../shared/store-spec';

/** A write or read that has not answered by then is reported as failed (outcome unknown for writes). */
export const CALL_DEADLINE_MS = 5000;
/** How long the diagnosis waits for each member's status. */
const PROBE_DEADLINE_MS = 800;

/** A client of every endpoint (or, for probes and the member table, of one). */
export function connectEtcd(store: EtcdStoreConfig, only?: string, calls?: { round_trips: number }): Etcd3 {
  const scheme = store.tls ? 'https' : 'http';
  const options: IOptions = {
    hosts: (only === undefined ? store.endpoints : [only]).map((e) => `${scheme}://${e}`),
    dialTimeout: CALL_DEADLINE_MS,
    // Streams (watch, lease keepalive) live as long as the host; only unary calls get a deadline.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS }),
    faultHandling: {
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
  let members: number;
  try {
    const list = await client.cluster.memberList({}, { deadline: Date.now() + PROBE_DEADLINE_MS });
    members = list.members.length;
  } catch {
    members = 0;
  }
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
