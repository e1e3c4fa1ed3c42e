// The page a browser sees when the API refuses its key (401): nothing else on the dashboard
// could work, so it says plainly why and the two ways in — the link `flylight serve` printed,
// or the token from `flylight token` pasted here, traded for a session (state/auth.ts) before
// the page starts again. Nothing is retried behind the user's back.

import { useState } from 'react';
import { useDash } from '../hooks';
import { browserSessionStore, tradeToken } from '../state/auth';
import { Logo } from './Logo';

/** The proxy's 401 text ends with advice for API clients (an Authorization header): not for this page. */
function briefly(reason: string): string {
  return reason.replace(/: pass Authorization: Bearer .*$/s, '');
}

export function KeyNeededState() {
  const reason = useDash((s) => s.authRefused);
  const [value, setValue] = useState('');
  const [checking, setChecking] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (checking) return;
    setChecking(true);
    setProblem(null);
    const r = await tradeToken(value, location.origin);
    if (r.ok) {
      browserSessionStore().set(r.session);
      // Starts the page afresh with its session (the fragment keeps the selected region).
      location.reload();
      return;
    }
    setChecking(false);
    setProblem(r.message);
  };

  return (
    <main className="fatal" data-testid="auth-needed">
      <div className="fatal-card key-card">
        <Logo size={40} />
        <h1>This dashboard needs its key</h1>
        <p className="muted">
          Flylight answers only to holders of its API token, and this page has no valid session: it was opened without
          the link that carries the token, its session expired, or the token was rotated since.
        </p>
        <ol className="key-steps">
          <li>
            <span>
              Open the link <code>flylight serve</code> printed when it started:
            </span>
            <code className="key-sample">Dashboard: {location.origin}/?token=…</code>
          </li>
          <li>
            <label htmlFor="key-input">
              Or run <code>flylight token</code> in a terminal and paste what it prints:
            </label>
            <form className="key-form" onSubmit={submit}>
              <input
                id="key-input"
                className="key-input mono"
                type="password"
                autoComplete="off"
                spellCheck={false}
                placeholder="43 characters"
                value={value}
                onChange={(e) => setValue(e.target.value)}
                aria-invalid={problem !== null}
                aria-describedby={problem ? 'key-problem' : undefined}
                data-testid="key-input"
              />
              <button type="submit" className="btn btn-primary" disabled={checking} data-testid="key-submit">
                {checking ? 'Checking…' : 'Open dashboard'}
              </button>
            </form>
            {problem && (
              <p id="key-problem" className="key-problem" role="alert">
                {problem}
              </p>
            )}
          </li>
        </ol>
        <p className="key-note">
          The token leaves the address bar at once and is traded for a session that this browser keeps for this address
          only (no other site or local port can read it). It lasts 30 days, or until{' '}
          <code>flylight token --rotate</code> signs every browser out.
        </p>
        {reason && <p className="key-reason mono">Flylight said: {briefly(reason)}</p>}
      </div>
    </main>
  );
}
