import { useEffect, useMemo } from 'react';
import { useStore } from 'zustand';
import { formatPercent, percent, utilisation } from '../../../shared/percent';
import { regionSeverity } from '../../../shared/region-status';
import type { Machine } from '../../../shared/types';
import { overlayStore } from '../command/overlays';
import { formatCount } from '../format';
import { useDash, useRuntime, useUi } from '../hooks';
import { type MachineShow, type MachineSort, uiStore } from '../ui-prefs';
import { Charts } from './Charts';
import { CapacityStat } from './capacity-stat';
import { MachineCard } from './MachineCard';
import { MachineGrid } from './MachineGrid';
import { RegionMenu } from './region-menu';
import { SkeletonCards } from './States';
import { AllocationBars, MiniBar } from './UsageBar';

export function orderMachines(list: Machine[], sort: MachineSort, show: MachineShow): Machine[] {
  const isUsed = (m: Machine) => m.cores_allocated > 0 || m.memory_allocated_gb > 0 || m.vm_count > 0;
  const shown = show === 'all' ? list : list.filter((m) => (show === 'allocated' ? isUsed(m) : !isUsed(m)));
  if (sort === 'id') return shown;
  const dir = sort === 'busiest' ? -1 : 1;
  return [...shown].sort((a, b) => dir * (utilisation(a) - utilisation(b)) || a.id.localeCompare(b.id));
}

function RegionHeader({ code }: { code: string }) {
  const region = useDash((s) => s.regions[code]);
  if (!region) return null;
  const tone = regionSeverity(region.status);
  return (
    <div className="region-header" data-testid="region-header" data-region={code}>
      <div className="region-title">
        <h1>
          <span className="mono">{region.code}</span>
          <span className="region-title-loc">{region.location}</span>
        </h1>
        <span className={`pill pill-status tone-${tone}`} data-testid="region-status">
          <span className={`dot dot-${tone}`} />
          {region.status}
        </span>
        <RegionMenu region={region} />
      </div>
      <div className="region-stats">
        <div className="stat">
          <span className="stat-label">Machines</span>
          <span className="stat-value">{formatCount(region.machine_count)}</span>
        </div>
        <AllocationBars of={region} testIdPrefix="region-" />
        <CapacityStat region={region} />
      </div>
    </div>
  );
}

const SHOW: { value: MachineShow; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'allocated', label: 'Allocated' },
  { value: 'free', label: 'Idle' },
];

function MachinesToolbar({ total, shown }: { total: number | null; shown: number }) {
  const sort = useUi((s) => s.machineSort);
  const show = useUi((s) => s.machineShow);
  return (
    <div className="toolbar">
      <h2>
        Machines{' '}
        <span className="count">
          {total === null
            ? '…'
            : shown === total
              ? formatCount(total)
              : `${formatCount(shown)} of ${formatCount(total)}`}
        </span>
      </h2>
      <div className="legend" aria-hidden="true">
        <span>
          <span className="swatch swatch-cores" /> cores<span className="legend-long"> allocated</span>
        </span>
        <span>
          <span className="swatch swatch-memory" /> memory<span className="legend-long"> allocated</span>
        </span>
      </div>
      <div className="toolbar-spacer" />
      <fieldset className="segmented" aria-label="Show machines">
        {SHOW.map((o) => (
          <button
            key={o.value}
            type="button"
            className={show === o.value ? 'is-on' : ''}
            aria-pressed={show === o.value}
            data-testid={`show-${o.value}`}
            onClick={() => uiStore.setState({ machineShow: o.value })}
          >
            {o.label}
          </button>
        ))}
      </fieldset>
      <label className="select">
        <span className="muted">Sort</span>
        <select value={sort} onChange={(e) => uiStore.setState({ machineSort: e.target.value as MachineSort })}>
          <option value="id">by name</option>
          <option value="busiest">busiest first</option>
          <option value="freest">idlest first</option>
        </select>
      </label>
    </div>
  );
}

