// Numbers as people read them on the dashboard.

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return int.format(n);
}

/** Whole GB from the API; big machines read better in TB (decimal, as hardware is sold). */
export function formatGb(gb: number): string {
  if (Math.abs(gb) >= 1000) {
    const tb = gb / 1000;
    return `${tb >= 100 || Number.isInteger(tb) ? int.format(tb) : tb.toFixed(1)} TB`;
  }
  return `${int.format(gb)} GB`;
}

/** "just now", "12 s ago", "3 min ago", "2 h ago"; future times (clock skew) are "just now". */
export function formatAgo(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const s = Math.floor((now - t) / 1000);
  if (s < 3) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

export function formatClock(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
