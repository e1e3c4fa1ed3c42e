import { describe, expect, it } from 'vitest';
import { createResetFlow, resetConsequence } from '../../../../src/renderer/src/state/reset';
import type { ResetReport } from '../../../../src/shared/api';
import { ApiError } from '../../../../src/shared/errors';

const REPORT: ResetReport = { reset: true, regions: 35, machines: 215 };

function setup(outcomes: (ResetReport | Error)[] = [REPORT]) {
  const calls = { reset: 0, after: [] as ResetReport[] };
  let release: (() => void) | null = null;
  let holdNext = false;
  const flow = createResetFlow({
    reset: async () => {
      calls.reset++;
      if (holdNext) {
        holdNext = false;
        await new Promise<void>((r) => {
          release = r;
        });
      }
      const next = outcomes.shift() ?? REPORT;
      if (next instanceof Error) throw next;
      return next;
    },
    after: (r) => {
      calls.after.push(r);
    },
    now: () => 42,
  });
  return {
    flow,
    calls,
    phase: () => flow.store.getState().phase,
    hold() {
      holdNext = true;
    },
    release: () => release?.(),
  };
}

describe('reset flow', () => {
  it('Cancel (or Escape) sends nothing', async () => {
    const t = setup();
    t.flow.open();
    expect(t.phase()).toBe('confirming');
    t.flow.cancel();
    expect(t.phase()).toBe('closed');
    expect(t.calls.reset).toBe(0);
    // Confirming a closed dialog does nothing either.
    await t.flow.confirm();
    expect(t.calls.reset).toBe(0);
  });

  it('confirm resets once, closes, shows the notice and resyncs the page', async () => {
    const t = setup();
    t.flow.open();
    await t.flow.confirm();
    expect(t.calls.reset).toBe(1);
    expect(t.phase()).toBe('closed');
    expect(t.flow.store.getState().done).toEqual({ report: REPORT, at: 42 });
    expect(t.calls.after).toEqual([REPORT]);
    t.flow.dismissNotice();
    expect(t.flow.store.getState().done).toBeNull();
  });

  it('a double confirm, or Cancel while it runs, neither repeats nor hides the reset', async () => {
    const t = setup();
    t.hold();
    t.flow.open();
    const first = t.flow.confirm();
    expect(t.phase()).toBe('running');
    const second = t.flow.confirm();
    t.flow.cancel();
    t.flow.open();
    expect(t.phase()).toBe('running');
    t.release();
    await Promise.all([first, second]);
    expect(t.calls.reset).toBe(1);
    expect(t.phase()).toBe('closed');
  });

  it('a failure keeps the dialog open with the reason; trying again works', async () => {
    const t = setup([new ApiError('unavailable', 'the orchestrator is not answering'), REPORT]);
    t.flow.open();
    await t.flow.confirm();
    expect(t.phase()).toBe('confirming');
    expect(t.flow.store.getState().error).toEqual({
      code: 'unavailable',
      message: 'the orchestrator is not answering',
    });
    expect(t.calls.after).toEqual([]);
    await t.flow.confirm();
    expect(t.phase()).toBe('closed');
    expect(t.flow.store.getState().error).toBeNull();
    expect(t.calls.reset).toBe(2);
  });

  it('states the consequence in numbers when they are known', () => {
    expect(resetConsequence(12)).toBe('This destroys all 12 VMs and returns the fleet to its bootstrap state.');
    expect(resetConsequence(1)).toMatch(/^This destroys the one VM/);
    expect(resetConsequence(0)).toMatch(/^There are no VMs\./);
    expect(resetConsequence(undefined)).toMatch(/^This destroys every VM/);
  });
});
