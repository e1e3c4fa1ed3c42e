// The orchestrator's own check of what it is asked to do. The proxy validates first and says it
// better; this is the last line, so that a bad message from any caller is a clear bad_request
// and never a NaN in a machine's accounting.

import { LIMITS } from '../../shared/config';
import { ApiError } from '../../shared/errors';
import type { LaunchRequest } from '../../shared/types';
import { checkIdempotencyKey } from '../../shared/validation';
import { regionKey } from './registry';

export interface Placement {
  region: string;
  memory_gb: number;
  cores: number;
  num_candidates: number;
}

export function checkLaunch(req: unknown, defaultCandidates: number): Placement {
  if (typeof req !== 'object' || req === null) {
    throw new ApiError('bad_request', 'a launch needs an object {region, memory_gb, cores}');
  }
  const r = req as Partial<LaunchRequest>;
  if (typeof r.region !== 'string' || regionKey(r.region) === '') {
    throw new ApiError('bad_request', 'region must be a region code such as SIN');
  }
  return {
    region: regionKey(r.region),
    memory_gb: whole('memory_gb', r.memory_gb, LIMITS.memoryGb),
    cores: whole('cores', r.cores, LIMITS.cores),
    num_candidates:
      r.num_candidates === undefined
        ? defaultCandidates
        : whole('num_candidates', r.num_candidates, LIMITS.numCandidates),
  };
}

export function checkVmId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) {
    throw new ApiError('bad_request', 'a VM id is a string such as vm-3f9c2a1b7d4e');
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
