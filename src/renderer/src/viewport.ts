// The window's size as React state, for layout limits CSS cannot express (the console may not
// squeeze the region list away; the sidebar may not take more than half the window).

import { useSyncExternalStore } from 'react';

let size = { w: window.innerWidth, h: window.innerHeight };

function subscribe(cb: () => void): () => void {
  const on = () => {
    size = { w: window.innerWidth, h: window.innerHeight };
    cb();
  };
  window.addEventListener('resize', on);
  return () => window.removeEventListener('resize', on);
}

export function useViewport(): { w: number; h: number } {
  return useSyncExternalStore(subscribe, () => size);
}
