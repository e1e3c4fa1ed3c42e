// What a load run is asked to do, and the checks that turn a person's text (CLI flags, the
// dashboard panel's fields) or an API body into it. One set of words for every way in: each
// message names the field as the caller wrote it (`--rate`, `Rate`, `rate`).

import { LIMITS } from '../config';
import { parseDuration } from '../duration';
import { ApiError } from '../errors';
import { isStrategy, STRATEGIES, type Strategy } from '../placement';
import { clip, shown } from '../quote';
import { checkRegion, unknownRegionMessage } from '../validation';

/** One kind of VM in the mix, drawn with probability weight / (sum of weights). */
export interface MixEntry {
  cores: number;
  memory_gb: number;
  weight: number;
}

/** A load run, as the API takes it (`POST /v1/load`) and the generator runs it. */
export interface LoadSpec {
  /** Launches per second, open loop: sent on schedule whether or not earlier ones answered. */
  rate: number;
  duration_ms: number;
  mix: MixEntry[];
  /** Each launch goes to one of these, drawn uniformly; empty means every region. */
  regions: string[];
  /** How long each launched VM lives; null keeps them (they outlive the run). */
  destroy_after_ms: number | null;
  strategy: Strategy | null;
  /** Seeds the mix and region draws, so a run can be repeated exactly. */
  seed: number;
}

export const LOAD_LIMITS = {
  rate: { min: 0, max: 10_000 },
  durationMs: { min: 1, max: 24 * 3600 * 1000 },
  destroyAfterMs: { min: 0, max: 24 * 3600 * 1000 },
  mixEntries: 32,
  seed: { min: 0, max: 2 ** 32 - 1 },
} as const;

export const DEFAULT_MIX = '1x1:70,4x8:25,16x64:5';
export const LOAD_FIELDS = ['rate', 'duration_ms', 'mix', 'regions', 'destroy_after_ms', 'strategy', 'seed'] as const;

/** The fields as a person types them; undefined when not given. */
export interface LoadTexts {
  rate?: string;
  duration?: string;
  mix?: string;
  regions?: string;
  destroyAfter?: string;
  strategy?: string;
  seed?: string;
}

/** How each field is called where the text came from, e.g. { rate: '--rate', … }. */
export type LoadNames = Record<keyof LoadTexts, string>;

export const FLAG_NAMES: LoadNames = {
  rate: '--rate',
  duration: '--duration',
  mix: '--mix',
  regions: '--regions',
  destroyAfter: '--destroy-after',
  strategy: '--strategy',
  seed: '--seed',
};

/** A field's text that cannot be used; `field` is the key in LoadTexts, for forms. */
export class LoadInputError extends Error {
  constructor(
    readonly field: keyof LoadTexts,
    message: string,
  ) {
    super(message);
    this.name = 'LoadInputError';
  }
}

const MIX_ENTRY = /^(\d+)\s*x\s*(\d+)\s*(?::\s*(\d+(?:\.\d+)?))?$/i;
const MIX_HELP = 'entries CORESxGB:WEIGHT separated by commas, such as 1x1:70,4x8:25,16x64:5';

/** "1x1:70,4x8:25" → entries; a missing weight is 1. Throws LoadInputError naming `name`. */
export function parseMix(text: string, name = FLAG_NAMES.mix): MixEntry[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length > LOAD_LIMITS.mixEntries) {
    throw new LoadInputError('mix', `${name} has ${parts.length} entries; at most ${LOAD_LIMITS.mixEntries}`);
  }
  const out: MixEntry[] = [];
  for (const part of parts) {
    const m = MIX_ENTRY.exec(part);
    if (!m) throw new LoadInputError('mix', `${name} must be ${MIX_HELP}; '${clip(part)}' is not one`);
    const entry = { cores: Number(m[1]), memory_gb: Number(m[2]), weight: m[3] === undefined ? 1 : Number(m[3]) };
    out.push(checkEntry(entry, name, part));
  }
  return out;
}

