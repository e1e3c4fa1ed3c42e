import { useDash, useRuntime } from '../hooks';
import { Logo } from './Logo';

/** Before the first snapshot: the page's outline, shimmering. */
export function StartingState() {
  return (
    <div className="workspace is-skeleton" data-testid="loading" aria-busy="true">
      <aside className="regions">
        <div className="regions-head">
          <h2>Regions</h2>
        </div>
        <div className="filter">
          <div className="skel skel-input" />
        </div>
        <ul className="region-list">
          {Array.from({ length: 14 }, (_, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
            <li key={i} className="region">
              <span className="skel skel-dot" />
              <span className="skel skel-text" style={{ width: 34 }} />
              <span className="skel skel-text" style={{ width: `${50 + ((i * 37) % 40)}%` }} />
            </li>
          ))}
        </ul>
      </aside>
      <section className="detail">
        <div className="detail-empty">
          <p className="muted">Connecting to the Flylight host…</p>
        </div>
      </section>
    </div>
  );
}

/** The first snapshot could not be read: say why and what to do, and offer to try again. */
export function FatalState() {
  const { dashboard, reconnect, client } = useRuntime();
  const error = useDash((s) => s.load.error);
  // A refused key has its own page (KeyNeeded.tsx); a 403 here is the Host/Origin check.
  const forbidden = error?.code === 'forbidden';
  const unreachable = error?.code === 'unavailable';
  return (
    <div className="fatal" data-testid="error-state" role="alert">
      <div className="fatal-card">
        <Logo size={40} />
        <h1>
          {forbidden
            ? 'The Flylight host refused this page'
            : unreachable
              ? 'Cannot reach the Flylight host'
              : 'The dashboard could not load'}
        </h1>
        <p className="fatal-message mono">{error?.message ?? 'Unknown error'}</p>
        <p className="muted">
          {forbidden
            ? 'Open the dashboard at the address `flylight serve` printed (http://127.0.0.1:PORT), not through another host name.'
            : client.kind === 'browser'
              ? 'Start it with `npm start` or `flylight serve`; this page connects by itself once it answers.'
              : 'The host inside the app did not answer; it is being restarted.'}
        </p>
        <button
          type="button"
          className="btn btn-primary"
          data-testid="retry"
          onClick={() => {
            reconnect();
            void dashboard.actions.resync();
          }}
        >
          Try again
        </button>
      </div>
    </div>
  );
}

export function SkeletonCards({ count = 8 }: { count?: number }) {
  return (
    <div className="machine-grid" aria-busy="true" data-testid="machines-loading">
      {Array.from({ length: count }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <div key={i} className="machine is-skeleton">
          <div className="skel skel-text" style={{ width: '60%' }} />
          <div className="skel skel-text" style={{ width: '35%' }} />
          <div className="skel skel-bar" />
          <div className="skel skel-bar" />
        </div>
      ))}
    </div>
  );
}
