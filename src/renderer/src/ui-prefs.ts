// View preferences that belong to this screen only (not to the fleet): the console pane and
// how machines are listed. Kept in localStorage so the dashboard opens as it was left.

import { createStore } from 'zustand/vanilla';

export type MachineSort = 'id' | 'busiest' | 'freest';
export type MachineShow = 'all' | 'allocated' | 'free';

export interface UiState {
  consoleOpen: boolean;
  /** Console pane height in px. */
  consoleHeight: number;
  machineSort: MachineSort;
  machineShow: MachineShow;
}

export const CONSOLE_MIN_HEIGHT = 120;
const KEY = 'flylight.ui';

const defaults: UiState = { consoleOpen: true, consoleHeight: 240, machineSort: 'id', machineShow: 'all' };

/** Reads saved preferences, ignoring anything malformed (older versions, hand edits). */
export function parseUi(raw: string | null): UiState {
  if (!raw) return { ...defaults };
  try {
    const v = JSON.parse(raw) as Partial<Record<keyof UiState, unknown>>;
    return {
      consoleOpen: typeof v.consoleOpen === 'boolean' ? v.consoleOpen : defaults.consoleOpen,
      consoleHeight:
        typeof v.consoleHeight === 'number' && Number.isFinite(v.consoleHeight)
          ? Math.max(CONSOLE_MIN_HEIGHT, Math.round(v.consoleHeight))
          : defaults.consoleHeight,
      machineSort: v.machineSort === 'busiest' || v.machineSort === 'freest' ? v.machineSort : 'id',
      machineShow: v.machineShow === 'allocated' || v.machineShow === 'free' ? v.machineShow : 'all',
    };
  } catch {
    return { ...defaults };
  }
}

function load(): UiState {
  try {
    return parseUi(localStorage.getItem(KEY));
  } catch {
    return { ...defaults };
  }
}

export const uiStore = createStore<UiState>(() => load());

uiStore.subscribe((s) => {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // private mode or quota: preferences just do not persist
  }
});
