import { memo, useDeferredValue, useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import { formatPercent } from '../../../shared/percent';
import { CHART_AXIS_TICK, CHART_FILL, CHART_TOOLTIP } from '../chart-style';
import { formatClock } from '../format';
import { useDash, useSamples } from '../hooks';
import { PALETTE } from '../palette';
import { type ChartRow, chartRows, HISTORY_WINDOW_MS, type Sample } from '../state/history';

interface Series {
  key: keyof ChartRow;
  name: string;
  color: string;
}

const UTIL_SERIES: Series[] = [
  { key: 'cores', name: 'Cores', color: PALETTE.cores },
  { key: 'memory', name: 'Memory', color: PALETTE.memory },
];

const LAUNCH_SERIES: Series[] = [
  { key: 'launches', name: 'Launched', color: PALETTE.ok },
  { key: 'failed', name: 'Failed', color: PALETTE.bad },
];

function fmtValue(unit: '%' | '/s', v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (unit === '%') return formatPercent(v);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}/s`;
}

/** The smallest of 1, 2, 5 × 10^k at or above v (at least 1): a y-axis top people can read. */
function niceCeil(v: number): number {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Tick spacing for a time span: about five ticks, on round steps. */
function tickStep(spanMs: number): number {
  const steps = [10_000, 30_000, 60_000, 2 * 60_000, 5 * 60_000];
  return steps.find((s) => spanMs / s <= 5) ?? steps[steps.length - 1];
}

function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return 'now';
  if (s < 60) return `−${s}s`;
  // Ticks 30 s apart past a minute read −1m30s, never two "−2m" side by side.
  return s % 60 === 0 ? `−${s / 60}m` : `−${Math.floor(s / 60)}m${s % 60}s`;
}

const MARGIN = { top: 4, right: 6, bottom: 0, left: 0 };
const CURSOR = { stroke: PALETTE.muted };
const ACTIVE_DOT = { r: 3 };
const GRID = <CartesianGrid stroke={PALETTE.grid} vertical={false} />;
const yTickFormat = { '%': (v: number) => `${v}%`, '/s': (v: number) => String(Number(v.toFixed(1))) };

/**
 * A chart's parts that do not move with each sample, made once: recharts takes every axis,
 * area and tooltip it is given into its own store and recomputes the chart from there, so a
 * part handed over again unchanged (the same element) costs nothing on the next sample.
 */
function useStaticParts(id: string, series: Series[], unit: '%' | '/s') {
  return useMemo(
    () => ({
      defs: (
        <defs>
          {series.map((s) => (
            <linearGradient key={s.key} id={`g-${id}-${s.key}`} x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor={s.color} stopOpacity={0.35} />
              <stop offset="100%" stopColor={s.color} stopOpacity={0.02} />
            </linearGradient>
          ))}
        </defs>
      ),
      tooltip: (
        <Tooltip
          {...CHART_TOOLTIP}
          cursor={CURSOR}
          labelFormatter={(t) => formatClock(Number(t))}
          formatter={(v, name) => [fmtValue(unit, typeof v === 'number' ? v : null), name]}
        />
      ),
      areas: series.map((s) => (
        <Area
          key={s.key}
          type="monotone"
          dataKey={s.key}
          name={s.name}
          stroke={s.color}
          strokeWidth={1.5}
          fill={`url(#g-${id}-${s.key})`}
          isAnimationActive={false}
          dot={false}
          activeDot={ACTIVE_DOT}
          connectNulls={false}
        />
      )),
    }),
    [id, series, unit],
  );
}

