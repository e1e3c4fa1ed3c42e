// What the header's menus and panels share: a press outside closes them, and a menu's arrow,
// Home and End keys move focus over its items.

import { type RefObject, useEffect } from 'react';

/** While `open`, a pointer press outside every element of `inside` calls `close`. */
export function useOutsidePress(
  open: boolean,
  inside: readonly RefObject<HTMLElement | null>[],
  close: () => void,
): void {
  // The refs and the closer are the caller's own, the same for its whole life.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      const t = e.target as Node;
      if (!inside.some((r) => r.current?.contains(t))) close();
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [open]);
}

/** Moves focus over a menu's items for ArrowDown/ArrowUp (wrapping), Home and End; true if it did. */
export function moveMenuFocus(e: React.KeyboardEvent, items: readonly HTMLElement[]): boolean {
  if (items.length === 0) return false;
  const at = items.indexOf(document.activeElement as HTMLElement);
  let next: HTMLElement | undefined;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    next = items[(at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length];
  } else if (e.key === 'Home' || e.key === 'End') {
    next = items[e.key === 'Home' ? 0 : items.length - 1];
  } else {
    return false;
  }
  e.preventDefault();
  next?.focus();
  return true;
}
