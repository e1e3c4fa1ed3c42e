// The run's seconds as two charts: launches answered per second by outcome (stacked), and the
// latency of that second's launches (p50, p99).

import { memo } from 'react';
import { Area, AreaChart, CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { LoadSecond } from '../../../shared/load/stats';
import { CHART_AXIS_TICK, CHART_FILL, CHART_TOOLTIP } from '../chart-style';
import { PALETTE } from '../palette';

const TOOLTIP = { ...CHART_TOOLTIP, labelFormatter: (t: unknown) => `second ${Number(t) + 1}` } as const;

const OUTCOMES = [
  { key: 'ok', name: 'OK', color: PALETTE.ok },
  { key: 'no_capacity', name: 'No capacity', color: PALETTE.warn },
  { key: 'errors', name: 'Errors', color: PALETTE.bad },
] as const;

const LATENCY = [
  { key: 'p50_ms', name: 'p50', color: PALETTE.cores },
  { key: 'p99_ms', name: 'p99', color: PALETTE.memory },
] as const;

function xDomain(rows: LoadSecond[], durationS: number): [number, number] {
  return [0, Math.max(durationS, rows.length ? rows[rows.length - 1].t + 1 : 1)];
}

export const LoadCharts = memo(function LoadCharts({ rows, durationS }: { rows: LoadSecond[]; durationS: number }) {
  const domain = xDomain(rows, durationS);
  const xAxis = (
    <XAxis
      dataKey="t"
      type="number"
      domain={domain}
      tickFormatter={(t: number) => `${t}s`}
      tick={CHART_AXIS_TICK}
      tickLine={false}
      axisLine={false}
      height={16}
    />
  );
  return (
    <div className="load-charts">
      <LoadFigure id="rate" title="Launches" unit="/ s" legend={OUTCOMES} points={rows.length}>
        <AreaChart data={rows} responsive style={CHART_FILL} margin={{ top: 4, right: 6, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={PALETTE.grid} vertical={false} />
          {xAxis}
          <YAxis tick={CHART_AXIS_TICK} tickLine={false} axisLine={false} width={34} allowDecimals={false} />
          <Tooltip {...TOOLTIP} formatter={(v, name) => [`${v}/s`, name]} />
          {OUTCOMES.map((s) => (
            <Area
              key={s.key}
              type="linear"
              dataKey={s.key}
              name={s.name}
              stackId="outcome"
              stroke={s.color}
              fill={s.color}
              fillOpacity={0.25}
              strokeWidth={1.5}
              isAnimationActive={false}
              dot={false}
            />
          ))}
        </AreaChart>
      </LoadFigure>
      <LoadFigure id="latency" title="Latency" unit="ms" legend={LATENCY} points={rows.length}>
        <LineChart data={rows} responsive style={CHART_FILL} margin={{ top: 4, right: 6, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={PALETTE.grid} vertical={false} />
          {xAxis}
          <YAxis tick={CHART_AXIS_TICK} tickLine={false} axisLine={false} width={34} />
          <Tooltip {...TOOLTIP} formatter={(v, name) => [`${v} ms`, name]} />
          {LATENCY.map((s) => (
            <Line
              key={s.key}
              type="linear"
              dataKey={s.key}
              name={s.name}
              stroke={s.color}
              strokeWidth={1.5}
              isAnimationActive={false}
              dot={false}
              connectNulls
            />
          ))}
        </LineChart>
      </LoadFigure>
    </div>
  );
});

type LegendItems = readonly { key: string; name: string; color: string }[];

/** One chart's frame: its title, unit and legend, and the chart once the run has a second. */
function LoadFigure({
  id,
  title,
  unit,
  legend,
  points,
  children,
}: {
  id: string;
  title: string;
  unit: string;
  legend: LegendItems;
  points: number;
  children: React.ReactNode;
}) {
  return (
    <figure className="chart" data-testid={`load-chart-${id}`} data-points={points}>
      <figcaption className="chart-head">
        <span className="chart-title">
          {title}
          <span className="chart-sub"> {unit}</span>
        </span>
        <Legend items={legend} />
      </figcaption>
      <div className="chart-body">
        {points === 0 ? <div className="chart-empty">Figures appear once the run starts.</div> : children}
      </div>
    </figure>
  );
}

function Legend({ items }: { items: LegendItems }) {
  return (
    <span className="chart-legend">
      {items.map((s) => (
        <span key={s.key} className="legend-item">
          <span className="legend-swatch" style={{ background: s.color }} />
          <span className="legend-name">{s.name}</span>
        </span>
      ))}
    </span>
  );
}
