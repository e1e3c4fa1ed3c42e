import { useEffect } from 'react';
import { ConnectionBanner } from './components/ConnectionBanner';
import { Header } from './components/Header';
import { KeyNeededState } from './components/KeyNeeded';
import { RegionDetail } from './components/RegionDetail';
import { RegionList } from './components/RegionList';
import { ResetDialog, ResetNotice } from './components/ResetDialog';
import { FatalState, StartingState } from './components/States';
import { ConsolePane } from './console/ConsolePane';
import { useDash, useUi } from './hooks';
import { uiStore } from './ui-prefs';

/** Ctrl+` toggles the console anywhere (captured before xterm sees it); `/` finds a region. */
function useGlobalKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey && !e.altKey && !e.metaKey && (e.code === 'Backquote' || e.key === '`')) {
        e.preventDefault();
        e.stopPropagation();
        uiStore.setState((s) => ({ consoleOpen: !s.consoleOpen }));
        return;
      }
      const target = e.target as HTMLElement | null;
      const typing = target?.closest('input, textarea, select, [contenteditable="true"], .xterm');
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        const filter = document.querySelector<HTMLInputElement>('[data-testid="region-filter"]');
        if (filter) {
          e.preventDefault();
          filter.focus();
          filter.select();
        }
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}

export function App() {
  useGlobalKeys();
  const load = useDash((s) => s.load.state);
  const consoleOpen = useUi((s) => s.consoleOpen);
  const consoleHeight = useUi((s) => s.consoleHeight);
  const keyNeeded = useDash((s) => s.authRefused !== null);

  // Without its key nothing on the dashboard can work: one page that says how to get in.
  if (keyNeeded) return <KeyNeededState />;

  let body: React.ReactNode;
  if (load === 'error') body = <FatalState />;
  else if (load === 'ready') {
    body = (
      <div className="workspace">
        <RegionList />
        <RegionDetail />
      </div>
    );
  } else body = <StartingState />;

  return (
    <div className="app" style={{ '--console-h': `${consoleOpen ? consoleHeight : 0}px` } as React.CSSProperties}>
      <Header />
      <ConnectionBanner />
      <main className="app-body">{body}</main>
      <ConsolePane />
      <ResetDialog />
      <ResetNotice />
    </div>
  );
}
