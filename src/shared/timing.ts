// How long each lifecycle stage takes and how often it fails, in the manner of kwok's stages
// (a base delay plus a uniformly drawn jitter, and a probability that the step fails). A profile
// is plain JSON so `--timing FILE` can replace it; every draw comes from a seeded Rng, so a run
// replays exactly.

import { ApiError } from './errors';
import { STAGES, type Stage } from './lifecycle';
import type { Rng } from './random';

export interface StageTiming {
  /** The shortest the stage takes, in milliseconds. */
  delay_ms: number;
  /** Up to this much more, drawn uniformly: the stage takes delay_ms + U(0, jitter_ms). */
  jitter_ms: number;
  /** Probability in [0, 1] that the stage fails (see lifecycle.failureOutcome). */
  failure: number;
}

export interface TimingProfile {
  name: string;
  stages: Record<Stage, StageTiming>;
  /** How much slower every stage runs in a region whose status is Degraded Performance. */
  degraded_factor: number;
}

const NOTHING: StageTiming = { delay_ms: 0, jitter_ms: 0, failure: 0 };

/** The seed's behaviour: a launch answers with a started VM, and nothing ever fails. */
export const INSTANT: TimingProfile = {
  name: 'instant',
  stages: Object.fromEntries(STAGES.map((s) => [s, NOTHING])) as Record<Stage, StageTiming>,
  degraded_factor: 1,
};

/**
 * Figures fly.io publishes (https://fly.io/docs/reference/suspend-resume/): a cold start of a
 * common app takes "~2+ seconds", a resume from suspend "a few hundred ms", and Machines "can
 * be started and stopped at subsecond speeds" (https://fly.io/docs/machines/). Creating adds the
 * image fetch and rootfs preparation on the host; failures are rare but real.
 */
export const REALISTIC: TimingProfile = {
  name: 'realistic',
  stages: {
    create: { delay_ms: 800, jitter_ms: 1200, failure: 0.005 },
    start: { delay_ms: 1500, jitter_ms: 1000, failure: 0.01 },
    resume: { delay_ms: 200, jitter_ms: 300, failure: 0.005 },
    stop: { delay_ms: 300, jitter_ms: 500, failure: 0 },
    suspend: { delay_ms: 600, jitter_ms: 900, failure: 0 },
    restart: { delay_ms: 1800, jitter_ms: 1200, failure: 0.01 },
    destroy: { delay_ms: 200, jitter_ms: 400, failure: 0 },
  },
  degraded_factor: 3,
};

export const PROFILES: Readonly<Record<string, TimingProfile>> = { instant: INSTANT, realistic: REALISTIC };
export const DEFAULT_PROFILE = 'realistic';

/** One drawn outcome of a stage: how long it takes on the simulated clock, and whether it fails. */
export interface Draw {
  ms: number;
  fails: boolean;
}

/**
 * Draws a stage's outcome. `speed` runs the clock faster (2 = twice as fast); `degraded` applies
 * the profile's slow-down. Two draws per call, always, so a replay stays in step whatever the
 * profile's numbers are.
 */
export function draw(profile: TimingProfile, stage: Stage, rng: Rng, speed = 1, degraded = false): Draw {
  const t = profile.stages[stage];
  const jitter = rng();
  const fail = rng();
  const factor = degraded ? profile.degraded_factor : 1;
  return { ms: ((t.delay_ms + jitter * t.jitter_ms) * factor) / speed, fails: fail < t.failure };
}

const MAX_DELAY_MS = 3_600_000;

/**
 * A profile from JSON text (`--timing FILE`): every stage may be given, any left out keeps the
 * realistic default, and each number is checked with a message naming where it is and what is
 * allowed.
 */
export function parseTimingProfile(text: string, source = 'timing file'): TimingProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ApiError('bad_request', `${source}: not JSON (${(err as Error).message})`);
  }
  if (!isObject(raw)) throw new ApiError('bad_request', `${source}: must be a JSON object with "stages"`);
  const allowedTop = ['name', 'stages', 'degraded_factor'];
  for (const key of Object.keys(raw)) {
    if (!allowedTop.includes(key)) {
      throw new ApiError('bad_request', `${source}: unknown key "${key}" (allowed: ${allowedTop.join(', ')})`);
    }
  }
  const stages = { ...REALISTIC.stages };
  if (raw.stages !== undefined) {
    if (!isObject(raw.stages)) throw new ApiError('bad_request', `${source}: "stages" must be an object`);
    for (const [name, value] of Object.entries(raw.stages)) {
      if (!(STAGES as readonly string[]).includes(name)) {
        throw new ApiError('bad_request', `${source}: unknown stage "${name}" (stages: ${STAGES.join(', ')})`);
      }
      stages[name as Stage] = parseStage(value, `${source}: stages.${name}`, stages[name as Stage]);
    }
  }
  const degraded = raw.degraded_factor ?? REALISTIC.degraded_factor;
  if (typeof degraded !== 'number' || !(degraded >= 1 && degraded <= 100)) {
    throw new ApiError('bad_request', `${source}: degraded_factor must be a number from 1 to 100`);
  }
  const name = raw.name ?? 'custom';
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) {
    throw new ApiError('bad_request', `${source}: name must be text of 1 to 64 characters`);
  }
  return { name, stages, degraded_factor: degraded };
}

function parseStage(value: unknown, where: string, base: StageTiming): StageTiming {
  if (!isObject(value)) throw new ApiError('bad_request', `${where} must be an object`);
  const out = { ...base };
  for (const [key, v] of Object.entries(value)) {
    if (key === 'delay_ms' || key === 'jitter_ms') {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_DELAY_MS) {
        throw new ApiError('bad_request', `${where}.${key} must be milliseconds from 0 to ${MAX_DELAY_MS}`);
      }
      out[key] = v;
    } else if (key === 'failure') {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new ApiError('bad_request', `${where}.failure must be a probability from 0 to 1`);
      }
      out.failure = v;
    } else {
      throw new ApiError('bad_request', `${where}: unknown key "${key}" (allowed: delay_ms, jitter_ms, failure)`);
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
