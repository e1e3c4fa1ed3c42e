// The Load panel's state for React: one per runtime (so one per page), created on first use.

import { useStore } from 'zustand';
import { useRuntime } from '../hooks';
import type { Runtime } from '../runtime';
import { createLoadPanel, type LoadPanel, type LoadPanelState } from './panel-state';

const panels = new WeakMap<Runtime, LoadPanel>();

export function useLoadPanel(): LoadPanel {
  return loadPanelOf(useRuntime());
}

/** The runtime's Load panel (the palette opens it too). */
export function loadPanelOf(rt: Runtime): LoadPanel {
  let p = panels.get(rt);
  if (!p) {
    p = createLoadPanel(rt.client.api);
    panels.set(rt, p);
  }
  return p;
}

export function useLoad<T>(select: (s: LoadPanelState) => T): T {
  return useStore(useLoadPanel().store, select);
}
