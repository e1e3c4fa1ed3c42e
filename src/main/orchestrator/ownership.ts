// A shared fleet, as this host's orchestrator follows it: which machines it owns (their actors
// run here, the others' are only placement views), whether its etcd lease lets it launch, the
// VM changes every host makes (waiters hear of them; the stages the store names this host to
// drive run here), and the operator actions other hosts ask of it as a machine's owner. The
// store worker tells each change on its topics; what it told before the orchestrator was built
// is read once (ownership()) or kept until then (VM changes).

import { toErrorBody } from '../../shared/errors';
import type { RpcClient } from '../../shared/rpc';
import {
  LAPSING_MACHINES,
  LEASE_HEALTH,
  OWNED_MACHINES,
  OWNER_REQUESTS,
  type OwnerRequest,
  REMOTE_VMS,
  type RemoteVm,
  type StoreService,
} from '../../shared/services';
import type { Logger } from '../common/log';
import type { Infrastructure } from './infrastructure';

/** How often the actor counts are sent to the store (which writes them to etcd when they change). */
const REPORT_MS = 250;

type RemoteVms = RemoteVm[];

export interface OwnershipFollower {
  /** Makes `infra` the one that follows (at start and after a rebuild), told where things stand now. */
  ready(infra: Infrastructure): Promise<Infrastructure>;
  stop(): void;
}

export function followOwnership(store: RpcClient<StoreService>, log: Logger): OwnershipFollower {
  let infra: Infrastructure | null = null;
  const early: RemoteVms[] = [];
  let reported = '';
  const offs = [
    store.on(OWNED_MACHINES, (list) => {
      if (!Array.isArray(list) || !infra) return;
      const moved = infra.setOwned(new Set(list.filter((m) => typeof m === 'string')));
      if (moved.gained + moved.lost > 0) {
        log.info('machines owned here changed', { ...moved, ...infra.registry.actorCounts() });
      }
    }),
    store.on(LEASE_HEALTH, (refusal) => infra?.lease.set(typeof refusal === 'string' ? refusal : null)),
    store.on(LAPSING_MACHINES, (list) => {
      if (!Array.isArray(list) || !infra) return;
      infra.registry.setLapsing(new Set(list.filter((m) => typeof m === 'string')));
    }),
    store.on(REMOTE_VMS, (changed) => {
      if (!Array.isArray(changed)) return;
      if (infra) infra.remoteVms(changed as RemoteVms);
      else early.push(changed as RemoteVms);
    }),
    store.on(OWNER_REQUESTS, (req) => void answer(req as OwnerRequest)),
  ];
  const answer = async (req: OwnerRequest) => {
    if (!req || typeof req.id !== 'string') return;
    let outcome: Parameters<StoreService['answerOwner']>[1];
    try {
      if (!infra) throw new Error('the orchestrator is starting');
      const options = req.evacuate === undefined ? {} : { evacuate: req.evacuate };
      outcome = { report: await infra.machineAction(req.machine_id, req.action, options, true) };
    } catch (err) {
      outcome = { error: toErrorBody(err) };
    }
    await store.api.answerOwner(req.id, outcome).catch((err) =>
      log.warn('could not answer an action asked through another host', {
        machine: req.machine_id,
        action: req.action,
        error: toErrorBody(err).message,
      }),
    );
  };
  // What `flylight cluster` shows per host: sent when it changed.
  const timer = setInterval(() => {
    const counts = infra?.registry.actorCounts();
    if (!counts) return;
    const key = JSON.stringify(counts);
    if (key === reported) return;
    reported = key;
    store.api.reportActors(counts).catch(() => {
      reported = '';
    });
  }, REPORT_MS);
  timer.unref?.();
  return {
    async ready(next) {
      // Topics and answers share one port, in order: what the answer says is as of its sending,
      // and every change told after it reaches `next`.
      const { owned, lease_refusal } = await store.api.ownership();
      next.setOwned(owned === null ? null : new Set(owned));
      next.lease.set(lease_refusal);
      infra = next;
      for (const changed of early.splice(0)) next.remoteVms(changed);
      return next;
    },
    stop() {
      clearInterval(timer);
      for (const off of offs) off();
    },
  };
}
