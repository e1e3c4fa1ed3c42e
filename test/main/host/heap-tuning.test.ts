import { afterEach, describe, expect, it, vi } from 'vitest';
import { tuneHeap } from '../../../src/main/host/heap-tuning';
import { HEAP_DEFAULTS } from '../../../src/main/host/worker-limits';

const MB = 1024 * 1024;

afterEach(() => {
  vi.useRealTimers();
});

describe('tuning the heap before the workers start', () => {
  it('bounds old-generation growth, starts workers at their young cap, and holds the host at its own', () => {
    vi.useFakeTimers();
    const flags: string[] = [];
    let newSpace = 2 * MB;
    const tuning = tuneHeap(HEAP_DEFAULTS, { setFlags: (f) => flags.push(f), newSpaceBytes: () => newSpace });
    expect(flags).toEqual([
      '--min-semi-space-size=8',
      // Below 8 MB the host's young generation may still grow as V8 would grow it.
      '--semi-space-growth-factor=2',
    ]);
    // Old generations grow as V8 likes while the store builds its fleet; bounded once up.
    tuning.started();
    expect(flags.at(-1)).toBe('--heap-growing-percent=50');
    flags.length = 0;
    newSpace = 8 * MB;
    vi.advanceTimersByTime(250);
    expect(flags).toEqual(['--semi-space-growth-factor=1']);
    // Re-set on every look: a worker's start (a restart) puts V8's factor back to 2.
    vi.advanceTimersByTime(250);
    expect(flags).toEqual(['--semi-space-growth-factor=1', '--semi-space-growth-factor=1']);
    // Shrunk by V8 (idle): it may grow back to the size, not past it.
    newSpace = 4 * MB;
    vi.advanceTimersByTime(250);
    expect(flags.at(-1)).toBe('--semi-space-growth-factor=2');
    tuning.stop();
    expect(flags.at(-1)).toBe('--semi-space-growth-factor=2');
    const n = flags.length;
    vi.advanceTimersByTime(10_000);
    expect(flags).toHaveLength(n);
  });

  it('leaves to V8 what a knob set to 0 turns off', () => {
    vi.useFakeTimers();
    const flags: string[] = [];
    const tuning = tuneHeap(
      { workerYoungMb: 8, hostYoungMb: 0, growthPercent: 0 },
      { setFlags: (f) => flags.push(f), newSpaceBytes: () => 32 * MB },
    );
    tuning.started();
    vi.advanceTimersByTime(10_000);
    expect(flags).toEqual([]);
    tuning.stop();
  });

  it('starts uncapped workers at V8’s largest semi-space, so that holding the host never holds them small', () => {
    const flags: string[] = [];
    tuneHeap(
      { workerYoungMb: 0, hostYoungMb: 8, growthPercent: 0 },
      { setFlags: (f) => flags.push(f), newSpaceBytes: () => 0 },
    ).stop();
    expect(flags).toContain('--min-semi-space-size=16');
  });
});
