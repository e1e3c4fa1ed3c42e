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

/**
 * The charts' samples, `turn` animation frames after they change. recharts recomputes a whole
 * chart for each new sample (its store goes round several times), so charts that take turns
 * (0, 1, 2) each fill a frame of their own instead of all three filling one.
 */
export function useSamples(turn = 0): Sample[] {
  const { history } = useRuntime();
  const [samples, setSamples] = useState(() => history.getState().samples);
  useEffect(() => {
    let frame = 0;
    const show = () => {
      frame = 0;
      setSamples(history.getState().samples);
    };
    const off = history.subscribe(() => {
      if (frame) return;
      let left = turn;
      const wait = () => {
        if (left-- > 0) frame = requestAnimationFrame(wait);
        else show();
      };
      frame = requestAnimationFrame(wait);
    });
    show();
    return () => {
      off();
      cancelAnimationFrame(frame);
    };
  }, [history, turn]);
  return samples;
}

export function useNow(): number {
  return useStore(useRuntime().clock, (s) => s.now);
}

export function useUi<T>(select: (s: UiState) => T): T {
  return useStore(uiStore, select);
}
