// The dashboard's global shortcuts, caught before xterm or any input sees them where they must
// work everywhere (Ctrl+`, the palette), and only outside text fields where they are printable
// characters (`/`, `?`). The list the `?` sheet shows is shortcuts.ts.

import { useEffect } from 'react';
import { uiStore } from '../ui-prefs';
import { openOverlay, overlayStore } from './overlays';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el?.closest?.('input, textarea, select, [contenteditable="true"], .xterm');
}

export function focusRegionFilter(): boolean {
  const filter = document.querySelector<HTMLInputElement>('[data-testid="region-filter"]');
  if (!filter) return false;
  filter.focus();
  filter.select();
  return true;
}

export function useGlobalKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const key = e.key.toLowerCase();
      const inTerminal = !!(e.target as HTMLElement | null)?.closest?.('.xterm');
      const stop = () => {
        e.preventDefault();
        e.stopPropagation();
      };
      if (e.ctrlKey && !e.altKey && !e.metaKey && (e.code === 'Backquote' || e.key === '`')) {
        stop();
        uiStore.setState((s) => ({ consoleOpen: !s.consoleOpen }));
        return;
      }
      // Ctrl+K is the console's "delete to end of line" (as in a shell): there, Ctrl+Shift+P.
      const palette =
        (key === 'k' && (e.metaKey || (e.ctrlKey && !inTerminal)) && !e.altKey && !e.shiftKey) ||
        (key === 'p' && e.ctrlKey && e.shiftKey && !e.altKey);
      if (palette) {
        stop();
        openOverlay(overlayStore.getState().open === 'palette' ? null : 'palette');
        return;
      }
      if (overlayStore.getState().open || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      // A modal dialog (reset) owns the keyboard.
      if (document.querySelector('dialog[open]')) return;
      if (e.key === '?') {
        stop();
        openOverlay('shortcuts');
      } else if (e.key === '/') {
        if (focusRegionFilter()) e.preventDefault();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}
