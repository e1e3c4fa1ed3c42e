// The event log: what happened on the platform in the last minutes (launches, refusals with
// their reason, lifecycle transitions, destroys, faults, worker restarts), newest first, from
// the host's history, so a reload shows what happened before it. Filter by kind, region,
// machine and VM (a click on a region or an id filters by it); export what is shown.

import { useEffect, useMemo, useRef } from 'react';
import { useStore } from 'zustand';
import { ACTIVITY_KINDS, type ActivityEvent, type ActivityKind, matchesActivity } from '../../../../shared/activity';
import { formatCount } from '../../format';
import { useDash, useRuntime } from '../../hooks';
import { eventLogStore, isFiltered, NO_FILTER, setFilter, toggleEventLog, toggleKind } from './event-log-state';
import { download, type ExportFormat } from './export';
import { VirtualRows } from './VirtualRows';
import './event-log.css';

export const KIND_LABEL: Record<ActivityKind, string> = {
  launch: 'Launch',
  refused: 'Refused',
  transition: 'Transition',
  destroy: 'Destroy',
  fault: 'Fault',
  restart: 'Restart',
  reset: 'Reset',
};

const ROW_HEIGHT = 30;

function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function useActivity() {
  return useStore(useRuntime().activity.store);
}

function Row({ e }: { e: ActivityEvent }) {
  const subject = e.vm_id ?? e.machine_id ?? (e.worker ? `${e.worker} worker` : '');
  const subjectFilter = e.vm_id ? { vm: e.vm_id } : e.machine_id ? { machine: e.machine_id } : null;
  return (
    <>
      <span className="ev-time mono" title={e.at}>
        {clock(e.at)}
      </span>
      <span className={`ev-kind ev-kind-${e.kind}`}>{KIND_LABEL[e.kind]}</span>
      {e.region ? (
        <button
          type="button"
          className="ev-link mono"
          title={`Only ${e.region}`}
          onClick={() => setFilter({ region: e.region ?? '' })}
        >
          {e.region}
        </button>
      ) : (
        <span className="ev-none">—</span>
      )}
      {subjectFilter ? (
        <button
          type="button"
          className="ev-link ev-subject mono"
          title={`Only ${subject}`}
          onClick={() => setFilter(subjectFilter)}
        >
          {subject}
        </button>
      ) : (
        <span className="ev-subject muted">{subject || '—'}</span>
      )}
      <span className="ev-msg" title={e.reason ? `${e.message} (${e.reason})` : e.message}>
        {e.message}
      </span>
    </>
  );
}

