// How a placement plan reads in a terminal: a heading per region tried, then every machine with
// its status, free room, verdict, rank and a ✓ on the chosen ones. The same words as the
// dashboard's "why here?" (placement.ts's verdictText).

import { cores, type PlacementPlan, type Verdict, verdictText } from '../placement';
import type { PlacementReport } from '../types';
import { machineStatusStyle } from './format';
import { paint } from './paint';
import { table } from './table';

/** One line on what was asked and what came of it in this region. */
export function planHeading(plan: PlacementPlan, color: boolean): string {
  const what = `${plan.count > 1 ? `${plan.count} × ` : ''}${plan.memory_gb} GB, ${cores(plan.cores)}`;
  const region = paint(plan.region ?? '', 'bold', color);
  const outcome =
    plan.placements.length > 0
      ? paint(`→ ${[...new Set(plan.placements)].join(', ')}`, 'green', color)
      : paint(plan.count > 1 ? '→ the batch does not fit (all or none)' : '→ nothing fits', 'red', color);
  return `${region}  ${plan.strategy}  ${what}  ${outcome}`;
}

export function planTable(plan: PlacementPlan, opts: { color: boolean; width?: number }): string[] {
  return table<Verdict>(
    [
      { header: 'MACHINE', value: (v) => v.machine_id, style: () => 'bold' },
      { header: 'STATUS', value: (v) => v.status, style: (v) => machineStatusStyle(v.status) },
      { header: 'FREE CORES', align: 'right', value: (v) => String(v.cores_free) },
      { header: 'FREE GB', align: 'right', value: (v) => String(v.memory_free_gb) },
      {
        header: 'VERDICT',
        value: verdictText,
        style: (v) => (v.reasons.length > 0 ? 'red' : v.chosen > 0 ? 'green' : null),
        shrink: true,
      },
      { header: 'RANK', align: 'right', value: (v) => (v.rank === null ? '-' : String(v.rank)) },
      {
        header: 'CHOSEN',
        value: (v) => (v.chosen > 0 ? (v.chosen > 1 ? `✓ ×${v.chosen}` : '✓') : ''),
        style: () => 'green',
      },
    ],
    plan.verdicts,
    opts,
  );
}

/** Every region's plan, in the order they were tried, a blank line between. */
export function planLines(plans: readonly PlacementPlan[], opts: { color: boolean; width?: number }): string[] {
  const out: string[] = [];
  for (const [i, plan] of plans.entries()) {
    if (i > 0) out.push('');
    out.push(planHeading(plan, opts.color));
    if (plan.verdicts.length === 0) out.push('  (no machines in this region)');
    else out.push(...planTable(plan, opts));
  }
  return out;
}

/** The dry run's closing line. */
export function reportSummary(report: PlacementReport, color: boolean): string {
  if (report.region) return paint(`Would place in ${report.region}; nothing was reserved.`, 'dim', color);
  return paint('Would not place: no region tried has room for the whole request.', 'yellow', color);
}
