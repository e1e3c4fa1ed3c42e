import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { formatPercent, utilisation } from '../../../shared/percent';
import { regionSeverity } from '../../../shared/region-status';
import type { Region } from '../../../shared/types';
import { formatCount } from '../format';
import { useDash, useRuntime } from '../hooks';
import { MiniBar } from './UsageBar';

export function matchesRegion(r: Region, q: string): boolean {
  if (!q) return true;
  const s = q.trim().toLowerCase();
  return r.code.toLowerCase().includes(s) || r.location.toLowerCase().includes(s) || r.status.toLowerCase().includes(s);
}

const RegionRow = memo(function RegionRow({
  region,
  selected,
  active,
  onPick,
}: {
  region: Region;
  selected: boolean;
  active: boolean;
  onPick: (code: string) => void;
}) {
  const util = utilisation(region);
  const tone = regionSeverity(region.status);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: keys reach the rows through the listbox (aria-activedescendant)
    <div
      id={`region-${region.code}`}
      role="option"
      aria-selected={selected}
      tabIndex={-1}
      className={`region${selected ? ' is-selected' : ''}${active ? ' is-active' : ''}`}
      data-testid="region-row"
      data-region={region.code}
      data-status={region.status}
      data-cores-allocated={region.cores_allocated}
      onMouseDown={(e) => e.preventDefault()}
      onClick={() => onPick(region.code)}
    >
      <span className={`dot dot-${tone}`} title={region.status} />
      <span className="region-code">{region.code}</span>
      <span className="region-loc" title={region.location}>
        {region.location}
      </span>
      <span className={`region-pct${util > 0 ? ' is-used' : ''}`}>{formatPercent(util)}</span>
      <span className="region-sub">
        <span className={tone === 'ok' ? 'region-status' : `region-status tone-${tone}`}>{region.status}</span>
        <span className="region-count">
          {' · '}
          {formatCount(region.machine_count)} {region.machine_count === 1 ? 'machine' : 'machines'}
        </span>
      </span>
      <MiniBar
        value={util}
        label={`${region.code}: ${formatPercent(util)} allocated (cores or memory, whichever is higher)`}
      />
    </div>
  );
});

export function RegionList() {
  const { select } = useRuntime();
  const regions = useDash((s) => s.regions);
  const codes = useDash((s) => s.regionCodes);
  const selected = useDash((s) => s.selected);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState<string | null>(selected);
  const listRef = useRef<HTMLDivElement>(null);

  const visible = useMemo(
    () => codes.filter((c) => regions[c] && matchesRegion(regions[c], query)),
    [codes, regions, query],
  );
  const counts = useMemo(() => {
    const c = { ok: 0, warn: 0, bad: 0 };
    for (const code of codes) c[regionSeverity(regions[code].status)]++;
    return c;
  }, [codes, regions]);

  // Keep the highlighted row among the visible ones.
  const activeCode = active && visible.includes(active) ? active : (visible[0] ?? null);

  useEffect(() => {
    if (selected) setActive(selected);
  }, [selected]);

  useEffect(() => {
    // Scroll the list only (scrollIntoView would also scroll the page's fixed frame).
    const list = listRef.current;
    const row = activeCode ? document.getElementById(`region-${activeCode}`) : null;
    if (!list || !row) return;
    const top = row.offsetTop; // the list is the rows' offsetParent (position: relative)
    if (top < list.scrollTop) list.scrollTop = top - 4;
    else if (top + row.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = top + row.offsetHeight - list.clientHeight + 4;
    }
  }, [activeCode]);

  const move = (delta: number) => {
    if (visible.length === 0) return;
    const i = activeCode ? visible.indexOf(activeCode) : -1;
    const next = Math.min(visible.length - 1, Math.max(0, i + delta));
    setActive(visible[next]);
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        move(1);
        break;
      case 'ArrowUp':
        e.preventDefault();
        move(-1);
        break;
      case 'PageDown':
        e.preventDefault();
        move(10);
        break;
      case 'PageUp':
        e.preventDefault();
        move(-10);
        break;
      case 'Home':
        if (e.target === listRef.current) {
          e.preventDefault();
          setActive(visible[0] ?? null);
        }
        break;
      case 'End':
        if (e.target === listRef.current) {
          e.preventDefault();
          setActive(visible[visible.length - 1] ?? null);
        }
        break;
      case 'Enter':
        if (activeCode) {
          e.preventDefault();
          select(activeCode);
        }
        break;
      case 'Escape':
        if (query) {
          e.preventDefault();
          setQuery('');
        }
        break;
    }
  };

  const pick = (code: string) => {
    setActive(code);
    select(code);
    listRef.current?.focus();
  };

  return (
    <aside className="regions" aria-label="Regions">
      <div className="regions-head">
        <h2>
          Regions <span className="count">{codes.length}</span>
        </h2>
        <div className="regions-legend" title="Region status">
          <span>
            <span className="dot dot-ok" /> {counts.ok}
          </span>
          {counts.warn > 0 && (
            <span>
              <span className="dot dot-warn" /> {counts.warn}
            </span>
          )}
          {counts.bad > 0 && (
            <span>
              <span className="dot dot-bad" /> {counts.bad}
            </span>
          )}
        </div>
      </div>
      <div className="filter">
        <input
          type="search"
          placeholder="Filter by code, city or status"
          aria-label="Filter regions"
          data-testid="region-filter"
          value={query}
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKeyDown}
          aria-controls="region-list"
          aria-activedescendant={activeCode ? `region-${activeCode}` : undefined}
        />
        <kbd className="filter-kbd">/</kbd>
      </div>
      {visible.length === 0 ? (
        <div className="regions-empty" data-testid="regions-empty">
          {codes.length === 0 ? (
            'No regions are loaded.'
          ) : (
            <>
              No region matches “{query}”.
              <button type="button" className="link" onClick={() => setQuery('')}>
                Clear the filter
              </button>
            </>
          )}
        </div>
      ) : (
        <div
          id="region-list"
          ref={listRef}
          className="region-list"
          role="listbox"
          tabIndex={0}
          aria-label="Regions"
          aria-activedescendant={activeCode ? `region-${activeCode}` : undefined}
          data-testid="region-list"
          onKeyDown={onKeyDown}
        >
          {visible.map((code) => (
            <RegionRow
              key={code}
              region={regions[code]}
              selected={code === selected}
              active={code === activeCode}
              onPick={pick}
            />
          ))}
        </div>
      )}
      <p className="regions-hint">
        <kbd>↑</kbd> <kbd>↓</kbd> move · <kbd>Enter</kbd> open
      </p>
    </aside>
  );
}