function Filters({ counts }: { counts: Record<ActivityKind, number> }) {
  const filter = useStore(eventLogStore, (s) => s.filter);
  const regionCodes = useDash((s) => s.regionCodes);
  return (
    <div className="ev-filters">
      <div className="ev-chips">
        {ACTIVITY_KINDS.map((k) => {
          const on = filter.kinds.includes(k);
          return (
            <button
              key={k}
              type="button"
              className={`ev-chip ev-chip-${k}${on ? ' is-on' : ''}`}
              aria-pressed={on}
              data-testid={`ev-kind-${k}`}
              onClick={() => toggleKind(k)}
            >
              <span className="ev-chip-dot" />
              {KIND_LABEL[k]}
              <span className="ev-chip-count">{formatCount(counts[k])}</span>
            </button>
          );
        })}
      </div>
      <div className="ev-fields">
        <label className="ev-field">
          <span>Region</span>
          <select
            value={filter.region}
            data-testid="ev-region"
            onChange={(e) => setFilter({ region: e.currentTarget.value })}
          >
            <option value="">All</option>
            {regionCodes.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="ev-field">
          <span>Machine</span>
          <input
            type="search"
            placeholder="any"
            value={filter.machine}
            data-testid="ev-machine"
            spellCheck={false}
            onChange={(e) => setFilter({ machine: e.currentTarget.value.trim() })}
          />
        </label>
        <label className="ev-field">
          <span>VM</span>
          <input
            type="search"
            placeholder="any"
            value={filter.vm}
            data-testid="ev-vm"
            spellCheck={false}
            onChange={(e) => setFilter({ vm: e.currentTarget.value.trim() })}
          />
        </label>
        <button
          type="button"
          className="btn btn-ghost ev-clear"
          disabled={!isFiltered(filter)}
          data-testid="ev-clear"
          onClick={() => eventLogStore.setState({ filter: NO_FILTER })}
        >
          Clear
        </button>
      </div>
    </div>
  );
}

export function EventLogPanel() {
  const open = useStore(eventLogStore, (s) => s.open);
  // Closed, it takes in nothing: counting and filtering thousands of events each second is
  // work for a panel someone is reading.
  return open ? <OpenEventLog /> : null;
}

function OpenEventLog() {
  const filter = useStore(eventLogStore, (s) => s.filter);
  const { events, loaded, failing, bounds } = useActivity();
  const panel = useRef<HTMLElement>(null);

  const counts = useMemo(() => {
    const c = Object.fromEntries(ACTIVITY_KINDS.map((k) => [k, 0])) as Record<ActivityKind, number>;
    for (const e of events) c[e.kind]++;
    return c;
  }, [events]);
  // Newest first, as a log is read.
  const shown = useMemo(() => {
    const out: ActivityEvent[] = [];
    for (let i = events.length - 1; i >= 0; i--) if (matchesActivity(events[i], filter)) out.push(events[i]);
    return out;
  }, [events, filter]);

  useEffect(() => {
    panel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) toggleEventLog(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const exportShown = (format: ExportFormat) => download([...shown].reverse(), format);
  const minutes = Math.round(bounds.max_age_s / 60);
  return (
    <aside className="eventlog" aria-label="Event log" data-testid="event-log" ref={panel} tabIndex={-1}>
      <header className="ev-head">
        <div className="ev-title">
          <h2>Event log</h2>
          <span className="ev-sub" data-testid="ev-count">
            {isFiltered(filter)
              ? `${formatCount(shown.length)} of ${formatCount(events.length)}`
              : formatCount(events.length)}{' '}
            {events.length === 1 ? 'event' : 'events'} · last {minutes} min, at most {formatCount(bounds.max_events)}
            {failing && <span className="ev-failing"> · not updating</span>}
          </span>
        </div>
        <div className="ev-actions">
          <button
            type="button"
            className="btn"
            data-testid="ev-export-csv"
            disabled={shown.length === 0}
            onClick={() => exportShown('csv')}
            title="Download the events shown as CSV"
          >
            Export CSV
          </button>
          <button
            type="button"
            className="btn"
            data-testid="ev-export-jsonl"
            disabled={shown.length === 0}
            onClick={() => exportShown('jsonl')}
            title="Download the events shown as JSON Lines"
          >
            JSON Lines
          </button>
          <button
            type="button"
            className="btn btn-ghost icon-btn"
            aria-label="Close the event log"
            title="Close (Esc)"
            onClick={() => toggleEventLog(false)}
          >
            ✕
          </button>
        </div>
      </header>
      <Filters counts={counts} />
      <div className="ev-cols" aria-hidden="true">
        <span>Time</span>
        <span>Kind</span>
        <span>Region</span>
        <span>Machine / VM</span>
        <span>What happened</span>
      </div>
      {shown.length === 0 ? (
        <div className="ev-empty" data-testid="ev-empty">
          {!loaded ? (
            'Loading the host’s history…'
          ) : events.length === 0 ? (
            <>
              <b>Nothing has happened yet.</b>
              <span className="muted">
                Launches, refusals, VM transitions, destroys, faults and worker restarts appear here as they happen.
              </span>
            </>
          ) : (
            <>
              <b>No events match these filters.</b>
              <button type="button" className="link" onClick={() => eventLogStore.setState({ filter: NO_FILTER })}>
                Clear the filters
              </button>
            </>
          )}
        </div>
      ) : (
        <VirtualRows
          items={shown}
          rowHeight={ROW_HEIGHT}
          keyOf={(e) => e.seq}
          render={(e) => <Row e={e} />}
          label="Events, newest first"
          testId="ev-rows"
        />
      )}
    </aside>
  );
}

/** The header's button that opens the log, with how many events it holds. */
export function EventLogButton() {
  const open = useStore(eventLogStore, (s) => s.open);
  const count = useStore(useRuntime().activity.store, (s) => (s.loaded ? s.events.length : s.held));
  return (
    <button
      type="button"
      className={`btn btn-ghost ev-open${open ? ' is-on' : ''}`}
      data-testid="event-log-button"
      aria-pressed={open}
      title="Event log: what happened in the last minutes"
      onClick={() => toggleEventLog()}
    >
      <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
        <path d="M3 4h10M3 8h10M3 12h6" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
      </svg>
      <span className="btn-word">Events</span>
      {count > 0 && <span className="ev-badge">{count > 999 ? `${Math.floor(count / 1000)}k` : count}</span>}
    </button>
  );
}
