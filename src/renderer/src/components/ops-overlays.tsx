// What the machine and region menus put on screen: the question before a destructive act (a
// native modal <dialog>: Cancel has the focus, so Enter on a reflex does nothing harmful) and the
// toasts after each act, which stay until dismissed when something went wrong.

import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { useRuntime } from '../hooks';
import type { Toast } from '../state/ops-flow';
import { LaunchDialog } from './launch-dialog';

/** How long a toast stays by itself; one that reports trouble ('bad') stays until dismissed. */
const TOAST_MS = { ok: 7000, warn: 15000 } as const;

function ConfirmDialog() {
  const { ops } = useRuntime();
  const pending = useStore(ops.store, (s) => s.pending);
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const returnTo = useRef<Element | null>(null);
  const open = pending !== null;
  const running = pending?.phase === 'running';

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      returnTo.current = document.activeElement;
      d.showModal();
      cancel.current?.focus();
    } else if (!open && d.open) {
      d.close();
      (returnTo.current as HTMLElement | null)?.focus?.();
    }
  }, [open]);

  const c = pending?.confirmation;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is the dialog's own cancel event; the click is the backdrop
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby="ops-confirm-title"
      aria-describedby="ops-confirm-consequence"
      data-testid="ops-confirm"
      onCancel={(e) => {
        e.preventDefault();
        ops.cancel();
      }}
      onClick={(e) => {
        if (e.target === e.currentTarget) ops.cancel();
      }}
    >
      {c && (
        <form
          className="dialog-body"
          onSubmit={(e) => {
            e.preventDefault();
            void ops.confirm();
          }}
        >
          <div className="dialog-head">
            <span className="dialog-icon" aria-hidden="true">
              !
            </span>
            <h2 id="ops-confirm-title">{c.title}</h2>
          </div>
          <p id="ops-confirm-consequence" data-testid="ops-consequence">
            {c.consequence}
          </p>
          <ul className="dialog-list">
            {c.details.map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
          {pending?.error && (
            <p className="dialog-error" role="alert" data-testid="ops-error">
              It did not happen: {pending.error}
            </p>
          )}
          <div className="dialog-actions">
            <button ref={cancel} type="button" className="btn" disabled={running} onClick={() => ops.cancel()}>
              Cancel
            </button>
            <button type="submit" className="btn btn-danger" data-testid="ops-confirm-button" disabled={running}>
              {running ? 'Working…' : c.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

function ToastItem({ toast }: { toast: Toast }) {
  const { ops } = useRuntime();
  useEffect(() => {
    if (toast.tone === 'bad') return;
    const t = setTimeout(() => ops.dismiss(toast.id), TOAST_MS[toast.tone]);
    return () => clearTimeout(t);
  }, [toast, ops]);
  return (
    <li className={`op-toast tone-${toast.tone}`} data-testid="op-toast" data-tone={toast.tone}>
      <span className={`toast-dot dot-${toast.tone}`} aria-hidden="true" />
      <div className="op-toast-text">
        <strong>{toast.title}</strong>
        {toast.lines.map((l) => (
          <span key={l} className="op-toast-line">
            {l}
          </span>
        ))}
      </div>
      <button
        type="button"
        className="btn btn-ghost toast-close"
        aria-label="Dismiss"
        onClick={() => ops.dismiss(toast.id)}
      >
        ×
      </button>
    </li>
  );
}

function Toasts() {
  const { ops } = useRuntime();
  const toasts = useStore(ops.store, (s) => s.toasts);
  return (
    <ol className="op-toasts" aria-live="polite" aria-label="Notifications">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} />
      ))}
    </ol>
  );
}

/** Everything the menus open, mounted once by App. */
export function OpsOverlays() {
  return (
    <>
      <ConfirmDialog />
      <LaunchDialog />
      <Toasts />
    </>
  );
}
