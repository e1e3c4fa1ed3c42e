// An operator's act from the dashboard (a machine's drain/offline/online, a region's status):
// asked about first when it is destructive, run once, its outcome shown as a toast. One act at
// a time: the confirm dialog is modal. No DOM here, so the flow is unit-tested.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Confirmation, Notice, Tone } from './ops-wording';

export interface PendingAct {
  confirmation: Confirmation;
  phase: 'asking' | 'running';
  error?: string;
}

export interface Toast extends Notice {
  id: number;
}

export interface OpsState {
  pending: PendingAct | null;
  toasts: Toast[];
}

export interface OpsFlow {
  store: StoreApi<OpsState>;
  /**
   * Runs `act` at once when `confirmation` is null, else once the user confirms. Its notice (or
   * its failure) becomes a toast; a failure while asking stays in the dialog.
   */
  perform<T>(confirmation: Confirmation | null, act: () => Promise<T>, notice: (result: T) => Notice): Promise<void>;
  confirm(): Promise<void>;
  cancel(): void;
  toast(n: Notice): void;
  dismiss(id: number): void;
}

/** Toasts kept on screen at most; older ones go first. */
const MAX_TOASTS = 4;

export function createOpsFlow(): OpsFlow {
  const store = createStore<OpsState>(() => ({ pending: null, toasts: [] }));
  let nextId = 1;
  let waiting: (() => Promise<void>) | null = null;

  const toast = (n: Notice): void => {
    const toasts = [...store.getState().toasts, { ...n, id: nextId++ }].slice(-MAX_TOASTS);
    store.setState({ toasts });
  };

  const failure = (err: unknown): Notice => ({
    tone: 'bad' as Tone,
    title: 'It did not happen',
    lines: [err instanceof Error ? err.message : String(err)],
  });

  return {
    store,
    async perform(confirmation, act, notice) {
      const run = async (): Promise<void> => {
        const result = await act();
        toast(notice(result));
      };
      if (!confirmation) {
        try {
          await run();
        } catch (err) {
          toast(failure(err));
        }
        return;
      }
      if (store.getState().pending) return;
      waiting = run;
      store.setState({ pending: { confirmation, phase: 'asking' } });
    },
    async confirm() {
      const p = store.getState().pending;
      if (p?.phase !== 'asking' || !waiting) return;
      store.setState({ pending: { ...p, phase: 'running', error: undefined } });
      try {
        await waiting();
        waiting = null;
        store.setState({ pending: null });
      } catch (err) {
        store.setState({ pending: { ...p, phase: 'asking', error: err instanceof Error ? err.message : String(err) } });
      }
    },
    cancel() {
      if (store.getState().pending?.phase === 'running') return;
      waiting = null;
      store.setState({ pending: null });
    },
    toast,
    dismiss(id) {
      store.setState({ toasts: store.getState().toasts.filter((t) => t.id !== id) });
    },
  };
}
