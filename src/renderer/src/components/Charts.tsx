import { memo, useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import { formatPercent } from '../../../shared/percent';
import { formatClock } from '../format';
import { useDash, useSamples } from '../hooks';
import { PALETTE } from '../palette';
import { type ChartRow, chartRows, HISTORY_WINDOW_MS } from '../state/history';

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
  const ticks = useMemo(() => {
    const step = tickStep(end - start);
    const t: number[] = [];
    for (let x = end; x >= start; x -= step) t.unshift(x);
    return t;
  }, [start, end]);
  // The y-axis zooms to the data (a fleet at 2% is a flat line on 0–100%), never past 100%.
  const peak = Math.max(0, ...rows.flatMap((r) => series.map((x) => (r[x.key] as number | null) ?? 0)));
  const top = unit === '%' ? Math.min(100, Math.max(5, niceCeil(peak * 1.25))) : niceCeil(peak * 1.15);
  const yTicks = [0, top / 2, top];
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
          <AreaChart
            data={rows}
            responsive
            style={{ width: '100%', height: '100%' }}
            margin={{ top: 4, right: 6, bottom: 0, left: 0 }}
          >
            <defs>
              {series.map((s) => (
                <linearGradient key={s.key} id={`g-${id}-${s.key}`} x1="0" y1="0" x2="0" y2="1">
                  <stop offset="0%" stopColor={s.color} stopOpacity={0.35} />
                  <stop offset="100%" stopColor={s.color} stopOpacity={0.02} />
                </linearGradient>
              ))}
            </defs>
            <CartesianGrid stroke={PALETTE.grid} vertical={false} />
            <XAxis
              dataKey="t"
              type="number"
              domain={[start, end]}
              ticks={ticks}
              allowDataOverflow
              tickFormatter={(t: number) => ago(end - t)}
              tick={{ fill: PALETTE.faint, fontSize: 10 }}
              tickLine={false}
              axisLine={false}
              height={16}
            />
            <YAxis
              domain={[0, top]}
              ticks={yTicks}
              tick={{ fill: PALETTE.faint, fontSize: 10 }}
              tickFormatter={(v: number) => (unit === '%' ? `${v}%` : String(Number(v.toFixed(1))))}
              tickLine={false}
              axisLine={false}
              width={34}
            />
            <Tooltip
              isAnimationActive={false}
              cursor={{ stroke: PALETTE.muted }}
              // Inline styles can read the theme's variables (SVG attributes cannot).
              contentStyle={{
                background: 'var(--panel-2)',
                border: '1px solid var(--border-strong)',
                borderRadius: 6,
                fontSize: 12,
                color: 'var(--text)',
              }}
              labelStyle={{ color: 'var(--muted)' }}
              separator=": "
              labelFormatter={(t) => formatClock(Number(t))}
              formatter={(v, name) => [fmtValue(unit, typeof v === 'number' ? v : null), name]}
            />
            {series.map((s) => (
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
                activeDot={{ r: 3 }}
                connectNulls={false}
              />
            ))}
          </AreaChart>
        )}
      </div>
    </figure>
  );
});

export function Charts() {
  const samples = useSamples();
  const selected = useDash((s) => s.selected);
  const end = samples.length ? samples[samples.length - 1].t : 0;
  const fleet = useMemo(() => chartRows(samples, null), [samples]);
  const region = useMemo(() => (selected ? chartRows(samples, selected) : []), [samples, selected]);
  return (
    <section className="charts" aria-label="Last 10 minutes">
      <Chart id="fleet" title="Fleet" subtitle="utilisation" rows={fleet} series={UTIL_SERIES} unit="%" end={end} />
      {selected ? (
        <Chart
          id="region"
          title={selected}
          subtitle="utilisation"
          rows={region}
          series={UTIL_SERIES}
          unit="%"
          end={end}
        />
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
      <Chart id="launches" title="Launches" subtitle="/ s" rows={fleet} series={LAUNCH_SERIES} unit="/s" end={end} />
    </section>
  );
}
