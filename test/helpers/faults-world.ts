// An orchestrator over the real store model (in memory, no threads), for the fault tests and the
// accounting property test: Infrastructure with the store's Fleet behind an in-memory backend.

import { ManualClock } from '../../src/main/orchestrator/clock';
import { Infrastructure } from '../../src/main/orchestrator/infrastructure';
import { MemoryBackend } from '../../src/main/store/backend';
import { parseRegionsCsv } from '../../src/main/store/csv';
import { Fleet } from '../../src/main/store/fleet';
import { storeService } from '../../src/main/store/service';
import type { Remote } from '../../src/shared/rpc';
import type { StoreService } from '../../src/shared/services';
import type { StoreEvent } from '../../src/shared/types';
import { seeded } from './orchestrator-fakes';

/** Five regions around Asia plus Amsterdam; NRT's one machine is small (4 cores, 16 GB). */
export const FAULTS_CSV = `kind,region,location,status,machine,datacenter,cores,memory_gb
region,SIN,Singapore,Operational,,,,
region,HKG,Hong Kong,Operational,,,,
region,NRT,Tokyo,Operational,,,,
region,SYD,Sydney,Operational,,,,
region,AMS,Amsterdam,Operational,,,,
machine,SIN,,available,sin-1,dc-1,16,64
machine,SIN,,available,sin-2,dc-1,16,64
machine,SIN,,available,sin-3,dc-2,8,32
machine,HKG,,available,hkg-1,dc-1,16,64
machine,NRT,,available,nrt-1,dc-1,4,16
machine,SYD,,available,syd-1,dc-1,32,128
machine,AMS,,available,ams-1,dc-1,64,256
`;

export interface World {
  fleet: Fleet;
  store: Remote<StoreService>;
  infra: Infrastructure;
  clock: ManualClock;
  backend: MemoryBackend;
  events: StoreEvent[];
  /** What the host does when supervision escalates: a new orchestrator, reconciled from the store. */
  restartOrchestrator(): Promise<void>;
}

export async function world(csv = FAULTS_CSV, backend = new MemoryBackend()): Promise<World> {
  const events: StoreEvent[] = [];
  const { fleet } = await Fleet.open(parseRegionsCsv(csv, 'faults.csv'), {
    backend,
    seed: 3,
    publish: (e) => events.push(e),
  });
  const svc = storeService(fleet) as unknown as Record<string, (...a: unknown[]) => unknown>;
  // Every call async, as an RPC client sees the store.
  const store = Object.fromEntries(
    Object.entries(svc).map(([name, fn]) => [name, async (...args: unknown[]) => fn(...args)]),
  ) as unknown as Remote<StoreService>;
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const start = () => Infrastructure.start({ store, autoTick: false, random: seeded(9), clock });
  const w: World = {
    fleet,
    store,
    infra: await start(),
    clock,
    backend,
    events,
    async restartOrchestrator() {
      w.infra.stop();
      await store.reconcile();
      w.infra = await start();
    },
  };
  return w;
}

/** Lets actor mailboxes and store promises run to their next real wait. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}
