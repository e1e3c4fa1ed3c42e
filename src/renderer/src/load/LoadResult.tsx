// The run's figures: a progress bar and tiles while it runs (the same figures as the CLI's
// live line), the charts, and the finished run's summary, kept until the next run starts.

import { formatDuration } from '../../../shared/duration';
import type { LoadRunView } from '../../../shared/load/keeper';
import { formatMix } from '../../../shared/load/spec';
import type { LoadSummary } from '../../../shared/load/stats';
import { formatCount } from '../format';
import { LoadCharts } from './LoadCharts';

function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
}

function Tile({ label, value, tone, id }: { label: string; value: string; tone?: string; id: string }) {
  return (
    <div className={`load-tile${tone ? ` tone-${tone}` : ''}`}>
      <span className="load-tile-label">{label}</span>
      <b data-testid={`load-fig-${id}`}>{value}</b>
    </div>
  );
}

export function LoadResult({ run }: { run: LoadRunView }) {
  const p = run.progress;
  const s = run.summary;
  const elapsed = Math.min(p.elapsed_ms, p.duration_ms);
  const fraction = s ? (s.stopped ? s.launch_ms / p.duration_ms : 1) : elapsed / p.duration_ms;
  const state = run.error ? 'failed' : s ? (s.stopped ? 'stopped' : 'finished') : p.state;
  const stateLabel: Record<string, string> = {
    running: elapsed >= p.duration_ms ? 'destroying' : 'running',
    stopping: 'stopping',
    finished: 'finished',
    stopped: 'stopped',
    failed: 'failed',
  };
  const counts = s ?? p;
  return (
    <section className="load-result" data-testid="load-result" data-state={state} aria-label="Load run">
      <div className="load-progress">
        <div className="load-progress-head">
          <span className={`load-state state-${state}`} data-testid="load-state">
            {stateLabel[state]}
          </span>
          <span className="load-progress-time">
            {formatDuration(s ? s.launch_ms : elapsed)} / {formatDuration(p.duration_ms)}
          </span>
          <span className="load-alive" data-testid="load-fig-alive">
            {formatCount(counts.alive)} VMs alive
          </span>
          <span className="load-run-id">{run.id}</span>
        </div>
        <div
          className="load-bar"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(fraction * 100)}
        >
          <span style={{ width: `${Math.min(100, fraction * 100)}%` }} />
        </div>
      </div>
      <div className="load-tiles">
        <Tile id="rate" label="Rate" value={`${s ? s.rate_achieved : p.rate_now}/s`} />
        <Tile id="ok" label="OK" value={formatCount(counts.ok)} tone="ok" />
        <Tile
          id="no-capacity"
          label="No capacity"
          value={formatCount(counts.no_capacity)}
          tone={counts.no_capacity ? 'warn' : undefined}
        />
        <Tile id="errors" label="Errors" value={formatCount(counts.errors)} tone={counts.errors ? 'bad' : undefined} />
        <Tile id="p50" label="p50" value={ms(s ? s.latency_ms.p50 : p.p50_ms)} />
        <Tile id="p99" label="p99" value={ms(s ? s.latency_ms.p99 : p.p99_ms)} />
      </div>
      <LoadCharts rows={run.series} durationS={Math.ceil(p.duration_ms / 1000)} />
      {run.error && <p className="load-error">The run failed on the host: {run.error}</p>}
      {s && <Summary s={s} startedAt={run.started_at} />}
    </section>
  );
}

function Summary({ s, startedAt }: { s: LoadSummary; startedAt: string }) {
  const { spec } = s;
  const pct = (n: number) => (s.sent ? `${((n / s.sent) * 100).toFixed(1)}%` : '—');
  const codes = Object.entries(s.errors_by_code)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  return (
    <section className="load-summary" data-testid="load-summary" aria-label="Summary">
      <h3>
        Summary <span className="load-hint">started {new Date(startedAt).toLocaleTimeString()}</span>
      </h3>
      <dl>
        <dt>Asked</dt>
        <dd>
          {spec.rate}/s for {formatDuration(spec.duration_ms)} · {formatMix(spec.mix)} ·{' '}
          {spec.regions.length ? spec.regions.join(', ') : 'every region'}
          {spec.strategy ? ` · ${spec.strategy}` : ''} · seed {spec.seed}
        </dd>
        <dt>Sent</dt>
        <dd data-testid="load-summary-sent">
          {formatCount(s.sent)} launches in {formatDuration(s.launch_ms)} ({s.rate_achieved}/s)
        </dd>
        <dt>Outcome</dt>
        <dd data-testid="load-summary-outcome">
          <span className="tone-ok">{formatCount(s.ok)} ok</span> ({pct(s.ok)}) ·{' '}
          <span className="tone-warn">{formatCount(s.no_capacity)} no capacity</span> ({pct(s.no_capacity)}) ·{' '}
          <span className="tone-bad">{formatCount(s.errors)} errors</span>
          {codes && ` (${codes})`}
          {s.skipped > 0 && ` · ${formatCount(s.skipped)} not sent (too many unanswered)`}
        </dd>
        <dt>Latency</dt>
        <dd>
          p50 {ms(s.latency_ms.p50)} · p90 {ms(s.latency_ms.p90)} · p99 {ms(s.latency_ms.p99)} · max{' '}
          {ms(s.latency_ms.max)}
        </dd>
        <dt>VMs</dt>
        <dd data-testid="load-summary-vms">
          {spec.destroy_after_ms === null
            ? `${formatCount(s.left.length)} kept running (no destroy-after)`
            : `${formatCount(s.destroyed)} destroyed${s.left.length ? `, ${formatCount(s.left.length)} could not be destroyed` : ', nothing left running'}`}
        </dd>
        <dt>Took</dt>
        <dd>
          {formatDuration(s.total_ms)}
          {s.stopped ? ' (stopped early)' : ''}
        </dd>
      </dl>
    </section>
  );
}
