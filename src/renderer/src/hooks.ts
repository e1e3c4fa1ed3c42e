// React access to the runtime's stores. Components select the smallest slice they need, so
// an event for one machine re-renders that machine's card and the totals, not the page.

import { createContext, useContext, useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { Runtime } from './runtime';
import type { DashboardState } from './state/dashboard';
import type { Sample } from './state/history';
import { type UiState, uiStore } from './ui-prefs';

export const RuntimeContext = createContext<Runtime | null>(null);

export function useRuntime(): Runtime {
  const rt = useContext(RuntimeContext);
  if (!rt) throw new Error('useRuntime outside <RuntimeContext.Provider>');
  return rt;
}

export function useDash<T>(select: (s: DashboardState) => T): T {
  return useStore(useRuntime().dashboard.store, select);
}

/** The charts' samples (the host's, once a second): on the next animation frame after they change. */
export function useSamples(): Sample[] {
  const { history } = useRuntime();
  const [samples, setSamples] = useState(() => history.getState().samples);
  useEffect(() => {
    let frame = 0;
    const off = history.subscribe(() => {
      if (!frame)
        frame = requestAnimationFrame(() => {
          frame = 0;
          setSamples(history.getState().samples);
        });
    });
    setSamples(history.getState().samples);
    return () => {
      off();
      cancelAnimationFrame(frame);
    };
  }, [history]);
  return samples;
}

/**
 * `select` of the dashboard's state, read again when the clock ticks (once a second) rather than
 * on every change: for a figure far from the others on screen, whose every change would widen
 * the frame's damage to the whole window. `select` must be stable (defined outside the component).
 */
export function useDashEverySecond<T>(select: (s: DashboardState) => T): T {
  const { dashboard, clock } = useRuntime();
  const [value, setValue] = useState(() => select(dashboard.store.getState()));
  useEffect(() => {
    setValue(select(dashboard.store.getState()));
    return clock.subscribe(() => setValue(select(dashboard.store.getState())));
  }, [clock, dashboard, select]);
  return value;
}

export function useNow(): number {
  return useStore(useRuntime().clock, (s) => s.now);
}

/** The live indicators' pulse count (runtime.ts: at most one every three seconds while changes arrive). */
export function useBeat(): number {
  return useStore(useRuntime().beat, (s) => s.beat);
}

/** Whether changes stream in too fast to animate each (state/motion.ts). */
export function useCalm(): boolean {
  return useStore(useRuntime().motion, (s) => s.calm);
}

export function useUi<T>(select: (s: UiState) => T): T {
  return useStore(uiStore, select);
}
