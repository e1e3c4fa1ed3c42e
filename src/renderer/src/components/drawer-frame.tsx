// The frame both drawers share: a panel over the right of the page (the page stays usable
// beside it), Escape or × closes it, and focus moves into it when it opens.

import { type ReactNode, useEffect, useRef } from 'react';
import { useRuntime } from '../hooks';

export function DrawerFrame({
  kind,
  title,
  badge,
  testId,
  actions,
  children,
}: {
  kind: string;
  title: string;
  badge?: ReactNode;
  testId: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const { nav } = useRuntime();
  const panel = useRef<HTMLElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focus moves in when another entity opens too
  useEffect(() => {
    panel.current?.focus();
  }, [title]);
  return (
    <aside
      ref={panel}
      className="drawer"
      aria-label={`${kind} ${title}`}
      data-testid={testId}
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !(e.target as HTMLElement).closest('dialog')) {
          e.stopPropagation();
          nav.closeDrawer();
        }
      }}
    >
      <header className="drawer-head">
        <div className="drawer-title">
          <span className="drawer-kicker">{kind}</span>
          <h2 className="mono" data-testid="drawer-title">
            {title}
          </h2>
        </div>
        {badge}
        <button
          type="button"
          className="btn btn-ghost icon-btn drawer-close"
          aria-label="Close"
          data-testid="drawer-close"
          onClick={() => nav.closeDrawer()}
        >
          ×
        </button>
      </header>
      {actions && <div className="drawer-actions">{actions}</div>}
      <div className="drawer-body">{children}</div>
    </aside>
  );
}

export function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="drawer-section" data-testid={testId}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}
