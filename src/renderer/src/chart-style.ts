// What every recharts chart of the page shares: the axes' text and the tooltip's box. Inline
// styles can read the theme's variables (SVG attributes cannot), so the tooltip follows the
// theme; the axis text is an SVG attribute and takes the palette. Constants, so a chart that
// renders again hands recharts the same objects and it has nothing new to take in.

import { PALETTE } from './palette';

export const CHART_AXIS_TICK = { fill: PALETTE.faint, fontSize: 10 } as const;

/** Spread into recharts' `<Tooltip>`; each chart adds its own labelFormatter and formatter. */
export const CHART_TOOLTIP = {
  isAnimationActive: false,
  contentStyle: {
    background: 'var(--panel-2)',
    border: '1px solid var(--border-strong)',
    borderRadius: 6,
    fontSize: 12,
    color: 'var(--text)',
  },
  labelStyle: { color: 'var(--muted)' },
  separator: ': ',
} as const;

/** The chart fills its box (recharts' `responsive` measures the box it is in). */
export const CHART_FILL = { width: '100%', height: '100%' } as const;
