import { useDash, useNow, useRuntime } from '../hooks';

/**
 * Says plainly when the live feed is down, while the last known state stays on screen
 * (dimmed). Hidden while the first connection is still being made.
 */
export function ConnectionBanner() {
  const { reconnect } = useRuntime();
  const conn = useDash((s) => s.connection);
  const loaded = useDash((s) => s.load.state === 'ready');
  const now = useNow();
  if (conn.state === 'open' || !loaded) return null;
  if (conn.state === 'connecting' && conn.drops === 0 && !conn.detail) return null;
  const down = Math.max(0, Math.round((now - conn.since) / 1000));
  const closed = conn.state === 'closed';
  return (
    <div className={`banner ${closed ? 'banner-bad' : 'banner-warn'}`} role="alert" data-testid="disconnected-banner">
      <span className="banner-icon" aria-hidden="true">
        {closed ? '⨯' : '↻'}
      </span>
      <div className="banner-text">
        <strong>{closed ? 'Live updates stopped.' : 'Connection to the Flylight host lost — reconnecting.'}</strong>{' '}
        <span className="muted">
          {conn.detail ? `${conn.detail}. ` : ''}
          Showing the last known state{down > 0 ? ` from ${down} s ago` : ''}.
        </span>
      </div>
      <button type="button" className="btn" onClick={reconnect} data-testid="reconnect">
        Reconnect now
      </button>
    </div>
  );
}
