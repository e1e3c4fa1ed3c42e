// A "⋯" button and its menu, for a machine card or a region: a real menu (arrow keys, Home/End,
// Escape and a click outside close it, focus goes back to the button). The list is drawn in a
// portal at a fixed position: a card contains its paint (content-visibility), which would clip it.

import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { moveMenuFocus, useOutsidePress } from './menu-dismiss';

export interface MenuItem {
  id: string;
  label: string;
  /** Shown after the label, dimmed (e.g. "asks first"). */
  hint?: string;
  disabled?: boolean;
  danger?: boolean;
  /** A radio item: the current choice. */
  checked?: boolean;
  /** A separator goes before this item. */
  separated?: boolean;
  onSelect(): void;
}

export function ActionMenu({
  label,
  testId,
  items,
  heading,
}: {
  /** The button's accessible name, e.g. "Actions for sin-1". */
  label: string;
  testId: string;
  items: MenuItem[];
  heading?: string;
}) {
  const [open, setOpen] = useState(false);
  const [pos, setPos] = useState<{ top: number; right: number } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  /** Where the button was when the list was placed under it. */
  const placedAt = useRef<{ top: number; left: number } | null>(null);
  const id = useId();

  useLayoutEffect(() => {
    if (!open || !button.current) return;
    const r = button.current.getBoundingClientRect();
    placedAt.current = { top: r.top, left: r.left };
    setPos({ top: r.bottom + 6, right: Math.max(8, window.innerWidth - r.right) });
  }, [open]);

  const shown = open && pos !== null;
  useEffect(() => {
    if (!shown) return;
    const items = menu.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]:not([aria-disabled="true"])');
    items?.[0]?.focus();
    // The list sits where the button was: if the page moves under it, it closes. A scroll event
    // can arrive after the list opened for a scroll made before it (focusing the button scrolls
    // it into view; the event follows a frame later): the button has not moved, so it stays.
    const onScroll = (e: Event) => {
      if (menu.current?.contains(e.target as Node)) return;
      const r = button.current?.getBoundingClientRect();
      const at = placedAt.current;
      if (r && at && Math.abs(r.top - at.top) < 1 && Math.abs(r.left - at.left) < 1) return;
      setOpen(false);
    };
    const onResize = () => setOpen(false);
    window.addEventListener('scroll', onScroll, true);
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('scroll', onScroll, true);
      window.removeEventListener('resize', onResize);
    };
  }, [shown]);
  useOutsidePress(shown, [menu, button], () => setOpen(false));

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  const onMenuKey = (e: React.KeyboardEvent) => {
    // React events bubble out of a portal to the card: keys meant for the menu stay in it.
    e.stopPropagation();
    const list = [
      ...(menu.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]:not([aria-disabled="true"])') ?? []),
    ];
    if (e.key === 'Escape') {
      e.preventDefault();
      close(true);
    } else if (!moveMenuFocus(e, list) && e.key === 'Tab') {
      close(false);
    }
  };

  return (
    <>
      <button
        ref={button}
        type="button"
        className={`btn btn-ghost icon-btn act-btn${open ? ' is-on' : ''}`}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        aria-label={label}
        title={label}
        data-testid={testId}
        onClick={(e) => {
          e.stopPropagation();
          setOpen((o) => !o);
        }}
      >
        <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
          <circle cx="3" cy="8" r="1.5" fill="currentColor" />
          <circle cx="8" cy="8" r="1.5" fill="currentColor" />
          <circle cx="13" cy="8" r="1.5" fill="currentColor" />
        </svg>
      </button>
      {shown &&
        createPortal(
          <div
            ref={menu}
            id={id}
            className="menu act-menu"
            role="menu"
            aria-label={label}
            tabIndex={-1}
            style={{ top: pos?.top, right: pos?.right }}
            onKeyDown={onMenuKey}
            onClick={(e) => e.stopPropagation()}
            data-testid={`${testId}-list`}
          >
            {heading && <div className="act-menu-head mono">{heading}</div>}
            {items.map((item) => (
              <MenuEntry key={item.id} item={item} onDone={() => close(true)} />
            ))}
          </div>,
          document.body,
        )}
    </>
  );
}

function MenuEntry({ item, onDone }: { item: MenuItem; onDone(): void }) {
  const common = {
    type: 'button' as const,
    'aria-disabled': item.disabled ? true : undefined,
    className: `menu-item${item.danger ? ' menu-danger' : ''}${item.disabled ? ' is-disabled' : ''}`,
    'data-testid': `menu-${item.id}`,
    onClick: () => {
      if (item.disabled) return;
      onDone();
      item.onSelect();
    },
  };
  const body = (
    <>
      <span className="act-label">
        {item.checked !== undefined && (
          <span className="act-check" aria-hidden="true">
            {item.checked ? '●' : ''}
          </span>
        )}
        {item.label}
      </span>
      {item.hint && <span className="act-hint">{item.hint}</span>}
    </>
  );
  return (
    <>
      {item.separated && <hr className="menu-sep" />}
      {item.checked === undefined ? (
        <button role="menuitem" {...common}>
          {body}
        </button>
      ) : (
        <button role="menuitemradio" aria-checked={item.checked} {...common}>
          {body}
        </button>
      )}
    </>
  );
}
