// The live indicators' heartbeat: a number that moves when changes have arrived, at most once
// every `gapMs`. The header's "Live" dot and the console's event meter pulse once per beat, so
// they show data flowing (and stop when it stops) without animating on every tick: each frame
// an animation runs is a frame the compositor draws, and in software (no GPU) an endless pulse
// cost about as much CPU as the rest of the page under a stream of 500 launches a second.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { setTimer as realTimer, type SetTimer } from './timer';

export interface Beat {
  /** `beat` counts the pulses so far (0: nothing has arrived yet). */
  store: StoreApi<{ beat: number }>;
  /** Changes arrived: a beat now, or at the end of the gap when one was just given. */
  poke(): void;
  dispose(): void;
}

export function createBeat(opts: { gapMs: number; now?: () => number; setTimer?: SetTimer }): Beat {
  const now = opts.now ?? (() => performance.now());
  const setTimer = opts.setTimer ?? realTimer;
  const store = createStore<{ beat: number }>(() => ({ beat: 0 }));
  let last = Number.NEGATIVE_INFINITY;
  let cancel: (() => void) | null = null;

  const fire = (): void => {
    cancel = null;
    last = now();
    store.setState((s) => ({ beat: s.beat + 1 }));
  };

  return {
    store,
    poke() {
      // One already waiting carries this change too.
      if (cancel) return;
      const wait = last + opts.gapMs - now();
      if (wait <= 0) fire();
      else cancel = setTimer(fire, wait);
    },
    dispose() {
      cancel?.();
      cancel = null;
    },
  };
}
