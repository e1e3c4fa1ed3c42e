// The orchestrator's own check of what it is asked to do. The proxy validates first and says it
// better; this is the last line, so that a bad message from any caller is a clear bad_request
// and never a NaN in a machine's accounting.

import { LIMITS } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import { isStrategy, MAX_BATCH, parseRegionList, STRATEGIES, type Strategy } from '../../shared/placement';
import type { LaunchRequest } from '../../shared/types';
import { checkIdempotencyKey, VM_ID_PATTERN, VM_ID_RULE } from '../../shared/validation';
import { regionKey } from './registry';

export interface Placement {
  /** The first region to try (the only one, mostly). */
  region: string;
  /** Every region to try, in order. */
  regions: string[];
  memory_gb: number;
  cores: number;
  num_candidates: number;
  /**
   * The request named num_candidates (the seed's parameter): ask the store for that many
   * candidates first. Otherwise `random` draws from the orchestrator's own free-capacity index,
   * which follows MachineDs exactly, without a round trip to the store.
   */
  ask_store: boolean;
  /** Undefined: the host's default. */
  strategy?: Strategy;
  count: number;
  explain: boolean;
}

export function checkLaunch(req: unknown, defaultCandidates: number): Placement {
  if (typeof req !== 'object' || req === null) {
    throw new ApiError('bad_request', 'a launch needs an object {region, memory_gb, cores}');
  }
  const r = req as Partial<LaunchRequest>;
  const regions = typeof r.region === 'string' ? parseRegionList(r.region) : [];
  if (regions.length === 0 || regions.some((code) => regionKey(code) === '')) {
    throw new ApiError('bad_request', 'region must be a region code such as SIN, or several to try in order (SIN,NRT)');
  }
  if (r.strategy !== undefined && !isStrategy(r.strategy)) {
    throw new ApiError('bad_request', `strategy must be one of ${STRATEGIES.join(', ')}`);
  }
  if (r.explain !== undefined && typeof r.explain !== 'boolean') {
    throw new ApiError('bad_request', 'explain must be true or false');
  }
  return {
    region: regions[0],
    regions,
    strategy: r.strategy,
    count: r.count === undefined ? 1 : whole('count', r.count, { min: 1, max: MAX_BATCH }),
    explain: r.explain === true,
    memory_gb: whole('memory_gb', r.memory_gb, LIMITS.memoryGb),
    cores: whole('cores', r.cores, LIMITS.cores),
    num_candidates:
      r.num_candidates === undefined
        ? defaultCandidates
        : whole('num_candidates', r.num_candidates, LIMITS.numCandidates),
    ask_store: r.num_candidates !== undefined,
  };
}

export function checkVmId(id: unknown): string {
  if (typeof id !== 'string' || !VM_ID_PATTERN.test(id)) {
    throw new ApiError('bad_request', `a VM id is ${VM_ID_RULE}, e.g. vm-3f9c2a1b7d4e`);
  }
  return id;
}

export function checkKey(key: unknown): string {
  const k = checkIdempotencyKey(key);
  if (k === undefined) throw new ApiError('bad_request', 'an idempotent launch needs an Idempotency-Key');
  return k;
}

function whole(name: string, v: unknown, range: { min: number; max: number }): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < range.min || v > range.max) {
    throw new ApiError(
      'bad_request',
      `${name} must be a whole number from ${range.min} to ${range.max} (got ${JSON.stringify(v) ?? String(v)})`,
    );
  }
  return v;
}
