// A shared fleet's lost race: the launch is placed again after MachineD adopts what the store
// judged, a bounded number of times; anything else the store says ends it at once.

import { describe, expect, it } from 'vitest';
import { lostRoom, placeUntilRecorded } from '../../../src/main/orchestrator/lost-race';
import type { MachineEntry } from '../../../src/main/orchestrator/registry';
import { ApiError } from '../../../src/shared/errors';
import type { Vm } from '../../../src/shared/types';

const entry = (id: string) => ({ record: { id } }) as unknown as MachineEntry;
const vm = { id: 'vm-1' } as Vm;
const judged = { cores_allocated: 8, memory_allocated_gb: 16, vm_count: 8 };
const lost = (allocation: unknown = judged) =>
  new ApiError('unavailable', 'another host took it', { lost_race: true, allocation });

describe('placeUntilRecorded', () => {
  it('adopts the allocation the store judged by, then places again', async () => {
    const adopted: unknown[] = [];
    const places = [entry('m1'), entry('m2')];
    let records = 0;
    const got = await placeUntilRecorded(
      async () => ({ entry: places.shift() as MachineEntry }),
      async (e) => {
        records++;
        if (e.record.id === 'm1') throw lost();
        return vm;
      },
      async (e, a) => {
        adopted.push([e.record.id, a]);
      },
    );
    expect(got).toEqual({ vm });
    expect(records).toBe(2);
    expect(adopted).toEqual([['m1', judged]]);
  });

  it('adopts from the store (undefined) when the refusal carries no well-formed allocation', async () => {
    const adopted: unknown[] = [];
    let n = 0;
    await placeUntilRecorded(
      async () => ({ entry: entry('m1') }),
      async () => {
        if (n++ === 0) throw lost({ cores_allocated: -1, memory_allocated_gb: 'x', vm_count: 1 });
        return vm;
      },
      async (_e, a) => {
        adopted.push(a);
      },
    );
    expect(adopted).toEqual([undefined]);
  });

  it('gives up with the store answer after a bounded number of lost races', async () => {
    let records = 0;
    const err = await placeUntilRecorded(
      async () => ({ entry: entry('m1') }),
      async () => {
        records++;
        throw lost();
      },
      async () => {},
    ).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.details.lost_race).toBe(true);
    expect(records).toBe(8);
  });

  it('ends at once on any other refusal, and on a placement answer (no capacity)', async () => {
    let records = 0;
    const err = await placeUntilRecorded(
      async () => ({ entry: entry('m1') }),
      async () => {
        records++;
        throw new ApiError('unavailable', 'etcd lost its quorum');
      },
      async () => {},
    ).catch((e) => e);
    expect(err.message).toBe('etcd lost its quorum');
    expect(records).toBe(1);
    expect(
      await placeUntilRecorded(
        async () => ({ slots: [] }),
        async () => vm,
        async () => {},
      ),
    ).toEqual({ slots: [] });
  });

  it('marks running out of room to concurrency as lost_race, so the gate does not call it an outage', () => {
    expect(lostRoom('TINY', 16).details).toEqual({ region: 'TINY', lost_race: true });
  });
});
