// A fleet shared through etcd: a VM placed by this host's MachineD can still be refused by the
// store's transaction, because another host took the machine's room first (`lost_race`, nothing
// written). The placement is made again once MachineD has adopted the store's view of that
// machine, a few times, before the launch gives up with the store's answer.

import { ApiError } from '../../shared/errors';
import type { Vm } from '../../shared/types';
import type { Allocation } from './machined';
import type { MachineEntry } from './registry';

/** Placements of one VM that lost its machine to another host of a shared fleet. */
const SHARED_ATTEMPTS = 8;

export async function placeUntilRecorded<R>(
  place: () => Promise<{ entry: MachineEntry } | R>,
  record: (entry: MachineEntry) => Promise<Vm>,
  adopt: (entry: MachineEntry, judged: Allocation | undefined) => Promise<void>,
): Promise<{ vm: Vm } | R> {
  for (let attempt = 1; ; attempt++) {
    const got = await place();
    if (!(got && typeof got === 'object' && 'entry' in got)) return got as R;
    try {
      return { vm: await record(got.entry) };
    } catch (err) {
      if (!(err instanceof ApiError && err.details?.lost_race) || attempt >= SHARED_ATTEMPTS) throw err;
      await adopt(got.entry, judgedAllocation(err.details.allocation));
    }
  }
}

/** The allocation a store's refusal carries, if it is a well-formed one. */
function judgedAllocation(a: unknown): Allocation | undefined {
  if (!a || typeof a !== 'object') return undefined;
  const { cores_allocated, memory_allocated_gb, vm_count } = a as Record<string, unknown>;
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (!whole(cores_allocated) || !whole(memory_allocated_gb) || !whole(vm_count)) return undefined;
  return { cores_allocated, memory_allocated_gb, vm_count };
}

/**
 * There is room, but concurrent launches kept taking it first: not a capacity answer, and not an
 * outage either (`lost_race`: the orchestrator answered; the gate's breaker must not count it).
 */
export function lostRoom(region: string, attempts: number): ApiError {
  return new ApiError(
    'unavailable',
    `placement in ${region} lost its room to concurrent launches ${attempts} times; nothing was launched, try again`,
    { region, lost_race: true },
  );
}
