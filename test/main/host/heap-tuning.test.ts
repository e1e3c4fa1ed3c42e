import { afterEach, describe, expect, it, vi } from 'vitest';
import { tuneHeap } from '../../../src/main/host/heap-tuning';
import { HEAP_DEFAULTS } from '../../../src/main/host/worker-limits';

const MB = 1024 * 1024;

afterEach(() => {
  vi.useRealTimers();
});

describe('tuning the heap before the workers start', () => {
  it('sets nothing but V8 defaults before the start, then bounds growth and holds the host young generation', () => {
    vi.useFakeTimers();
    const flags: string[] = [];
    let newSpace = 2 * MB;
    const collected: string[] = [];
    const tuning = tuneHeap(HEAP_DEFAULTS, {
      setFlags: (f) => flags.push(f),
      newSpaceBytes: () => newSpace,
      collect: () => collected.push('host'),
    });
    // Below 8 MB the host's young generation grows as V8 would grow it: the default factor, so
    // V8's flag hash (and the workers' code cache) is what it would be without tuning.
    expect(flags).toEqual(['--semi-space-growth-factor=2']);
    // Old generations grow as V8 likes while the store builds its fleet; bounded once up.
    expect(collected).toEqual([]);
    tuning.started(() => collected.push('workers'));
    expect(flags.slice(-2)).toEqual(['--heap-growing-percent=50', '--expose-gc']);
    // Each thread collects once, a second after the bound is set: its next limit is its live set's.
    expect(collected).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(collected).toEqual(['host', 'workers']);
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
    const collected: string[] = [];
    const tuning = tuneHeap(
      { workerYoungMb: 8, hostYoungMb: 0, growthPercent: 0 },
      { setFlags: (f) => flags.push(f), newSpaceBytes: () => 32 * MB, collect: () => collected.push('host') },
    );
    tuning.started(() => collected.push('workers'));
    vi.advanceTimersByTime(10_000);
    expect(flags).toEqual([]);
    expect(collected).toEqual([]);
    tuning.stop();
  });

  it('does not collect once stopped before the second is up', () => {
    vi.useFakeTimers();
    const collected: string[] = [];
    const tuning = tuneHeap(HEAP_DEFAULTS, {
      setFlags: () => {},
      newSpaceBytes: () => 0,
      collect: () => collected.push('host'),
    });
    tuning.started(() => collected.push('workers'));
    tuning.stop();
    vi.advanceTimersByTime(10_000);
    expect(collected).toEqual([]);
  });
});
