// View preferences that belong to this screen only (not to the fleet): the console pane, the
// sidebar, the theme and how machines are listed. Kept in localStorage so the dashboard opens
// as it was left.

import { createStore } from 'zustand/vanilla';

export type MachineSort = 'id' | 'busiest' | 'freest';
export type MachineShow = 'all' | 'allocated' | 'free';
/** 'system' follows the operating system's prefers-color-scheme. */
export type ThemePref = 'system' | 'light' | 'dark';

export interface UiState {
  consoleOpen: boolean;
  /** Console pane height in px, or null until the user sizes it: then it is compact (see consoleAutoHeight). */
  consoleHeight: number | null;
  /** Sidebar (region list) width in px, or null for the default. */
  sidebarWidth: number | null;
  theme: ThemePref;
  machineSort: MachineSort;
  machineShow: MachineShow;
}

export const CONSOLE_MIN_HEIGHT = 96;
export const SIDEBAR_MIN_WIDTH = 260;
export const SIDEBAR_DEFAULT_WIDTH = 356;
/** Header, console bar and the region list's head, filter and three rows: never squeezed away. */
export const RESERVED_FOR_DASHBOARD = 330;
const KEY = 'flylight.ui';

const defaults: UiState = {
  consoleOpen: true,
  consoleHeight: null,
  sidebarWidth: null,
  theme: 'system',
  machineSort: 'id',
  machineShow: 'all',
};

/** An unsized console is compact: about six lines, a little more on a tall screen. */
export function consoleAutoHeight(viewportHeight: number): number {
  return Math.round(Math.min(200, Math.max(CONSOLE_MIN_HEIGHT + 14, viewportHeight * 0.16)));
}

/** The console's height on screen: the user's size (or the compact one), capped so the dashboard keeps its room. */
export function consoleHeightFor(stored: number | null, viewportHeight: number): number {
  const want = stored ?? consoleAutoHeight(viewportHeight);
  return Math.round(Math.max(CONSOLE_MIN_HEIGHT, Math.min(want, viewportHeight - RESERVED_FOR_DASHBOARD)));
}

/** The sidebar's width on screen: at least SIDEBAR_MIN_WIDTH, at most half the window. */
export function sidebarWidthFor(stored: number | null, viewportWidth: number): number {
  const want = stored ?? SIDEBAR_DEFAULT_WIDTH;
  return Math.round(Math.max(SIDEBAR_MIN_WIDTH, Math.min(want, Math.max(SIDEBAR_MIN_WIDTH, viewportWidth * 0.5))));
}

const size = (v: unknown, min: number): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? Math.max(min, Math.round(v)) : null;

/** Reads saved preferences, ignoring anything malformed (older versions, hand edits). */
export function parseUi(raw: string | null): UiState {
  if (!raw) return { ...defaults };
  try {
    const v = JSON.parse(raw) as Partial<Record<keyof UiState, unknown>>;
    return {
      consoleOpen: typeof v.consoleOpen === 'boolean' ? v.consoleOpen : defaults.consoleOpen,
      consoleHeight: size(v.consoleHeight, CONSOLE_MIN_HEIGHT),
      sidebarWidth: size(v.sidebarWidth, SIDEBAR_MIN_WIDTH),
      theme: v.theme === 'light' || v.theme === 'dark' ? v.theme : 'system',
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
