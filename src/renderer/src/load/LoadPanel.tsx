// The Load panel: a drawer over the dashboard with `flylight load`'s controls, the host's run
// live, and the last run's summary. The host runs it (POST /v1/load); this page polls it.

import { useEffect, useRef } from 'react';
import { LoadForm } from './LoadForm';
import { LoadResult } from './LoadResult';
import { useLoad, useLoadPanel } from './use-load';

export function LoadPanel() {
  const panel = useLoadPanel();
  const open = useLoad((s) => s.open);
  const run = useLoad((s) => s.run);
  const ref = useRef<HTMLElement>(null);

  // Polls the host for as long as the page lives: quickly while the panel is open or a run is on.
  useEffect(() => panel.poll(), [panel]);
  useEffect(() => {
    if (open) ref.current?.querySelector<HTMLInputElement>('input:not([disabled]), button')?.focus();
  }, [open]);

  if (!open) return null;
  return (
    <aside
      ref={ref}
      className="load-panel"
      data-testid="load-panel"
      aria-label="Load generator"
      onKeyDown={(e) => {
        if (e.key === 'Escape') panel.setOpen(false);
      }}
    >
      <header className="load-head">
        <div>
          <h2>Load generator</h2>
          <p className="load-sub">
            Launches VMs at a steady rate with a mix of sizes — the same run as `flylight load`.
          </p>
        </div>
        <button
          type="button"
          className="btn btn-ghost icon-btn"
          data-testid="load-close"
          aria-label="Close the load panel"
          title="Close (Esc)"
          onClick={() => panel.setOpen(false)}
        >
          ×
        </button>
      </header>
      <div className="load-scroll">
        <LoadForm />
        {run ? (
          <LoadResult run={run} />
        ) : (
          <p className="load-empty">
            No run yet on this host. Start one above, or type `load --rate 50 --duration 30s` in the console.
          </p>
        )}
      </div>
    </aside>
  );
}
