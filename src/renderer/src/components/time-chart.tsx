// The dashboard's charts drawn on a canvas: areas under one or two series over the last ten
// minutes, a grid, the axes' labels, and a cursor with the values under the pointer. recharts
// drew them before and took 100–275 ms of main thread per sample (its store recomputes every
// axis and area through several dispatch rounds), the long frames of a page under a stream;
// a canvas draw of 600 points is about a millisecond. Colours come from the theme's CSS
// variables at draw time, so the charts follow a theme switch.

import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { formatClock } from '../format';
import {
  ago,
  type ChartDomain,
  type ChartUnit,
  chartDomain,
  formatTick,
  formatValue,
  nearestIndex,
  seriesRuns,
} from './chart-scale';

export interface TimeSeries {
  key: string;
  name: string;
  /** A CSS variable of the theme (`--c-cores`), read when drawing. */
  colorVar: string;
  values: (number | null)[];
}

/** Room for the y labels on the left and the x labels below, in CSS pixels. */
const PAD = { left: 34, right: 6, top: 4, bottom: 16 };

interface Hover {
  index: number;
  x: number;
}

export const TimeChart = memo(function TimeChart({
  id,
  title,
  subtitle,
  times,
  series,
  unit,
}: {
  id: string;
  title: string;
  subtitle?: string;
  times: number[];
  series: TimeSeries[];
  unit: ChartUnit;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  const domain = useRef<ChartDomain | null>(null);

  const draw = useCallback(() => {
    const el = canvas.current;
    if (!el) return;
    domain.current = paint(el, times, series, unit, hover);
  }, [times, series, unit, hover]);

  const drawn = times.length >= 2;
  const latest = useRef(draw);
  latest.current = draw;
  useEffect(() => {
    draw();
  }, [draw]);

  // A new size or theme needs a new drawing (the data does not change for it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the canvas exists only once there are two samples
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    let frame = 0;
    const again = () => {
      if (!frame)
        frame = requestAnimationFrame(() => {
          frame = 0;
          latest.current();
        });
    };
    const ro = new ResizeObserver(again);
    ro.observe(el);
    const themes = new MutationObserver(again);
    themes.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class', 'style'] });
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', again);
    return () => {
      ro.disconnect();
      themes.disconnect();
      scheme.removeEventListener('change', again);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [drawn]);

  const last = times.length - 1;
  const onMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const d = domain.current;
    if (!d) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const index = nearestIndex(times, d, PAD.left, rect.width - PAD.left - PAD.right, x);
    setHover(index < 0 ? null : { index, x });
  };
  const shown = hover && hover.index <= last ? hover : null;
  const summary = series.map((s) => `${s.name} ${formatValue(unit, s.values[last])}`).join(', ');

  return (
    <figure className="chart" data-testid={`chart-${id}`} data-points={times.length}>
      <figcaption className="chart-head">
        <span className="chart-title">
          {title}
          {subtitle && <span className="chart-sub"> {subtitle}</span>}
        </span>
        <span className="chart-legend">
          {series.map((s) => (
            <span key={s.key} className="legend-item" title={s.name}>
              <span className="legend-swatch" style={{ background: `var(${s.colorVar})` }} />
              <span className="legend-name">{s.name}</span>
              <b data-testid={`chart-${id}-${s.key}`}>{formatValue(unit, s.values[last])}</b>
            </span>
          ))}
        </span>
      </figcaption>
      <div className="chart-body">
        {!drawn ? (
          <div className="chart-empty">Collecting samples…</div>
        ) : (
          <>
            <canvas
              ref={canvas}
              className="chart-canvas"
              data-testid={`chart-${id}-canvas`}
              role="img"
              aria-label={`${title} over the last 10 minutes: ${summary}`}
              onPointerMove={onMove}
              onPointerLeave={() => setHover(null)}
            />
            {shown && (
              <div
                className="chart-tip"
                data-testid={`chart-${id}-tip`}
                style={{ left: shown.x, transform: `translateX(${shown.x > 120 ? 'calc(-100% - 10px)' : '10px'})` }}
              >
                <div className="chart-tip-time">{formatClock(times[shown.index])}</div>
                {series.map((s) => (
                  <div key={s.key} className="chart-tip-row">
                    <span className="legend-swatch" style={{ background: `var(${s.colorVar})` }} />
                    {s.name}: <b>{formatValue(unit, s.values[shown.index])}</b>
                  </div>
                ))}
              </div>
            )}
          </>
        )}
      </div>
    </figure>
  );
});

