import { describe, expect, it } from 'vitest';
import { HEAP_DEFAULTS, readHeapKnobs, workerLimits } from '../../../src/main/host/worker-limits';

describe("the heap knobs of serve's threads", () => {
  it('defaults to 8 MB young generations and old generations growing 50 % past their live set', () => {
    expect(readHeapKnobs({})).toEqual({
      knobs: { workerYoungMb: 8, hostYoungMb: 8, growthPercent: 50 },
      problems: [],
    });
    expect(workerLimits(HEAP_DEFAULTS)).toEqual({ maxYoungGenerationSizeMb: 8 });
  });

  it('takes whole numbers from the environment, 0 meaning V8 decides', () => {
    const { knobs, problems } = readHeapKnobs({
      FLYLIGHT_WORKER_YOUNG_MB: '0',
      FLYLIGHT_HOST_YOUNG_MB: '16',
      FLYLIGHT_HEAP_GROWTH_PERCENT: ' 100 ',
    });
    expect(problems).toEqual([]);
    expect(knobs).toEqual({ workerYoungMb: 0, hostYoungMb: 16, growthPercent: 100 });
    expect(workerLimits(knobs)).toEqual({});
  });

  it('names each unusable value with what is allowed, and keeps the default for it', () => {
    const { knobs, problems } = readHeapKnobs({
      FLYLIGHT_WORKER_YOUNG_MB: '-1',
      FLYLIGHT_HOST_YOUNG_MB: 'lots',
      FLYLIGHT_HEAP_GROWTH_PERCENT: '12.5',
    });
    expect(knobs).toEqual(HEAP_DEFAULTS);
    expect(problems).toEqual([
      "FLYLIGHT_WORKER_YOUNG_MB must be a whole number from 0 to 1024 (0: V8's own); got '-1': using 8",
      "FLYLIGHT_HOST_YOUNG_MB must be a whole number from 0 to 1024 (0: V8's own); got 'lots': using 8",
      "FLYLIGHT_HEAP_GROWTH_PERCENT must be a whole number from 0 to 1000 (0: V8's own); got '12.5': using 50",
    ]);
    expect(readHeapKnobs({ FLYLIGHT_HOST_YOUNG_MB: '2048' }).problems).toHaveLength(1);
    expect(readHeapKnobs({ FLYLIGHT_HOST_YOUNG_MB: '' }).problems).toEqual([]);
  });
});
