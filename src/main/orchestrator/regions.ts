// Region statuses as the orchestrator acts on them: Down refuses launches (naming the nearest
// regions that still have room), Degraded Performance slows every lifecycle stage by the timing
// profile's degraded_factor. The store holds the durable status; this is the orchestrator's copy,
// read at start and changed only through setRegionStatus, so a launch never waits on the store.

import { isRegionDegraded, isRegionDown, regionDownError } from '../../shared/faults';
import { nearestRegions } from '../../shared/geo';
import type { Region } from '../../shared/types';
import { type Registry, regionKey } from './registry';

export class RegionStatuses {
  private readonly status = new Map<string, string>();

  constructor(regions: readonly Region[] = []) {
    for (const r of regions) this.set(r.code, r.status);
  }

  set(code: string, status: string): void {
    this.status.set(regionKey(code), status);
  }

  of(code: string): string {
    return this.status.get(regionKey(code)) ?? 'Operational';
  }

  isDown(code: string): boolean {
    return isRegionDown(this.of(code));
  }

  /** What the lifecycle engine asks: are this region's stages slowed down? */
  degraded(code: string): boolean {
    return isRegionDegraded(this.of(code));
  }

  codes(): string[] {
    return [...this.status.keys()];
  }

  /**
   * Throws `region_down` when a launch of this size into `region` must be refused, suggesting
   * the nearest regions that are not down and have a machine (as its MachineD sees it) with room.
   */
  refuseIfDown(region: string, memory_gb: number, cores: number, registry: Registry): void {
    const code = regionKey(region);
    if (!this.isDown(code)) return;
    const withRoom = this.codes().filter(
      (c) =>
        // The free index follows every MachineD: no scan, and no sleeping actor woken.
        c !== code &&
        !this.isDown(c) &&
        (registry.freeIn(c).fits(memory_gb, cores) || registry.heldBackIn(c).fits(memory_gb, cores)),
    );
    throw regionDownError(code, memory_gb, cores, nearestRegions(code, withRoom, 3));
  }
}
