// "Reset fleet": a confirm step in front of a destructive call. Closed → confirming (the dialog
// states the consequence) → running → closed with a notice, or back to confirming with the
// error. No DOM here, so the flow is unit-tested as the page runs it.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ResetReport } from '../../../shared/api';
import { toUiError, type UiError } from './ui-error';

export type ResetPhase = 'closed' | 'confirming' | 'running';

export interface ResetState {
  phase: ResetPhase;
  /** Why the last attempt failed; shown in the dialog, which stays open. */
  error: UiError | null;
  /** The last reset that succeeded, until its notice is dismissed. */
  done: { report: ResetReport; at: number } | null;
}

export interface ResetDeps {
  reset(): Promise<ResetReport>;
  /** After a reset: reload what the page shows (the store's `reset` event also triggers it). */
  after(report: ResetReport): void | Promise<void>;
  now(): number;
}

export interface ResetFlow {
  store: StoreApi<ResetState>;
  /** Asks for confirmation (does nothing while a reset runs). */
  open(): void;
  /** Cancel, Escape or a click outside: nothing is sent. Ignored while the reset runs. */
  cancel(): void;
  /** The user confirmed: one reset, however often this is called. */
  confirm(): Promise<void>;
  dismissNotice(): void;
}

export function createResetFlow(deps: ResetDeps): ResetFlow {
  const store = createStore<ResetState>(() => ({ phase: 'closed', error: null, done: null }));
  return {
    store,
    open() {
      if (store.getState().phase !== 'closed') return;
      store.setState({ phase: 'confirming', error: null });
    },
    cancel() {
      // A reset on its way cannot be called back; the dialog stays to show how it ends.
      if (store.getState().phase !== 'confirming') return;
      store.setState({ phase: 'closed', error: null });
    },
    async confirm() {
      if (store.getState().phase !== 'confirming') return;
      store.setState({ phase: 'running', error: null });
      let report: ResetReport;
      try {
        report = await deps.reset();
      } catch (err) {
        store.setState({ phase: 'confirming', error: toUiError(err) });
        return;
      }
      store.setState({ phase: 'closed', error: null, done: { report, at: deps.now() } });
      try {
        await deps.after(report);
      } catch {
        // the page's own connection state reports a failed reload
      }
    },
    dismissNotice() {
      if (store.getState().done) store.setState({ done: null });
    },
  };
}

/** The dialog's sentence: what will be lost, in numbers when they are known. */
export function resetConsequence(vms: number | undefined): string {
  if (vms === undefined) return 'This destroys every VM and returns the fleet to its bootstrap state.';
  if (vms === 0) return 'There are no VMs. This returns every machine to its bootstrap state.';
  if (vms === 1) return 'This destroys the one VM and returns the fleet to its bootstrap state.';
  return `This destroys all ${vms.toLocaleString('en-US')} VMs and returns the fleet to its bootstrap state.`;
}
