// The Load panel's state against a host that runs loads in memory (a LoadKeeper over a scripted
// driver behind the fake API): a bad field is named as the panel names it and nothing is sent,
// a start shows the host's run, a refused second start shows the run that is on, polling
// follows a run started elsewhere and slows down once nothing runs.

import { describe, expect, it } from 'vitest';
import {
  createLoadPanel,
  FAST_POLL_MS,
  isActive,
  type PollTimers,
  SLOW_POLL_MS,
  specTexts,
} from '../../../../src/renderer/src/load/panel-state';
import { LoadKeeper } from '../../../../src/shared/load/keeper';
import type { LoadSpec } from '../../../../src/shared/load/spec';
import { FakeApi } from '../../../helpers/cli-fixtures';
import { ScriptedDriver } from '../../../helpers/load-fixtures';
import { until } from '../../../helpers/until';

const CODES = ['SIN', 'NRT'];

function host() {
  const api = new FakeApi();
  api.loadKeeper = new LoadKeeper({
    open: () => ({ driver: new ScriptedDriver(), close: () => {} }),
    regions: async () => CODES,
    newId: () => 'load-1',
  });
  return api;
}

describe('the Load panel state', () => {
  it('names a refused field as the panel labels it, and sends nothing', async () => {
    const api = host();
    const panel = createLoadPanel(api);
    panel.setText('rate', '0');
    await panel.start(CODES);
    expect(panel.store.getState().fieldError).toEqual({
      field: 'rate',
      message: "Rate must be launches per second above 0 and at most 10000; got '0'",
    });
    panel.setText('rate', '5');
    expect(panel.store.getState().fieldError).toBeNull();
    panel.setText('regions', 'SIN,MARS');
    await panel.start(CODES);
    expect(panel.store.getState().fieldError?.message).toMatch(/^Regions: unknown region 'MARS'/);
    expect(api.calls.filter((c) => c.method === 'loadStart')).toEqual([]);
  });

  it('starts a run on the host, shows it, and a second start shows the error and the run that is on', async () => {
    const api = host();
    const panel = createLoadPanel(api);
    panel.setText('duration', '2s');
    panel.setText('regions', 'nrt');
    panel.setText('seed', '9');
    await panel.start(CODES);
    const { run } = panel.store.getState();
    expect(run?.id).toBe('load-1');
    expect(run?.spec).toMatchObject({
      rate: 50,
      duration_ms: 2000,
      regions: ['NRT'],
      seed: 9,
      destroy_after_ms: 10_000,
    });
    expect(isActive(run)).toBe(true);
    expect(specTexts(run?.spec as LoadSpec)).toMatchObject({
      rate: '50',
      duration: '2s',
      regions: 'NRT',
      destroyAfter: '10s',
      seed: '9',
    });
    await panel.start(CODES);
    expect(panel.store.getState().error).toMatch(/^a load run is already running on this host \(load-1/);
    await panel.stop();
    await until(async () => {
      await panel.refresh();
      return panel.store.getState().run?.summary != null;
    }, 5000);
    expect(panel.store.getState().run?.summary).toMatchObject({ stopped: true });
  });

  it('polls fast while a run is on or the panel is open, slowly otherwise', async () => {
    const api = host();
    const panel = createLoadPanel(api);
    const delays: number[] = [];
    let pending: (() => void) | null = null;
    const timers: PollTimers = {
      set: (fn, ms) => {
        delays.push(ms);
        pending = fn;
        return 0 as unknown as ReturnType<typeof setTimeout>;
      },
      clear: () => {
        pending = null;
      },
    };
    const stop = panel.poll(timers);
    await until(() => delays.length === 1, 1000);
    expect(delays[0]).toBe(SLOW_POLL_MS);
    // A run started elsewhere (the console) is found by the next poll, which then speeds up.
    await api.loadKeeper?.start(specFor());
    (pending as unknown as () => void)();
    await until(() => delays.length === 2, 1000);
    expect(panel.store.getState().run?.id).toBe('load-1');
    expect(delays[1]).toBe(FAST_POLL_MS);
    stop();
    api.loadKeeper?.stop();
  });
});

function specFor() {
  return {
    rate: 1,
    duration_ms: 60_000,
    mix: [{ cores: 1, memory_gb: 1, weight: 1 }],
    regions: [],
    destroy_after_ms: null,
    strategy: null,
    seed: 1,
  };
}