function Machines({ code }: { code: string }) {
  const { dashboard } = useRuntime();
  const view = useDash((s) => s.machines);
  const sort = useUi((s) => s.machineSort);
  const show = useUi((s) => s.machineShow);
  // biome-ignore lint/correctness/useExhaustiveDependencies: byId changes in place; version says when
  const list = useMemo(() => view.ids.map((id) => view.byId[id]).filter(Boolean), [view.ids, view.byId, view.version]);
  const ordered = useMemo(() => orderMachines(list, sort, show), [list, sort, show]);
  const focus = useStore(overlayStore, (s) => s.focus);
  const ready = view.region === code && view.state === 'ready';

  // The palette went to a machine: show it (even if the filter hid it) and bring it into view.
  useEffect(() => {
    if (!focus || !ready || !view.byId[focus.machine]) return;
    if (!ordered.some((m) => m.id === focus.machine)) {
      uiStore.setState({ machineShow: 'all' });
      return;
    }
    const card = document.querySelector(`[data-testid="machine-card"][data-machine-id="${CSS.escape(focus.machine)}"]`);
    card?.scrollIntoView({ block: 'center', behavior: 'instant' });
  }, [focus, ready, ordered, view.byId]);

  const total = useDash((s) => s.regions[code]?.machine_count ?? 0);
  if (view.region === code && view.state === 'loading' && view.preview && sort === 'id' && show === 'all') {
    // The first page while the rest is on its way: the grid is laid out for the whole region, so
    // nothing moves when the rest arrives.
    return (
      <>
        <MachinesToolbar total={total} shown={total} />
        <MachineGrid
          machines={view.preview}
          count={total}
          card={(m) => (
            <MachineCard key={m.id} machine={m} change={view.changes[m.id] ?? 0} changedAt={view.changedAt[m.id]} />
          )}
        />
      </>
    );
  }
  if (view.region !== code || view.state === 'loading' || view.state === 'idle') {
    return (
      <>
        <MachinesToolbar total={null} shown={0} />
        <SkeletonCards />
      </>
    );
  }
  if (view.state === 'error') {
    return (
      <div className="detail-empty" data-testid="machines-error" role="alert">
        <h3>Could not load the machines of {code}</h3>
        <p className="mono muted">{view.error?.message}</p>
        <button type="button" className="btn" onClick={() => void dashboard.actions.select(code)}>
          Try again
        </button>
      </div>
    );
  }
  return (
    <>
      <MachinesToolbar total={list.length} shown={ordered.length} />
      {list.length === 0 ? (
        <div className="detail-empty" data-testid="machines-empty">
          <h3>{code} has no machines</h3>
          <p className="muted">Machines come from the regions CSV the host was started with.</p>
        </div>
      ) : ordered.length === 0 ? (
        <div className="detail-empty" data-testid="machines-empty">
          <h3>
            No {show === 'allocated' ? 'allocated' : 'idle'} machines in {code}
          </h3>
          <button type="button" className="btn" onClick={() => uiStore.setState({ machineShow: 'all' })}>
            Show all machines
          </button>
        </div>
      ) : (
        <MachineGrid
          machines={ordered}
          focusId={focus?.machine}
          card={(m) => (
            <MachineCard
              key={m.id}
              machine={m}
              change={view.changes[m.id] ?? 0}
              changedAt={view.changedAt[m.id]}
              focused={focus?.machine === m.id ? (focus.vm ?? true) : false}
            />
          )}
        />
      )}
    </>
  );
}

function FleetOverview() {
  const { select } = useRuntime();
  const regions = useDash((s) => s.regions);
  const ordered = useMemo(
    () => Object.values(regions).sort((a, b) => utilisation(b) - utilisation(a) || a.code.localeCompare(b.code)),
    [regions],
  );
  return (
    <div className="overview" data-testid="fleet-overview">
      {ordered.map((r) => {
        const tone = regionSeverity(r.status);
        const cores = percent(r.cores_allocated, r.cores_total);
        const mem = percent(r.memory_allocated_gb, r.memory_total_gb);
        return (
          <button
            key={r.code}
            type="button"
            className={`tile${utilisation(r) > 0 ? ' is-used' : ''}`}
            data-testid="region-tile"
            data-region={r.code}
            onClick={() => select(r.code)}
            title={`${r.location} — ${r.status}`}
          >
            <span className="tile-head">
              <span className={`dot dot-${tone}`} />
              <span className="tile-code mono">{r.code}</span>
              <span className="tile-count">{formatCount(r.machine_count)} mach.</span>
            </span>
            <span className="tile-loc">{r.location}</span>
            <span className="tile-bar">
              <MiniBar value={cores} tone="cores" label={`${r.code} cores allocated: ${formatPercent(cores)}`} />
              <span className="tile-pct alloc-cores">{formatPercent(cores)}</span>
            </span>
            <span className="tile-bar">
              <MiniBar value={mem} tone="memory" label={`${r.code} memory allocated: ${formatPercent(mem)}`} />
              <span className="tile-pct alloc-memory">{formatPercent(mem)}</span>
            </span>
          </button>
        );
      })}
    </div>
  );
}

function NoRegion() {
  return (
    <div className="welcome" data-testid="no-region">
      <div className="welcome-text">
        <h3>Pick a region</h3>
        <p className="muted">
          Its machines appear here and change live as VMs launch. Use <kbd>↑</kbd> <kbd>↓</kbd> <kbd>Enter</kbd> in the
          list, <kbd>/</kbd> to filter, or click a region below — busiest first. Try it from the console:{' '}
          <code className="nowrap">launch --vm-region SIN --vm-memory 8 --vm-cores 4</code>
        </p>
      </div>
      <FleetOverview />
    </div>
  );
}

export function RegionDetail() {
  const selected = useDash((s) => s.selected);
  const stale = useDash((s) => s.connection.state !== 'open');
  return (
    <section className={`detail${stale ? ' is-stale' : ''}`} aria-label="Selected region" data-stale={stale}>
      {selected && <RegionHeader code={selected} />}
      <Charts />
      {selected ? <Machines code={selected} /> : <NoRegion />}
    </section>
  );
}
