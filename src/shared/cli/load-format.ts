// What `flylight load` prints: a live line (redrawn in place on a terminal, one per second
// otherwise) and the summary at the end.

import { formatDuration } from '../duration';
import { formatMix } from '../load/spec';
import type { LoadProgress, LoadSummary } from '../load/stats';
import { paint } from './paint';

function ms(v: number | null): string {
  if (v === null) return '–';
  return v < 10 ? `${v.toFixed(1)}ms` : `${Math.round(v)}ms`;
}

function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/** The live figures: with `withBar` a progress bar first (the terminal's redrawn line). */
export function progressLine(p: LoadProgress, color: boolean, withBar: boolean): string {
  const elapsed = Math.min(p.elapsed_ms, p.duration_ms);
  const head =
    p.state === 'stopping'
      ? paint('stopping', 'yellow', color)
      : elapsed >= p.duration_ms
        ? paint('finishing', 'cyan', color)
        : `${formatDuration(elapsed)}/${formatDuration(p.duration_ms)}`;
  const parts = [
    withBar ? `${paint(bar(elapsed / p.duration_ms, 20), 'cyan', color)} ${head}` : head,
    `rate ${p.rate_now}/s`,
    `ok ${paint(String(p.ok), 'green', color)}`,
    `no capacity ${paint(String(p.no_capacity), p.no_capacity ? 'yellow' : null, color)}`,
    `errors ${paint(String(p.errors), p.errors ? 'red' : null, color)}`,
    `p50 ${ms(p.p50_ms)}`,
    `p99 ${ms(p.p99_ms)}`,
    `VMs ${p.alive}`,
  ];
  if (p.skipped) parts.push(paint(`skipped ${p.skipped}`, 'red', color));
  return parts.join('  ');
}

/** The finished run, for people. */
export function summaryLines(s: LoadSummary, color: boolean): string[] {
  const { spec } = s;
  const regions = spec.regions.length ? spec.regions.join(',') : 'every region';
  const pct = (n: number) => (s.sent ? ` (${((n / s.sent) * 100).toFixed(1)}%)` : '');
  const lines = [
    paint(
      `Load run ${s.stopped ? 'stopped' : 'finished'} after ${formatDuration(s.launch_ms)}: ${spec.rate}/s asked, ${s.rate_achieved}/s sent`,
      'bold',
      color,
    ),
    `  mix ${formatMix(spec.mix)} in ${regions}${spec.strategy ? `, strategy ${spec.strategy}` : ''}, seed ${spec.seed}`,
    `  launches     ${s.sent}`,
    `  ok           ${paint(String(s.ok), 'green', color)}${pct(s.ok)}`,
    `  no capacity  ${paint(String(s.no_capacity), s.no_capacity ? 'yellow' : null, color)}${pct(s.no_capacity)}`,
    `  errors       ${paint(String(s.errors), s.errors ? 'red' : null, color)}${pct(s.errors)}${errorCodes(s)}`,
  ];
  if (s.skipped)
    lines.push(`  skipped      ${paint(String(s.skipped), 'red', color)} (too many launches unanswered to send more)`);
  const l = s.latency_ms;
  lines.push(`  latency      p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`);
  if (spec.destroy_after_ms !== null) {
    lines.push(
      `  destroyed    ${s.destroyed} (each after ${formatDuration(spec.destroy_after_ms)}; the rest when the launches ended)`,
    );
  }
  if (s.left.length === 0) lines.push(paint('  Nothing left running.', 'gray', color));
  else if (spec.destroy_after_ms === null) {
    lines.push(`  Left running: ${s.left.length} VMs (no --destroy-after); \`flylight reset --yes\` clears the fleet.`);
  } else {
    lines.push(
      paint(`  Left running: ${s.left.length} VMs that could not be destroyed: ${clipIds(s.left)}`, 'yellow', color),
    );
  }
  return lines;
}

function errorCodes(s: LoadSummary): string {
  const codes = Object.entries(s.errors_by_code).sort((a, b) => b[1] - a[1]);
  return codes.length ? `  ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}` : '';
}

function clipIds(ids: readonly string[]): string {
  return ids.length <= 5 ? ids.join(' ') : `${ids.slice(0, 5).join(' ')} … and ${ids.length - 5} more`;
}