function checkEntry(e: MixEntry, name: string, written: string): MixEntry {
  const { cores, memoryGb } = LIMITS;
  const where = `${name} entry '${clip(written)}'`;
  if (!Number.isInteger(e.cores) || e.cores < cores.min || e.cores > cores.max) {
    throw new LoadInputError('mix', `${where}: cores must be a whole number from ${cores.min} to ${cores.max}`);
  }
  if (!Number.isInteger(e.memory_gb) || e.memory_gb < memoryGb.min || e.memory_gb > memoryGb.max) {
    throw new LoadInputError(
      'mix',
      `${where}: memory must be a whole number of GB from ${memoryGb.min} to ${memoryGb.max}`,
    );
  }
  if (!(e.weight > 0) || !Number.isFinite(e.weight)) {
    throw new LoadInputError('mix', `${where}: the weight must be a number above 0`);
  }
  return e;
}

/** "1x1:70,4x8:25": a mix as people write it. */
export function formatMix(mix: readonly MixEntry[]): string {
  return mix.map((e) => `${e.cores}x${e.memory_gb}:${e.weight}`).join(',');
}

/**
 * The texts of a run, checked in the order they are written on the example line. `known` is
 * the host's region codes (a region not among them is refused here, naming the flag).
 */
export function parseLoadTexts(
  t: LoadTexts,
  known: readonly string[],
  names: LoadNames = FLAG_NAMES,
  newSeed: () => number = randomSeed,
): LoadSpec {
  if (t.rate === undefined || t.rate.trim() === '') {
    throw new LoadInputError('rate', `${names.rate} is required: launches per second, such as 200`);
  }
  const rate = /^\d+(\.\d+)?$/.test(t.rate.trim()) ? Number(t.rate.trim()) : Number.NaN;
  if (!(rate > LOAD_LIMITS.rate.min) || rate > LOAD_LIMITS.rate.max) {
    throw new LoadInputError(
      'rate',
      `${names.rate} must be launches per second above 0 and at most ${LOAD_LIMITS.rate.max}; got '${clip(t.rate)}'`,
    );
  }
  if (t.duration === undefined || t.duration.trim() === '') {
    throw new LoadInputError('duration', `${names.duration} is required: how long to launch, such as 60s or 2m`);
  }
  const duration_ms = checkDuration(t.duration, names.duration, 'duration', LOAD_LIMITS.durationMs.min);
  const mix = parseMix(t.mix?.trim() ? t.mix : DEFAULT_MIX, names.mix);
  const regions = t.regions?.trim() ? parseRegions(t.regions, known, names.regions) : [];
  const destroy_after_ms = t.destroyAfter?.trim()
    ? checkDuration(t.destroyAfter, names.destroyAfter, 'destroyAfter', 0)
    : null;
  let strategy: Strategy | null = null;
  if (t.strategy?.trim()) {
    const s = t.strategy.trim().toLowerCase();
    if (!isStrategy(s)) {
      throw new LoadInputError(
        'strategy',
        `${names.strategy} must be one of ${STRATEGIES.join(', ')}; got '${clip(t.strategy)}'`,
      );
    }
    strategy = s;
  }
  let seed = newSeed();
  if (t.seed?.trim()) {
    const n = /^\d+$/.test(t.seed.trim()) ? Number(t.seed.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n) || n > LOAD_LIMITS.seed.max) {
      throw new LoadInputError(
        'seed',
        `${names.seed} must be a whole number from 0 to ${LOAD_LIMITS.seed.max}; got '${clip(t.seed)}'`,
      );
    }
    seed = n;
  }
  return { rate, duration_ms, mix, regions, destroy_after_ms, strategy, seed };
}

function checkDuration(text: string, name: string, field: keyof LoadTexts, min: number): number {
  const ms = parseDuration(text);
  const max = LOAD_LIMITS.durationMs.max;
  if (Number.isNaN(ms)) {
    throw new LoadInputError(field, `${name} must be a duration such as 60s, 2m, 1m30s or 500ms; got '${clip(text)}'`);
  }
  if (ms < min || ms > max) {
    throw new LoadInputError(field, `${name} must be ${min === 0 ? 'from 0s' : 'above 0'} to 24h; got '${clip(text)}'`);
  }
  return ms;
}

