// The machine drawer's past: allocation over the last ten minutes as a step chart, and its
// status changes as a timeline — from the host's record (so a drawer opened now shows what
// happened before), followed live.

import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import { machineCondition } from '../../../shared/machine-status';
import { HISTORY_WINDOW_MS } from '../../../shared/samples';
import type { Machine } from '../../../shared/types';
import { CHART_AXIS_TICK, CHART_FILL, CHART_TOOLTIP } from '../chart-style';
import { formatAgo, formatClock } from '../format';
import { useNow } from '../hooks';
import { PALETTE } from '../palette';
import { chartRows, type MachineSeries, statusChanges } from '../state/machine-series';

export function AllocationChart({ series, m }: { series: MachineSeries; m: Machine }) {
  const now = useNow();
  const rows = useMemo(() => chartRows(series, m, now, HISTORY_WINDOW_MS), [series, m, now]);
  if (rows.length < 2) return <div className="chart-empty">Changes appear here as they happen.</div>;
  const unchanged = series.points.length === 0 && series.since !== null;
  return (
    <>
      <div
        className="drawer-chart"
        data-testid="machine-chart"
        data-points={series.points.length}
        data-from={rows[0].t}
      >
        <AreaChart data={rows} responsive style={CHART_FILL} margin={{ top: 6, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={PALETTE.grid} vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            domain={['dataMin', 'dataMax']}
            tickFormatter={(t: number) => formatClock(t)}
            tick={CHART_AXIS_TICK}
            tickLine={false}
            axisLine={false}
            height={16}
            minTickGap={40}
          />
          <YAxis
            domain={[0, 100]}
            ticks={[0, 50, 100]}
            tickFormatter={(v: number) => `${v}%`}
            tick={CHART_AXIS_TICK}
            tickLine={false}
            axisLine={false}
            width={34}
          />
          <Tooltip
            {...CHART_TOOLTIP}
            labelFormatter={(t) => formatClock(Number(t))}
            formatter={(v, name) => [`${typeof v === 'number' ? Math.round(v) : v}%`, name]}
          />
          <Area
            type="stepAfter"
            dataKey="cores"
            name="Cores"
            stroke={PALETTE.cores}
            fill={PALETTE.cores}
            fillOpacity={0.15}
            strokeWidth={1.5}
            isAnimationActive={false}
            dot={false}
          />
          <Area
            type="stepAfter"
            dataKey="memory"
            name="Memory"
            stroke={PALETTE.memory}
            fill={PALETTE.memory}
            fillOpacity={0.12}
            strokeWidth={1.5}
            isAnimationActive={false}
            dot={false}
          />
        </AreaChart>
      </div>
      {unchanged && (
        <p className="muted chart-note" data-testid="machine-chart-note">
          No change since {formatClock(rows[0].t)}.
        </p>
      )}
    </>
  );
}

export function StatusHistory({ series, m, now }: { series: MachineSeries; m: Machine; now: number }) {
  const changes = statusChanges(series, m);
  const oldest =
    series.since === null ? 'when this page first saw it' : 'the earliest the host recorded (it keeps ten minutes)';
  return (
    <ol className="timeline" data-testid="machine-status-history">
      {[...changes].reverse().map((p, i) => (
        <li
          key={`${p.t}-${p.status}`}
          className={`timeline-item tone-${machineCondition(p.status)}`}
          data-testid="status-item"
        >
          <span className="timeline-dot" aria-hidden="true" />
          <div className="timeline-main">
            <span className="timeline-to">{p.status}</span>
            <span className="timeline-op muted">
              {i === changes.length - 1 ? oldest : `${p.vm_count} VMs holding room`}
            </span>
          </div>
          <div className="timeline-when">
            <time title={new Date(p.t).toISOString()}>{formatAgo(new Date(p.t).toISOString(), now)}</time>
          </div>
        </li>
      ))}
    </ol>
  );
}
