// The VM list of a region or of the whole fleet: filter by state, region and machine, sort by
// any column, act on a VM from its row; a row opens the VM's drawer. Rows come a page at a time
// (row-source.ts) and the table is windowed (VmTable.tsx), so a 100k-VM fleet scrolls as a
// 100-VM one does. A VM event patches its row at once and refreshes the rows in view soon after.

import { useEffect, useMemo, useReducer, useState } from 'react';
import { useStore } from 'zustand';
import { type LifecycleState, TRANSIENT_STATES } from '../../../../shared/lifecycle';
import { formatCount } from '../../format';
import { useDash, useRuntime } from '../../hooks';
import { type ListQuery, RowSource } from './row-source';
import { type SortState, VmTable } from './VmTable';
import { actionNotes } from './vm-actions';

const STATE_FILTERS: { id: string; label: string; states: LifecycleState[] }[] = [
  { id: 'started', label: 'Started', states: ['started'] },
  { id: 'created', label: 'Created', states: ['created'] },
  { id: 'stopped', label: 'Stopped', states: ['stopped'] },
  { id: 'suspended', label: 'Suspended', states: ['suspended'] },
  { id: 'failed', label: 'Failed', states: ['failed'] },
  { id: 'transient', label: 'In transition', states: [...TRANSIENT_STATES] },
];

/** Events refresh the rows in view at most this often. */
const REFRESH_MS = 700;

function useRowSource(query: ListQuery): { source: RowSource; version: number } {
  const { client, feed } = useRuntime();
  const [version, bump] = useReducer((n: number) => n + 1, 0);
  const key = JSON.stringify(query);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key is the query's identity
  const source = useMemo(() => new RowSource(query, { fetchPage: (q) => client.api.vmPage(q) }, bump), [key, client]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = feed.onVm((c) => {
      source.patch(c.vm);
      timer ??= setTimeout(() => {
        timer = null;
        source.refresh();
      }, REFRESH_MS);
    });
    const offReset = feed.onMachine((m) => {
      if (m === null) source.refresh();
    });
    return () => {
      off();
      offReset();
      if (timer) clearTimeout(timer);
      source.dispose();
    };
  }, [source, feed]);
  return { source, version };
}

function ActionLine() {
  const last = useStore(actionNotes, (s) => s.last);
  if (!last) return null;
  return (
    <p className={`vm-note${last.ok ? '' : ' is-bad'}`} role="status" data-testid="vm-action-note">
      {last.text}
    </p>
  );
}

export function VmList({ region }: { region: string | null }) {
  const { nav } = useRuntime();
  const regionCodes = useDash((s) => s.regionCodes);
  const regionInfo = useDash((s) => (region ? s.regions[region] : undefined));
  const [filters, setFilters] = useState<Set<string>>(new Set());
  const [machineText, setMachineText] = useState('');
  const [machine, setMachine] = useState('');
  const [sort, setSort] = useState<SortState>({ sort: 'created_at', order: 'desc' });

  useEffect(() => {
    const t = setTimeout(() => setMachine(machineText.trim()), 300);
    return () => clearTimeout(t);
  }, [machineText]);

  const query = useMemo((): ListQuery => {
    const states = STATE_FILTERS.filter((f) => filters.has(f.id)).flatMap((f) => f.states);
    const q: ListQuery = { sort: sort.sort, order: sort.order };
    if (region) q.region = region;
    if (states.length) q.states = states;
    if (machine) q.machine = machine;
    return q;
  }, [filters, machine, region, sort]);
  const { source, version } = useRowSource(query);
  const total = source.total;

  const toggle = (id: string | null) =>
    setFilters((prev) => {
      if (id === null) return new Set();
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const filtered = filters.size > 0 || machine !== '';
  return (
    <section className="vm-page" aria-label={region ? `VMs in ${region}` : 'VMs in the fleet'} data-testid="vm-list">
      <div className="toolbar vm-toolbar">
        <h2>
          VMs{' '}
          <span className="count" data-testid="vm-list-count">
            {total === null ? '…' : formatCount(total)}
          </span>
          <span className="vm-scope muted">
            {region ? `in ${region}${regionInfo ? ` · ${regionInfo.location}` : ''}` : 'across the fleet'}
          </span>
        </h2>
        <div className="toolbar-spacer" />
        <label className="select">
          <span className="muted">Region</span>
          <select
            value={region ?? ''}
            data-testid="vm-filter-region"
            onChange={(e) => nav.showPage({ region: e.target.value || null, tab: 'vms' })}
          >
            <option value="">All regions</option>
            {regionCodes.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="vm-search">
          <span className="muted">Machine</span>
          <input
            type="search"
            placeholder="machine id"
            value={machineText}
            spellCheck={false}
            data-testid="vm-filter-machine"
            onChange={(e) => setMachineText(e.target.value)}
          />
        </label>
      </div>
      <fieldset className="vm-chips" aria-label="Filter by state">
        <button
          type="button"
          className={`chip${filters.size === 0 ? ' is-on' : ''}`}
          aria-pressed={filters.size === 0}
          data-testid="vm-filter-all"
          onClick={() => toggle(null)}
        >
          All states
        </button>
        {STATE_FILTERS.map((f) => (
          <button
            key={f.id}
            type="button"
            className={`chip chip-${f.id}${filters.has(f.id) ? ' is-on' : ''}`}
            aria-pressed={filters.has(f.id)}
            data-testid={`vm-filter-${f.id}`}
            onClick={() => toggle(f.id)}
          >
            <span className="chip-dot" aria-hidden="true" />
            {f.label}
          </button>
        ))}
        <div className="toolbar-spacer" />
        <ActionLine />
      </fieldset>
      {source.error && (
        <p className="vm-error" role="alert" data-testid="vm-list-error">
          Could not load the VMs: {source.error}
        </p>
      )}
      {total === 0 ? (
        <div className="detail-empty vm-empty" data-testid="vm-list-empty">
          <h3>
            {filtered ? 'No VM matches these filters' : region ? `No VMs in ${region} yet` : 'No VMs in the fleet yet'}
          </h3>
          {filtered ? (
            <button
              type="button"
              className="btn"
              onClick={() => {
                setFilters(new Set());
                setMachineText('');
              }}
            >
              Clear the filters
            </button>
          ) : (
            <p className="muted">
              Launch one from the console:{' '}
              <code className="nowrap">launch --vm-region {region ?? 'SIN'} --vm-memory 8 --vm-cores 4</code>
            </p>
          )}
        </div>
      ) : (
        <VmTable source={source} version={version} sort={sort} onSort={setSort} />
      )}
    </section>
  );
}
