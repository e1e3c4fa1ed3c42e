// The VM table, windowed by hand: rows have one fixed height, so the rows in view are a
// division of the scroll position, and only they (plus a few either side) are in the DOM — a
// 100k-VM list is ~40 rows of DOM in a 3.6M px body. The scroller is a <div> around the table
// (a scrolling <tbody> is not composited: every scroll step repainted the page). Pages come from RowSource as they
// scroll into view; a row not fetched yet shows a placeholder. (A library such as
// @tanstack/react-virtual solves variable heights and measurement, which fixed rows do not
// need; the part that matters here, fetching pages by position, it leaves to us anyway.)

import { memo, useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { OPERATIONS, type Operation } from '../../../../shared/lifecycle';
import type { Vm } from '../../../../shared/types';
import type { VmSortKey } from '../../../../shared/vm-query';
import { formatAgo } from '../../format';
import { useNow, useRuntime } from '../../hooks';
import type { RowSource } from './row-source';
import { StateBadge } from './state-badge';
import { allowed, OP_LABEL, operate, opIconClass } from './vm-actions';

export const ROW_HEIGHT = 36;
/** Rows rendered beyond the view on each side. The rows follow the scroll in the frame that
 * dispatched it (flushSync below), so 4 leave fewer blank frames than 8 did a frame late. */
const OVERSCAN = 4;

const COLUMNS: { key: VmSortKey; label: string; numeric?: boolean }[] = [
  { key: 'id', label: 'VM' },
  { key: 'state', label: 'State' },
  { key: 'region', label: 'Region' },
  { key: 'machine_id', label: 'Machine' },
  { key: 'cores', label: 'CPU', numeric: true },
  { key: 'memory_gb', label: 'Memory', numeric: true },
  { key: 'created_at', label: 'Created' },
];

export interface SortState {
  sort: VmSortKey;
  order: 'asc' | 'desc';
}

function HeaderCell({
  col,
  sort,
  onSort,
}: {
  col: (typeof COLUMNS)[number];
  sort: SortState;
  onSort: (s: SortState) => void;
}) {
  const on = sort.sort === col.key;
  const next: SortState = { sort: col.key, order: on && sort.order === 'asc' ? 'desc' : 'asc' };
  return (
    <th
      className={`vm-cell${col.numeric ? ' is-num' : ''}`}
      aria-sort={on ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <button
        type="button"
        className={`vm-sort${on ? ' is-on' : ''}`}
        data-testid={`sort-${col.key}`}
        onClick={() => onSort(next)}
      >
        {col.label}
        <span className="vm-sort-arrow" aria-hidden="true">
          {on ? (sort.order === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  );
}

// Memoised: a scroll re-renders only the rows that came into view.
const Row = memo(function Row({ vm, index, now }: { vm: Vm | undefined; index: number; now: number }) {
  const { client, nav } = useRuntime();
  const style = { transform: `translateY(${index * ROW_HEIGHT}px)` };
  if (!vm) {
    return (
      <tr className="vm-row is-loading" style={style} aria-rowindex={index + 2}>
        <td className="vm-cell">
          <span className="skeleton-line" />
        </td>
      </tr>
    );
  }
  const ok = allowed(vm);
  const open = () => nav.openDrawer({ kind: 'vm', id: vm.id });
  return (
    <tr
      className="vm-row"
      style={style}
      tabIndex={0}
      aria-rowindex={index + 2}
      data-testid="vm-row"
      data-vm-id={vm.id}
      onClick={open}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && e.target === e.currentTarget) open();
      }}
    >
      <td className="vm-cell mono vm-id">{vm.id}</td>
      <td className="vm-cell">
        <StateBadge state={vm.state} reason={vm.reason} />
      </td>
      <td className="vm-cell mono">{vm.region}</td>
      <td className="vm-cell mono vm-machine">{vm.machine_id}</td>
      <td className="vm-cell is-num">{vm.cores}</td>
      <td className="vm-cell is-num">{vm.memory_gb} GB</td>
      <td className="vm-cell muted" title={vm.created_at}>
        {formatAgo(vm.created_at, now)}
      </td>
      <td className="vm-cell vm-actions">
        {OPERATIONS.map((op: Operation) => (
          <button
            key={op}
            type="button"
            className={`vm-op ${opIconClass(op)}${op === 'destroy' ? ' is-danger' : ''}`}
            disabled={!ok.has(op)}
            title={ok.has(op) ? `${OP_LABEL[op]} ${vm.id}` : `${OP_LABEL[op]}: not from ${vm.state}`}
            aria-label={`${OP_LABEL[op]} ${vm.id}`}
            data-testid={`vm-op-${op}`}
            onClick={(e) => {
              e.stopPropagation();
              operate(client.api, vm, op);
            }}
          />
        ))}
      </td>
    </tr>
  );
});

export function VmTable({
  source,
  version,
  sort,
  onSort,
}: {
  source: RowSource;
  version: number;
  sort: SortState;
  onSort: (s: SortState) => void;
}) {
  const viewport = useRef<HTMLDivElement>(null);
  // The first row in view, not the pixel offset: a scroll within a row renders nothing.
  const [topRow, setTopRow] = useState(0);
  const [height, setHeight] = useState(600);
  const now = useNow();
  const total = source.total ?? 0;

  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // A new query starts at the top.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new source is a new query
  useEffect(() => {
    if (viewport.current) viewport.current.scrollTop = 0;
    setTopRow(0);
  }, [source]);

  const first = Math.max(0, topRow - OVERSCAN);
  const last = Math.min(Math.max(total - 1, 0), topRow + Math.ceil(height / ROW_HEIGHT) + OVERSCAN);
  useEffect(() => {
    source.show(first, last);
  }, [source, first, last]);

  const rows: React.ReactNode[] = [];
  if (total > 0) for (let i = first; i <= last; i++) rows.push(<Row key={i} index={i} vm={source.row(i)} now={now} />);

  return (
    <div className="vm-table" data-testid="vm-table" data-total={source.total ?? ''} data-version={version}>
      <div
        ref={viewport}
        className="vm-viewport"
        data-testid="vm-viewport"
        onScroll={(e) => {
          // Read before any write, then render the rows at once (not in a task after this
          // frame), so the frame that dispatched the scroll already paints them.
          const row = Math.floor(e.currentTarget.scrollTop / ROW_HEIGHT);
          if (row !== topRow) flushSync(() => setTopRow(row));
        }}
      >
        <table aria-rowcount={total + 1}>
          <thead>
            <tr className="vm-row vm-head" aria-rowindex={1}>
              {COLUMNS.map((c) => (
                <HeaderCell key={c.key} col={c} sort={sort} onSort={onSort} />
              ))}
              <th className="vm-cell vm-actions-head">Actions</th>
            </tr>
          </thead>
          <tbody style={{ height: total * ROW_HEIGHT }}>{rows}</tbody>
        </table>
      </div>
    </div>
  );
}
