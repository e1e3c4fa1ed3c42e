import { useDash } from '../hooks';

/**
 * Says plainly when the host's answers may be stale: a shared fleet's host that cannot renew its
 * etcd lease (no quorum, or cut off) still answers reads from its own copy, marked so. Gone with
 * the first answer that is current again (the status poll asks every 2 s).
 */
export function StaleBanner() {
  const stale = useDash((s) => s.stale);
  if (stale === null) return null;
  return (
    <div className="banner banner-warn banner-still" role="alert" data-testid="stale-banner">
      <span className="banner-icon" aria-hidden="true">
        !
      </span>
      <div className="banner-text">
        <strong>This host cannot renew its etcd lease — what you see may be stale.</strong>{' '}
        <span className="muted" data-testid="stale-reason">
          {stale}
        </span>
      </div>
    </div>
  );
}
