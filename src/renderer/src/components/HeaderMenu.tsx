// The header's "⋯" menu: view actions and the one destructive fleet action, kept out of the
// way of a dashboard left open all day. A real menu: arrow keys move, Escape and a click
// outside close it, focus returns to the button.

import { useEffect, useRef, useState } from 'react';
import { useRuntime, useUi } from '../hooks';
import { openScenarioDialog } from '../state/scenario';
import { uiStore } from '../ui-prefs';
import { moveMenuFocus, useOutsidePress } from './menu-dismiss';

export const MENU_BUTTON_ID = 'fleet-menu-button';

export function HeaderMenu() {
  const { resetFlow } = useRuntime();
  const consoleOpen = useUi((s) => s.consoleOpen);
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (open) menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [open]);
  useOutsidePress(open, [menu, button], () => setOpen(false));

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  const onMenuKey = (e: React.KeyboardEvent) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (!moveMenuFocus(e, items) && e.key === 'Tab') {
      close(false);
    }
  };

  return (
    <div className="menu-wrap">
      <button
        ref={button}
        id={MENU_BUTTON_ID}
        type="button"
        className={`btn btn-ghost icon-btn${open ? ' is-on' : ''}`}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? 'fleet-menu' : undefined}
        aria-label="Fleet actions"
        title="Fleet actions"
        data-testid="header-menu"
        onClick={() => setOpen((o) => !o)}
      >
        <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
          <circle cx="3" cy="8" r="1.5" fill="currentColor" />
          <circle cx="8" cy="8" r="1.5" fill="currentColor" />
          <circle cx="13" cy="8" r="1.5" fill="currentColor" />
        </svg>
      </button>
      {open && (
        <div
          ref={menu}
          id="fleet-menu"
          className="menu"
          role="menu"
          aria-labelledby={MENU_BUTTON_ID}
          tabIndex={-1}
          onKeyDown={onMenuKey}
        >
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            onClick={() => {
              close(true);
              uiStore.setState((s) => ({ consoleOpen: !s.consoleOpen }));
            }}
          >
            <span>{consoleOpen ? 'Hide console' : 'Show console'}</span>
            <kbd>Ctrl+`</kbd>
          </button>
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            data-testid="menu-scenario"
            onClick={() => {
              close(false);
              openScenarioDialog();
            }}
          >
            <span>Export / import scenario…</span>
          </button>
          <hr className="menu-sep" />
          <button
            type="button"
            role="menuitem"
            className="menu-item menu-danger"
            data-testid="menu-reset"
            onClick={() => {
              close(false);
              resetFlow.open();
            }}
          >
            <span>Reset fleet…</span>
          </button>
        </div>
      )}
    </div>
  );
}
