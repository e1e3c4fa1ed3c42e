// The right-hand pane: tabs between a region's (or the fleet's) machines and its VMs, and a
// plain "not here" page for a link that names a region that does not exist, or nothing at all,
// instead of quietly showing the overview.

import { useStore } from 'zustand';
import { useDash, useRuntime } from '../hooks';
import type { Tab } from '../nav/route';
import { RegionDetail } from './RegionDetail';
import { VmList } from './vm-list/VmList';

function Tabs({ region, tab }: { region: string | null; tab: Tab }) {
  const { nav } = useRuntime();
  const tabs: { id: Tab; label: string }[] = [
    { id: 'machines', label: region ? 'Machines' : 'Overview' },
    { id: 'vms', label: 'VMs' },
  ];
  return (
    <div className="page-tabs" role="tablist" aria-label={region ? `${region} views` : 'Fleet views'}>
      {tabs.map((t) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          aria-selected={tab === t.id}
          className={`page-tab${tab === t.id ? ' is-on' : ''}`}
          data-testid={`tab-${t.id}`}
          onClick={() => nav.showPage({ region, tab: t.id })}
        >
          {t.label}
        </button>
      ))}
      <span className="page-tabs-where mono muted">{region ?? 'fleet'}</span>
    </div>
  );
}

export function NotFound({ title, detail }: { title: string; detail: string }) {
  const { nav } = useRuntime();
  return (
    <section className="detail">
      <div className="detail-empty not-found" data-testid="not-found" role="alert">
        <h3>{title}</h3>
        <p className="muted">{detail}</p>
        <button type="button" className="btn" onClick={() => nav.showPage({ region: null, tab: 'machines' })}>
          Go to the overview
        </button>
      </div>
    </section>
  );
}

export function PageView() {
  const { nav } = useRuntime();
  const page = useStore(nav.store, (s) => s.page);
  const badLink = useStore(nav.store, (s) => s.badLink);
  const known = useDash((s) => (page.region ? s.regions[page.region] !== undefined : true));
  if (badLink !== null) {
    return <NotFound title="Nothing at this address" detail={`The link ${badLink} names no region, machine or VM.`} />;
  }
  if (!known) {
    return (
      <NotFound
        title={`No region ${page.region}`}
        detail="This fleet has no region with that code. Pick one from the list on the left."
      />
    );
  }
  return (
    <div className="page-view">
      <Tabs region={page.region} tab={page.tab} />
      {page.tab === 'vms' ? (
        <section className="detail vm-detail">
          <VmList region={page.region} />
        </section>
      ) : (
        <RegionDetail />
      )}
    </div>
  );
}
