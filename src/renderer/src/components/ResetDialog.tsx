// The confirm dialog in front of "Reset fleet", and the notice after it. A native modal
// <dialog>: the page behind is inert, Escape cancels, Cancel has the focus so Enter on a
// reflex does nothing harmful, and focus goes back to the menu button afterwards.

import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { useDash, useRuntime } from '../hooks';
import { resetConsequence } from '../state/reset';
import { MENU_BUTTON_ID } from './HeaderMenu';

const NOTICE_MS = 6000;

export function ResetDialog() {
  const { resetFlow } = useRuntime();
  const phase = useStore(resetFlow.store, (s) => s.phase);
  const error = useStore(resetFlow.store, (s) => s.error);
  const vms = useDash((s) => s.status?.fleet.vms);
  const machines = useDash((s) => s.status?.fleet.machines);
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const open = phase !== 'closed';
  const running = phase === 'running';

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      cancel.current?.focus();
    } else if (!open && d.open) {
      d.close();
      document.getElementById(MENU_BUTTON_ID)?.focus();
    }
  }, [open]);

  const destroy =
    vms === undefined || vms === 0 ? 'Reset fleet' : `Destroy ${vms === 1 ? 'the VM' : `${vms} VMs`} and reset`;

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is the dialog's own cancel event; the click is the backdrop
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby="reset-title"
      aria-describedby="reset-consequence"
      data-testid="reset-dialog"
      onCancel={(e) => {
        // Escape: our state decides (a reset on its way keeps the dialog until it ends).
        e.preventDefault();
        resetFlow.cancel();
      }}
      onClick={(e) => {
        if (e.target === e.currentTarget) resetFlow.cancel();
      }}
    >
      <form
        className="dialog-body"
        onSubmit={(e) => {
          e.preventDefault();
          void resetFlow.confirm();
        }}
      >
        <div className="dialog-head">
          <span className="dialog-icon" aria-hidden="true">
            !
          </span>
          <h2 id="reset-title">Reset the fleet?</h2>
        </div>
        <p id="reset-consequence">{resetConsequence(vms)}</p>
        <ul className="dialog-list">
          <li>Every VM is destroyed; their ids stop working.</li>
          <li>
            All {machines === undefined ? '' : `${machines.toLocaleString('en-US')} `}machines go back to nothing
            allocated, with the statuses of the bootstrap file.
          </li>
          <li>
            Other dashboards, <code>flylight watch</code> and the CLI see it at once.
          </li>
        </ul>
        <p className="muted">This cannot be undone.</p>
        {error && (
          <p className="dialog-error" role="alert" data-testid="reset-error">
            The reset failed: {error.message}
          </p>
        )}
        <div className="dialog-actions">
          <button
            ref={cancel}
            type="button"
            className="btn"
            data-testid="reset-cancel"
            disabled={running}
            onClick={() => resetFlow.cancel()}
          >
            Cancel
          </button>
          <button type="submit" className="btn btn-danger" data-testid="reset-confirm" disabled={running}>
            {running ? 'Resetting…' : destroy}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** "Fleet reset: …" for a few seconds after it happened. */
export function ResetNotice() {
  const { resetFlow } = useRuntime();
  const done = useStore(resetFlow.store, (s) => s.done);
  useEffect(() => {
    if (!done) return;
    const t = setTimeout(() => resetFlow.dismissNotice(), NOTICE_MS);
    return () => clearTimeout(t);
  }, [done, resetFlow]);
  if (!done) return null;
  const { regions, machines } = done.report;
  return (
    <div className="toast" role="status" data-testid="reset-notice">
      <span className="toast-dot" aria-hidden="true" />
      <span>
        <strong>Fleet reset:</strong> {regions} regions, {machines.toLocaleString('en-US')} machines, all VMs destroyed.
      </span>
      <button
        type="button"
        className="btn btn-ghost toast-close"
        aria-label="Dismiss"
        onClick={resetFlow.dismissNotice}
      >
        ×
      </button>
    </div>
  );
}
