// One confirm dialog for the VM and machine actions that destroy or disrupt: a native modal
// <dialog> (the page behind is inert, Escape cancels), Cancel focused so a reflexive Enter does
// nothing harmful, the consequences listed, and the failure shown in place if the act fails.
// Whoever wants a confirmation calls askConfirm(); the one dialog in the page shows it.

import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';

export interface ConfirmRequest {
  title: string;
  /** The sentence that says what will happen. */
  body: string;
  points?: string[];
  confirmLabel: string;
  /** Red button: the act cannot be undone. */
  danger?: boolean;
  /** Optional extra choice (e.g. "evacuate its VMs"): a checkbox whose value goes to run(). */
  option?: { label: string; initial: boolean };
  run(option: boolean): Promise<unknown>;
}

const confirmStore = createStore<{ req: ConfirmRequest | null }>(() => ({ req: null }));

export function askConfirm(req: ConfirmRequest): void {
  confirmStore.setState({ req });
}

export function ConfirmDialog() {
  const req = useStore(confirmStore, (s) => s.req);
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [option, setOption] = useState(false);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (req && !d.open) {
      setError(null);
      setRunning(false);
      setOption(req.option?.initial ?? false);
      d.showModal();
      cancel.current?.focus();
    } else if (!req && d.open) d.close();
  }, [req]);

  const close = () => {
    if (!running) confirmStore.setState({ req: null });
  };

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is the dialog's own cancel event; the click is the backdrop
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby="confirm-title"
      data-testid="confirm-dialog"
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
      onClick={(e) => {
        if (e.target === e.currentTarget) close();
      }}
    >
      {req && (
        <form
          className="dialog-body"
          onSubmit={(e) => {
            e.preventDefault();
            setRunning(true);
            setError(null);
            req.run(option).then(
              () => {
                setRunning(false);
                confirmStore.setState({ req: null });
              },
              (err: Error) => {
                setRunning(false);
                setError(err.message);
              },
            );
          }}
        >
          <div className="dialog-head">
            <span className={`dialog-icon${req.danger ? '' : ' dialog-icon-info'}`} aria-hidden="true">
              !
            </span>
            <h2 id="confirm-title">{req.title}</h2>
          </div>
          <p>{req.body}</p>
          {req.points && req.points.length > 0 && (
            <ul className="dialog-list">
              {req.points.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          {req.option && (
            <label className="dialog-option">
              <input
                type="checkbox"
                checked={option}
                data-testid="confirm-option"
                onChange={(e) => setOption(e.target.checked)}
              />
              {req.option.label}
            </label>
          )}
          {error && (
            <p className="dialog-error" role="alert" data-testid="confirm-error">
              {error}
            </p>
          )}
          <div className="dialog-actions">
            <button
              ref={cancel}
              type="button"
              className="btn"
              data-testid="confirm-cancel"
              disabled={running}
              onClick={close}
            >
              Cancel
            </button>
            <button
              type="submit"
              className={`btn ${req.danger ? 'btn-danger' : 'btn-primary'}`}
              data-testid="confirm-ok"
              disabled={running}
            >
              {running ? 'Working…' : req.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
