// Which keyboard overlay is open: the command palette or the shortcut sheet (never both), and
// the machine the palette last went to, for its card to come into view and be marked.

import { createStore } from 'zustand/vanilla';

export interface OverlayState {
  open: 'palette' | 'shortcuts' | null;
  /** The machine to bring into view; `seq` changes even when the same machine is asked for twice. */
  focus: { machine: string; vm: string | null; seq: number } | null;
}

export const overlayStore = createStore<OverlayState>(() => ({ open: null, focus: null }));

export function openOverlay(which: OverlayState['open']): void {
  overlayStore.setState({ open: which });
}

let seq = 0;
export function focusMachine(machine: string, vm: string | null = null): void {
  overlayStore.setState({ focus: { machine, vm, seq: ++seq } });
}
