// The V8 heap limits of `flylight serve`'s threads, and the environment knobs that change them
// (for tests and benchmarks: a user has no reason to).

/**
 * Each worker's young generation (V8's nursery for new objects) is capped. Under a stream of
 * launches V8 grows each worker's to 32 MB, and the three of them held ~90 MB the process did not
 * need: capped, the same 20,000 launches on a 100k fleet left RSS ~90 MB lower at the same CPU
 * per launch (BENCHMARKS.md). A cap on the young generation cannot run a worker out of memory,
 * whatever the fleet: what survives moves to the old generation, which is left uncapped, and
 * large objects have their own space. The host thread's young generation is held to the same
 * size, and every old generation's growth past its live set is bounded: see heap-tuning.ts.
 */
export interface HeapKnobs {
  /** Each worker's young generation, MB (FLYLIGHT_WORKER_YOUNG_MB; 0: V8's default, which grows to 32). */
  workerYoungMb: number;
  /** The host thread's young generation, MB (FLYLIGHT_HOST_YOUNG_MB; 0: V8's default, up to 32). */
  hostYoungMb: number;
  /**
   * How far an old generation may grow past what its last full GC left, percent
   * (FLYLIGHT_HEAP_GROWTH_PERCENT; 0: V8's own, which rises to 300 % while allocation is fast).
   */
  growthPercent: number;
}

export const HEAP_DEFAULTS: HeapKnobs = { workerYoungMb: 8, hostYoungMb: 8, growthPercent: 50 };

const KNOBS: { key: keyof HeapKnobs; name: string; max: number }[] = [
  { key: 'workerYoungMb', name: 'FLYLIGHT_WORKER_YOUNG_MB', max: 1024 },
  { key: 'hostYoungMb', name: 'FLYLIGHT_HOST_YOUNG_MB', max: 1024 },
  { key: 'growthPercent', name: 'FLYLIGHT_HEAP_GROWTH_PERCENT', max: 1000 },
];

/**
 * The knobs from the environment. A bad value is not worth refusing to start over (these only
 * tune memory against GC work): it is named in `problems`, with what is allowed, and the default
 * is used.
 */
export function readHeapKnobs(env: Record<string, string | undefined>): { knobs: HeapKnobs; problems: string[] } {
  const knobs = { ...HEAP_DEFAULTS };
  const problems: string[] = [];
  for (const { key, name, max } of KNOBS) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= 0 && value <= max) knobs[key] = value;
    else
      problems.push(`${name} must be a whole number from 0 to ${max} (0: V8's own); got '${raw}': using ${knobs[key]}`);
  }
  return { knobs, problems };
}

/** The resourceLimits each worker starts with. */
export function workerLimits(knobs: HeapKnobs): { maxYoungGenerationSizeMb?: number } {
  return knobs.workerYoungMb > 0 ? { maxYoungGenerationSizeMb: knobs.workerYoungMb } : {};
}

export const WORKER_LIMITS = workerLimits(readHeapKnobs(process.env).knobs);
