// Launches under an Idempotency-Key: the keys of a batch's VMs, the answer to a replay, and the
// store's "this key already launched a VM" as the launcher hears it.

import { ApiError } from '../../shared/errors';
import { cores } from '../../shared/placement';
import type { Remote } from '../../shared/rpc';
import type { StoreService } from '../../shared/services';
import type { LaunchBatch, Vm } from '../../shared/types';
import type { Placement } from './request';

/** The store's answer to a record under a key that already names a live VM: a replay, not a failure. */
export class KeyTaken extends Error {
  constructor(readonly vm: Vm) {
    super(`the Idempotency-Key already names ${vm.id}`);
  }
}

/**
 * The answer to a launch under key `k`, which already launched `prior` (and, for a batch, the
 * VMs under `k:2`, `k:3`, … still alive); idempotency_key_reused when the request differs.
 */
export async function replay(
  p: Placement,
  k: string,
  prior: Vm,
  store: Pick<Remote<StoreService>, 'vmByIdempotencyKey'>,
): Promise<LaunchBatch & { replayed: boolean }> {
  if (!p.regions.includes(prior.region) || prior.memory_gb !== p.memory_gb || prior.cores !== p.cores) {
    throw new ApiError(
      'idempotency_key_reused',
      `Idempotency-Key ${k} already launched ${prior.id} (${prior.region}, ${prior.memory_gb} GB, ${cores(prior.cores)}); a different launch needs a new key`,
      { vm_id: prior.id },
    );
  }
  const vms = [prior];
  for (let i = 2; i <= p.count; i++) {
    const other = await store.vmByIdempotencyKey(batchKey(k, i));
    if (other) vms.push(other);
  }
  return { vms, replayed: true };
}

/** The key a batch's i-th VM (2, 3, …) is recorded under; the first has the key itself. */
export function batchKey(key: string, i: number): string {
  const k = `${key}:${i}`;
  if (k.length > 128) {
    throw new ApiError(
      'bad_request',
      'an Idempotency-Key for a batch must leave room for its suffix (at most 124 characters)',
    );
  }
  return k;
}
