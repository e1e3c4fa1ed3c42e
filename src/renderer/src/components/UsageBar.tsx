import { type Allocation, formatPercent, percent } from '../../../shared/percent';
import { formatCount, formatGb } from '../format';
import { barScale } from './bar-scale';

export interface UsageBarProps {
  kind: 'cores' | 'memory';
  used: number;
  total: number;
  format: (n: number) => string;
  label?: string;
  /** For the e2e tests: data-testid of the bar. */
  testId?: string;
  size?: 'sm' | 'md';
}

/** Used of total as a bar; the allocated part has its own colour (cores violet, memory fuchsia). */
export function UsageBar({ kind, used, total, format, label, testId, size = 'md' }: UsageBarProps) {
  const p = percent(used, total);
  const name = label ?? (kind === 'cores' ? 'Cores' : 'Memory');
  return (
    <div className={`usage usage-${kind} usage-${size}`} data-testid={testId} data-allocated={used} data-total={total}>
      <div className="usage-head">
        <span className="usage-label">{name}</span>
        <span className="usage-value">
          <span className={used > 0 ? 'usage-used is-used' : 'usage-used'}>{format(used)}</span>
          <span className="usage-sep"> / </span>
          {format(total)}
          <span className="usage-pct">{formatPercent(p)}</span>
        </span>
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: <meter> cannot be styled alike in every engine; the role carries the semantics */}
      <div
        className="usage-track"
        title={`${name}: ${format(used)} of ${format(total)} allocated (${formatPercent(p)})`}
        role="meter"
        aria-label={`${name} allocated`}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={used}
        aria-valuetext={`${format(used)} of ${format(total)}`}
      >
        <div className="usage-fill" style={{ transform: `scaleX(${barScale(p)})` }} />
      </div>
    </div>
  );
}

/** The two resources a VM takes, as a machine's or a region's bars show them. */
const RESOURCES = [
  {
    kind: 'cores',
    used: (a: Allocation) => a.cores_allocated,
    total: (a: Allocation) => a.cores_total,
    format: formatCount,
  },
  {
    kind: 'memory',
    used: (a: Allocation) => a.memory_allocated_gb,
    total: (a: Allocation) => a.memory_total_gb,
    format: formatGb,
  },
] as const;

/** Cores and memory of a machine or a region, as two bars (test ids `${testIdPrefix}cores-bar`, …). */
export function AllocationBars({ of, testIdPrefix = '' }: { of: Allocation; testIdPrefix?: string }) {
  return (
    <>
      {RESOURCES.map((r) => (
        <UsageBar
          key={r.kind}
          kind={r.kind}
          used={r.used(of)}
          total={r.total(of)}
          format={r.format}
          testId={`${testIdPrefix}${r.kind}-bar`}
        />
      ))}
    </>
  );
}

/** A thin bar for lists; `label` says what it measures (tooltip and screen readers). */
export function MiniBar({ value, tone, label }: { value: number; tone?: 'cores' | 'memory' | 'util'; label: string }) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: <meter> cannot be styled alike in every engine; the role carries the semantics
    <div
      className={`minibar minibar-${tone ?? 'util'}`}
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(value)}
      title={label}
    >
      <div className="minibar-fill" style={{ transform: `scaleX(${barScale(value)})` }} />
    </div>
  );
}
