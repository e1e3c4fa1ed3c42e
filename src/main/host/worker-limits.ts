// The V8 heap limits every worker thread starts with.

/**
 * Each worker's young generation (V8's nursery for new objects) is capped. Under a stream of
 * launches V8 grows each worker's to 32 MB, and the three of them held ~90 MB the process did not
 * need: capped, the same 20,000 launches on a 100k fleet left RSS ~90 MB lower at the same CPU
 * per launch (BENCHMARKS.md). A cap on the young generation cannot run a worker out of memory,
 * whatever the fleet: what survives moves to the old generation, which is left uncapped, and
 * large objects have their own space. Tests and benchmarks may set another through
 * FLYLIGHT_WORKER_YOUNG_MB (0: V8's default).
 */
const YOUNG_MB = Number(process.env.FLYLIGHT_WORKER_YOUNG_MB ?? 8);
export const WORKER_LIMITS = Number.isFinite(YOUNG_MB) && YOUNG_MB > 0 ? { maxYoungGenerationSizeMb: YOUNG_MB } : {};