const Chart = memo(function Chart({
  id,
  title,
  subtitle,
  rows,
  series,
  unit,
  end,
}: {
  id: string;
  title: string;
  subtitle?: string;
  rows: ChartRow[];
  series: Series[];
  unit: '%' | '/s';
  end: number;
}) {
  const last = rows[rows.length - 1];
  // The axis grows with the data until it spans the whole window, then slides.
  const first = rows.length ? rows[0].t : end;
  const start = Math.max(end - HISTORY_WINDOW_MS, Math.min(first, end - 60_000));
  const xAxis = useMemo(() => {
    const step = tickStep(end - start);
    const ticks: number[] = [];
    for (let x = end; x >= start; x -= step) ticks.unshift(x);
    return (
      <XAxis
        dataKey="t"
        type="number"
        domain={[start, end]}
        ticks={ticks}
        allowDataOverflow
        tickFormatter={(t: number) => ago(end - t)}
        tick={CHART_AXIS_TICK}
        tickLine={false}
        axisLine={false}
        height={16}
      />
    );
  }, [start, end]);
  // The y-axis zooms to the data (a fleet at 2% is a flat line on 0–100%), never past 100%.
  let peak = 0;
  for (const r of rows) for (const x of series) peak = Math.max(peak, (r[x.key] as number | null) ?? 0);
  const top = unit === '%' ? Math.min(100, Math.max(5, niceCeil(peak * 1.25))) : niceCeil(peak * 1.15);
  const yAxis = useMemo(
    () => (
      <YAxis
        domain={[0, top]}
        ticks={[0, top / 2, top]}
        tick={CHART_AXIS_TICK}
        tickFormatter={yTickFormat[unit]}
        tickLine={false}
        axisLine={false}
        width={34}
      />
    ),
    [top, unit],
  );
  const parts = useStaticParts(id, series, unit);
  return (
    <figure className="chart" data-testid={`chart-${id}`} data-points={rows.length}>
      <figcaption className="chart-head">
        <span className="chart-title">
          {title}
          {subtitle && <span className="chart-sub"> {subtitle}</span>}
        </span>
        <span className="chart-legend">
          {series.map((s) => (
            <span key={s.key} className="legend-item" title={s.name}>
              <span className="legend-swatch" style={{ background: s.color }} />
              <span className="legend-name">{s.name}</span>
              <b data-testid={`chart-${id}-${s.key}`}>{fmtValue(unit, last?.[s.key] as number | null | undefined)}</b>
            </span>
          ))}
        </span>
      </figcaption>
      <div className="chart-body">
        {rows.length < 2 ? (
          <div className="chart-empty">Collecting samples…</div>
        ) : (
          <AreaChart data={rows} responsive style={CHART_FILL} margin={MARGIN}>
            {parts.defs}
            {GRID}
            {xAxis}
            {yAxis}
            {parts.tooltip}
            {parts.areas}
          </AreaChart>
        )}
      </div>
    </figure>
  );
});

function FleetChart() {
  const samples = useSamples(0);
  const rows = useMemo(() => chartRows(samples, null), [samples]);
  return (
    <Chart
      id="fleet"
      title="Fleet"
      subtitle="utilisation"
      rows={rows}
      series={UTIL_SERIES}
      unit="%"
      end={endOf(samples)}
    />
  );
}

function RegionChart({ code }: { code: string }) {
  const samples = useSamples(1);
  const rows = useMemo(() => chartRows(samples, code), [samples, code]);
  return (
    <Chart
      id="region"
      title={code}
      subtitle="utilisation"
      rows={rows}
      series={UTIL_SERIES}
      unit="%"
      end={endOf(samples)}
    />
  );
}

function LaunchesChart() {
  const samples = useSamples(2);
  const rows = useMemo(() => chartRows(samples, null), [samples]);
  return (
    <Chart
      id="launches"
      title="Launches"
      subtitle="/ s"
      rows={rows}
      series={LAUNCH_SERIES}
      unit="/s"
      end={endOf(samples)}
    />
  );
}

const endOf = (samples: Sample[]): number => (samples.length ? samples[samples.length - 1].t : 0);

export function Charts() {
  // The region's chart follows a selection once the page has shown the region (a deferred
  // value): mounting a chart costs a forced layout and recharts' first rounds, which would
  // otherwise sit between the click and the region's machines.
  const selected = useDeferredValue(useDash((s) => s.selected));
  return (
    <section className="charts" aria-label="Last 10 minutes">
      <FleetChart />
      {selected ? (
        <RegionChart code={selected} />
      ) : (
        <figure className="chart chart-placeholder" data-testid="chart-region">
          <figcaption className="chart-head">
            <span className="chart-title">
              Region<span className="chart-sub"> utilisation</span>
            </span>
          </figcaption>
          <div className="chart-body">
            <div className="chart-empty">Select a region to see its last 10 minutes.</div>
          </div>
        </figure>
      )}
      <LaunchesChart />
    </section>
  );
}