function parseRegions(text: string, known: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '')
      throw new LoadInputError('regions', `${name} must be region codes separated by commas, such as SIN,NRT`);
    const match = known.find((k) => k.toUpperCase() === part.toUpperCase());
    if (match === undefined) {
      throw new LoadInputError('regions', `${name}: ${unknownRegionMessage(part, known)}`);
    }
    if (!out.includes(match)) out.push(match);
  }
  return out;
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

function bad(message: string): ApiError {
  return new ApiError('bad_request', message);
}

function wholeIn(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(`${name} must be a whole number from ${min} to ${max}; got ${shown(value)}`);
  }
  return value;
}

/**
 * A `POST /v1/load` body (JSON types, snake_case), checked as the proxy's other bodies are:
 * unknown fields refused, every value in range, regions against the host's list.
 */
export function checkLoadBody(body: unknown, known: readonly string[]): LoadSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad(`the body must be a JSON object such as {"rate":50,"duration_ms":10000}; got ${shown(body)}`);
  }
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (!(LOAD_FIELDS as readonly string[]).includes(k)) {
      throw new ApiError('unknown_field', `unknown field '${clip(k)}' (allowed: ${LOAD_FIELDS.join(', ')})`);
    }
  }
  const rate = b.rate;
  if (typeof rate !== 'number' || !(rate > 0) || rate > LOAD_LIMITS.rate.max) {
    throw bad(`rate must be launches per second above 0 and at most ${LOAD_LIMITS.rate.max}; got ${shown(rate)}`);
  }
  const duration_ms = wholeIn(b.duration_ms, 'duration_ms', LOAD_LIMITS.durationMs.min, LOAD_LIMITS.durationMs.max);
  let mix: MixEntry[];
  if (b.mix === undefined) mix = parseMix(DEFAULT_MIX);
  else if (!Array.isArray(b.mix) || b.mix.length === 0 || b.mix.length > LOAD_LIMITS.mixEntries) {
    throw bad(`mix must be an array of 1 to ${LOAD_LIMITS.mixEntries} {cores, memory_gb, weight}; got ${shown(b.mix)}`);
  } else {
    mix = b.mix.map((e, i) => {
      const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
      const entry = { cores: o.cores, memory_gb: o.memory_gb, weight: o.weight ?? 1 } as MixEntry;
      try {
        return checkEntry(entry, 'mix', `#${i + 1}`);
      } catch (err) {
        throw bad((err as Error).message);
      }
    });
  }
  let regions: string[] = [];
  if (b.regions !== undefined) {
    if (!Array.isArray(b.regions)) throw bad(`regions must be an array of region codes; got ${shown(b.regions)}`);
    regions = [...new Set(b.regions.map((r) => checkRegion(r, known, 'regions')))];
  }
  const destroy_after_ms =
    b.destroy_after_ms === undefined || b.destroy_after_ms === null
      ? null
      : wholeIn(b.destroy_after_ms, 'destroy_after_ms', 0, LOAD_LIMITS.destroyAfterMs.max);
  let strategy: Strategy | null = null;
  if (b.strategy !== undefined && b.strategy !== null) {
    if (!isStrategy(b.strategy))
      throw bad(`strategy must be one of ${STRATEGIES.join(', ')}; got ${shown(b.strategy)}`);
    strategy = b.strategy;
  }
  const seed = b.seed === undefined ? randomSeed() : wholeIn(b.seed, 'seed', 0, LOAD_LIMITS.seed.max);
  return { rate, duration_ms, mix, regions, destroy_after_ms, strategy, seed };
}

/** The body that asks for `spec` (the inverse of checkLoadBody). */
export function loadBody(spec: LoadSpec): Record<string, unknown> {
  const body: Record<string, unknown> = {
    rate: spec.rate,
    duration_ms: spec.duration_ms,
    mix: spec.mix,
    regions: spec.regions,
    destroy_after_ms: spec.destroy_after_ms,
    seed: spec.seed,
  };
  if (spec.strategy) body.strategy = spec.strategy;
  return body;
}
