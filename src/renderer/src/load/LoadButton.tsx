// The header's "Load" button: opens the Load panel, and shows when a run is on.

import { isActive } from './panel-state';
import { useLoad, useLoadPanel } from './use-load';

export function LoadButton() {
  const panel = useLoadPanel();
  const open = useLoad((s) => s.open);
  const active = useLoad((s) => isActive(s.run));
  return (
    <button
      type="button"
      className={`btn btn-ghost load-btn${open ? ' is-on' : ''}`}
      data-testid="load-button"
      data-active={active}
      aria-expanded={open}
      title={active ? 'A load run is on — open the Load panel' : 'Load generator'}
      onClick={() => panel.setOpen(!open)}
    >
      <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
        <path
          d="M1.5 9h3l2-5 3 9 2-4h3"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
      <span className="btn-word">Load</span>
      {active && <span className="load-dot" aria-hidden="true" />}
      {active && <span className="load-sr">(running)</span>}
    </button>
  );
}
