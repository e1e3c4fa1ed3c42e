import { CommandPalette } from './command/CommandPalette';
import { useGlobalKeys } from './command/global-keys';
import { ShortcutSheet } from './command/ShortcutSheet';
import { ConnectionBanner } from './components/ConnectionBanner';
import { DrawerHost } from './components/drawer-host';
import { EventLogPanel } from './components/event-log/EventLog';
import { Header } from './components/Header';
import { KeyNeededState } from './components/KeyNeeded';
import { OpsOverlays } from './components/ops-overlays';
import { PageView } from './components/page-view';
import { RegionList } from './components/RegionList';
import { ResetDialog, ResetNotice } from './components/ResetDialog';
import { ScenarioDialog } from './components/ScenarioDialog';
import { SidebarResize } from './components/SidebarResize';
import { StaleBanner } from './components/StaleBanner';
import { FatalState, StartingState } from './components/States';
import { ConsolePane } from './console/ConsolePane';
import { useDash, useUi } from './hooks';
import { LoadPanel } from './load/LoadPanel';
import { consoleHeightFor, sidebarWidthFor } from './ui-prefs';
import { useViewport } from './viewport';

export function App() {
  useGlobalKeys();
  const load = useDash((s) => s.load.state);
  const consoleOpen = useUi((s) => s.consoleOpen);
  const consoleHeight = useUi((s) => s.consoleHeight);
  const sidebarWidth = useUi((s) => s.sidebarWidth);
  const viewport = useViewport();
  const keyNeeded = useDash((s) => s.authRefused !== null);

  // Without its key nothing on the dashboard can work: one page that says how to get in.
  if (keyNeeded) return <KeyNeededState />;

  let body: React.ReactNode;
  if (load === 'error') body = <FatalState />;
  else if (load === 'ready') {
    body = (
      <div className="workspace">
        <RegionList />
        <SidebarResize />
        <PageView />
      </div>
    );
  } else body = <StartingState />;

  // Sizes are computed here, not in CSS, so that the remembered ones are capped to this window.
  const layout = {
    '--console-h': `${consoleOpen ? consoleHeightFor(consoleHeight, viewport.h) : 0}px`,
    '--sidebar-w': `${sidebarWidthFor(sidebarWidth, viewport.w)}px`,
  } as React.CSSProperties;

  return (
    <div className="app" style={layout}>
      <Header />
      <ConnectionBanner />
      <StaleBanner />
      <main className="app-body">
        {body}
        {/* Inside the body, so it sits above the console and never covers its bar. */}
        <ResetNotice />
        {load === 'ready' && <EventLogPanel />}
        {load === 'ready' && <DrawerHost />}
      </main>
      <ConsolePane />
      <ResetDialog />
      {load === 'ready' && <OpsOverlays />}
      <ScenarioDialog />
      {load === 'ready' && <CommandPalette />}
      {load === 'ready' && <LoadPanel />}
      <ShortcutSheet />
    </div>
  );
}
