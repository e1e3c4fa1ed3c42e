// The header's palette button and theme switch, next to the "⋯" menu.

import { useStore } from 'zustand';
import { openOverlay, overlayStore } from '../command/overlays';
import { MOD } from '../command/shortcuts';
import { useUi } from '../hooks';
import { nextThemePref, THEME_LABEL, useTheme } from '../theme';
import { uiStore } from '../ui-prefs';

function ThemeIcon({ pref }: { pref: 'system' | 'light' | 'dark' }) {
  if (pref === 'light') {
    return (
      <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
        <circle cx="8" cy="8" r="3" fill="currentColor" />
        <g stroke="currentColor" strokeWidth="1.4" strokeLinecap="round">
          <path d="M8 1.5v1.6M8 12.9v1.6M1.5 8h1.6M12.9 8h1.6M3.4 3.4l1.1 1.1M11.5 11.5l1.1 1.1M3.4 12.6l1.1-1.1M11.5 4.5l1.1-1.1" />
        </g>
      </svg>
    );
  }
  if (pref === 'dark') {
    return (
      <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
        <path d="M13.5 10.2A6 6 0 0 1 5.8 2.5a6 6 0 1 0 7.7 7.7Z" fill="currentColor" />
      </svg>
    );
  }
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <circle cx="8" cy="8" r="5.8" fill="none" stroke="currentColor" strokeWidth="1.4" />
      <path d="M8 2.2a5.8 5.8 0 0 1 0 11.6Z" fill="currentColor" />
    </svg>
  );
}

export function ThemeSwitch() {
  const pref = useUi((s) => s.theme);
  const shown = useTheme();
  const next = nextThemePref(pref);
  const now = pref === 'system' ? `${THEME_LABEL.system} (${shown} now)` : THEME_LABEL[pref];
  return (
    <button
      type="button"
      className="btn btn-ghost icon-btn"
      data-testid="theme-switch"
      data-theme-pref={pref}
      aria-label={`${now}. Switch to ${THEME_LABEL[next].toLowerCase()}`}
      title={`${now} — click for ${THEME_LABEL[next].toLowerCase()}`}
      onClick={() => uiStore.setState({ theme: next })}
    >
      <ThemeIcon pref={pref} />
    </button>
  );
}

export function PaletteButton() {
  const open = useStore(overlayStore, (s) => s.open === 'palette');
  return (
    <button
      type="button"
      className={`btn btn-ghost palette-btn${open ? ' is-on' : ''}`}
      data-testid="palette-button"
      aria-label="Command palette"
      title="Find a region, machine or VM, or run a command"
      onClick={() => openOverlay('palette')}
    >
      <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
        <circle cx="7" cy="7" r="4.6" fill="none" stroke="currentColor" strokeWidth="1.6" />
        <path d="m10.5 10.5 3.5 3.5" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
      </svg>
      <span className="palette-btn-keys">
        <kbd>{MOD}</kbd>
        <kbd>K</kbd>
      </span>
    </button>
  );
}
