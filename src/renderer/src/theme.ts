// The page's colour scheme: the user's choice, or the system's prefers-color-scheme until they
// choose. Applied as data-theme on <html>, which the CSS variables in styles/theme.css follow.

import { useSyncExternalStore } from 'react';
import { type ThemePref, uiStore } from './ui-prefs';

export type Theme = 'light' | 'dark';

const query = (): MediaQueryList | null =>
  typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: light)') : null;

export function resolveTheme(pref: ThemePref, systemLight: boolean): Theme {
  if (pref === 'system') return systemLight ? 'light' : 'dark';
  return pref;
}

function current(): Theme {
  return resolveTheme(uiStore.getState().theme, query()?.matches ?? false);
}

const listeners = new Set<() => void>();

function apply(): void {
  const t = current();
  const root = document.documentElement;
  if (root.dataset.theme !== t) {
    root.dataset.theme = t;
    root.style.colorScheme = t;
    for (const l of listeners) l();
  }
}

/** Applies the theme now and keeps it in step with the preference and the system setting. */
export function startTheme(): void {
  apply();
  uiStore.subscribe((s, prev) => {
    if (s.theme !== prev.theme) apply();
  });
  query()?.addEventListener('change', apply);
}

/** The theme on screen, for code that cannot use CSS variables (the terminal's colours). */
export function useTheme(): Theme {
  return useSyncExternalStore(
    (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    () => (document.documentElement.dataset.theme === 'light' ? 'light' : 'dark'),
  );
}

/** Next in the cycle system → light → dark → system, for the header's switch. */
export function nextThemePref(p: ThemePref): ThemePref {
  return p === 'system' ? 'light' : p === 'light' ? 'dark' : 'system';
}

export const THEME_LABEL: Record<ThemePref, string> = {
  system: 'System theme',
  light: 'Light theme',
  dark: 'Dark theme',
};
