// Why a launch was refused, beyond its one-line message: the largest free slots that really
// exist (no_capacity), the nearest regions with room (region_down: a click puts one in the form),
// and on request the dry run's verdict for every machine of the region.

import { type PlacementPlan, verdictText } from '../../../shared/placement';
import type { PlacementReport } from '../../../shared/types';
import { nearbyText, planSummary, type Refusal, slotText } from '../state/ops-wording';

/** Verdict rows shown per region before "and N more". */
const MAX_ROWS = 12;

export function RefusalPanel({
  refusal,
  explanation,
  explainError,
  explaining,
  onExplain,
  onRegion,
}: {
  refusal: Refusal;
  explanation: PlacementReport | null;
  explainError: string | null;
  explaining: boolean;
  onExplain(): void;
  onRegion(code: string): void;
}) {
  return (
    <div className="refusal" role="alert" data-testid="launch-refusal" data-code={refusal.code}>
      <div className="refusal-head">
        <span className="refusal-code mono">{refusal.code}</span>
        <span className="refusal-message">{refusal.message}</span>
      </div>
      {refusal.slots.some((r) => r.slots.length > 0) && (
        <div className="refusal-block" data-testid="refusal-slots">
          <span className="refusal-label">Largest free slots</span>
          <ul className="chip-list">
            {refusal.slots.flatMap((r) =>
              r.slots.map((s) => (
                <li key={`${r.region}-${s.machine_id}`} className="slot-chip">
                  <span className="mono">{s.machine_id}</span> {slotText(s)}
                </li>
              )),
            )}
          </ul>
        </div>
      )}
      {refusal.code === 'region_down' && (
        <div className="refusal-block" data-testid="refusal-suggestions">
          <span className="refusal-label">
            {refusal.suggestions.length > 0 ? 'Nearest regions with room' : 'No other region has room now'}
          </span>
          <ul className="chip-list">
            {refusal.suggestions.map((n) => (
              <li key={n.code}>
                <button
                  type="button"
                  className="btn btn-small"
                  data-testid="refusal-suggestion"
                  data-region={n.code}
                  title={`Launch in ${n.code} instead`}
                  onClick={() => onRegion(n.code)}
                >
                  {nearbyText(n)}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {refusal.explainable && !explanation && (
        <button
          type="button"
          className="btn btn-small refusal-explain"
          data-testid="refusal-explain"
          disabled={explaining}
          onClick={onExplain}
        >
          {explaining ? 'Asking every machine…' : 'Why? Show every machine'}
        </button>
      )}
      {explainError && <p className="dialog-error">{explainError}</p>}
      {explanation?.plans.map((p, i) => (
        <Verdicts key={`${p.region ?? i}`} plan={p} />
      ))}
    </div>
  );
}

function Verdicts({ plan }: { plan: PlacementPlan }) {
  // Chosen first, then the ones that fit by rank, then the refused.
  const rows = [...plan.verdicts].sort(
    (a, b) =>
      b.chosen - a.chosen ||
      (a.rank ?? Number.POSITIVE_INFINITY) - (b.rank ?? Number.POSITIVE_INFINITY) ||
      a.machine_id.localeCompare(b.machine_id),
  );
  const shown = rows.slice(0, MAX_ROWS);
  return (
    <div className="verdicts" data-testid="refusal-verdicts">
      <span className="refusal-label">
        {plan.region ?? 'Region'} · {plan.strategy} · {plan.count} × {plan.memory_gb} GB, {plan.cores} cores
      </span>
      <p className="verdict-summary" data-testid="plan-summary">
        {planSummary(plan)}
      </p>
      <table>
        <thead>
          <tr>
            <th>machine</th>
            <th>status</th>
            <th className="num">free</th>
            <th>verdict</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((v) => (
            <tr key={v.machine_id} className={v.reasons.length > 0 ? 'is-refused' : v.chosen > 0 ? 'is-chosen' : ''}>
              <td className="mono">{v.machine_id}</td>
              <td>{v.status}</td>
              <td className="num">
                {v.memory_free_gb} GB · {v.cores_free} c
              </td>
              <td data-testid="verdict-text">{verdictText(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > shown.length && <p className="muted small">and {rows.length - shown.length} more machines</p>}
    </div>
  );
}
