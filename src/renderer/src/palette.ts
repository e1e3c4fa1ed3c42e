// Colours that mean something, for SVG attributes (which cannot read CSS variables reliably).
// Kept equal to the --c-* variables in styles/base.css.
export const PALETTE = {
  cores: '#a78bfa',
  memory: '#e879f9',
  ok: '#34d399',
  warn: '#fbbf24',
  bad: '#f87171',
  grid: '#1c2433',
  faint: '#5b6679',
  muted: '#8390a5',
  panel2: '#151c29',
  border: '#222b3b',
} as const;
