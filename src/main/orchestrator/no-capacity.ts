// A launch refused for want of room: the truth, region by region, about the largest slots that
// really exist, so the caller knows what would fit instead.

import { ApiError } from '../../shared/errors';
import { cores, noCapacityMessage, type PlacementPlan, type Slot } from '../../shared/placement';
import type { Placement } from './request';

/** Why one region of the request took nothing: the slots it does have. */
export interface RegionRefusal {
  region: string;
  slots: Slot[];
}

/**
 * The truth about a refusal: for each region tried, the largest free slots that really exist
 * on one machine (never one machine's cores beside another's memory).
 */
export function noCapacity(p: Placement, refused: RegionRefusal[], plans?: PlacementPlan[]): ApiError {
  const batch = p.count > 1 ? `${p.count} VMs of ` : '';
  const sentences = refused.map((r) => noCapacityMessage(r.region, p.memory_gb, p.cores, r.slots));
  const message =
    p.count > 1
      ? `${sentences.join('. ')}. Room for ${batch}${p.memory_gb} GB and ${cores(p.cores)} was asked, all or none`
      : sentences.join('. ');
  const details: Record<string, unknown> = {
    region: p.regions.join(','),
    requested_memory_gb: p.memory_gb,
    requested_cores: p.cores,
    count: p.count,
    largest_slots: refused[0]?.slots ?? [],
    regions: refused.map((r) => ({ region: r.region, largest_slots: r.slots })),
  };
  if (plans) details.plans = plans;
  return new ApiError('no_capacity', message, details);
}