/** #rgb or #rrggbb with an alpha; other colour forms come back as they are. */
function withAlpha(color: string, alpha: number): string {
  const hex = color.trim().replace(/^#/, '');
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  if (!/^[0-9a-f]{6}$/i.test(full)) return color;
  const n = Number.parseInt(full, 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Draws the chart into its canvas at the canvas's CSS size; returns the axes it used. */
function paint(
  el: HTMLCanvasElement,
  times: number[],
  series: TimeSeries[],
  unit: ChartUnit,
  hover: Hover | null,
): ChartDomain | null {
  const width = el.clientWidth;
  const height = el.clientHeight;
  const ctx = el.getContext('2d');
  if (!ctx || width === 0 || height === 0) return null;
  const dpr = window.devicePixelRatio || 1;
  if (el.width !== Math.round(width * dpr) || el.height !== Math.round(height * dpr)) {
    el.width = Math.round(width * dpr);
    el.height = Math.round(height * dpr);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);

  const css = getComputedStyle(el);
  const grid = css.getPropertyValue('--grid').trim() || '#1c2433';
  const faint = css.getPropertyValue('--faint').trim() || '#5b6679';
  const muted = css.getPropertyValue('--muted').trim() || '#8390a5';
  const d = chartDomain(
    times,
    series.map((s) => s.values),
    unit,
  );
  const box = {
    left: PAD.left,
    top: PAD.top,
    width: width - PAD.left - PAD.right,
    height: height - PAD.top - PAD.bottom,
  };
  if (box.width <= 0 || box.height <= 0) return d;
  const yOf = (v: number) => box.top + box.height - (v / d.top) * box.height;
  const xOf = (t: number) => box.left + ((t - d.start) / (d.end - d.start || 1)) * box.width;

  ctx.font = `10px ${css.fontFamily}`;
  ctx.lineWidth = 1;
  ctx.strokeStyle = grid;
  ctx.fillStyle = faint;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (const v of d.yTicks) {
    const y = Math.round(yOf(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(box.left, y);
    ctx.lineTo(box.left + box.width, y);
    ctx.stroke();
    ctx.fillText(formatTick(unit, v), box.left - 6, Math.min(Math.max(y, 6), height - PAD.bottom));
  }
  ctx.textBaseline = 'bottom';
  for (const t of d.xTicks) {
    const x = xOf(t);
    ctx.textAlign = x - box.left < 16 ? 'left' : box.left + box.width - x < 16 ? 'right' : 'center';
    ctx.fillText(ago(d.end - t), x, height);
  }

  for (const s of series) {
    const color = css.getPropertyValue(s.colorVar).trim() || muted;
    const fill = ctx.createLinearGradient(0, box.top, 0, box.top + box.height);
    fill.addColorStop(0, withAlpha(color, 0.35));
    fill.addColorStop(1, withAlpha(color, 0.02));
    for (const run of seriesRuns(times, s.values, d, box)) {
      ctx.beginPath();
      ctx.moveTo(run[0].x, run[0].y);
      for (const p of run) ctx.lineTo(p.x, p.y);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.lineJoin = 'round';
      ctx.stroke();
      ctx.lineTo(run[run.length - 1].x, box.top + box.height);
      ctx.lineTo(run[0].x, box.top + box.height);
      ctx.closePath();
      ctx.fillStyle = fill;
      ctx.fill();
    }
  }

  if (hover) {
    const x = Math.round(xOf(times[hover.index])) + 0.5;
    ctx.strokeStyle = muted;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, box.top);
    ctx.lineTo(x, box.top + box.height);
    ctx.stroke();
    for (const s of series) {
      const v = s.values[hover.index];
      if (v === null || v === undefined) continue;
      ctx.fillStyle = css.getPropertyValue(s.colorVar).trim() || muted;
      ctx.beginPath();
      ctx.arc(x, yOf(Math.min(v, d.top)), 3, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  el.dataset.drawn = String(times.filter((t) => t >= d.start).length);
  return d;
}
