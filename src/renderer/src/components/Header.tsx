import { useMemo, useRef } from 'react';
import { formatPercent, percent } from '../../../shared/percent';
import { formatCount, formatGb } from '../format';
import { useBeat, useCalm, useDash, useRuntime } from '../hooks';
import { LoadButton } from '../load/LoadButton';
import { fleetTotals } from '../state/fleet-totals';
import { ClusterBadge } from './ClusterBadge';
import { EventLogButton } from './event-log/EventLog';
import { HeaderMenu } from './HeaderMenu';
import { PaletteButton, ThemeSwitch } from './HeaderTools';
import { Logo } from './Logo';
import { MiniBar } from './UsageBar';

export function ConnectionBadge() {
  const conn = useDash((s) => s.connection);
  const beat = useBeat();
  const calm = useCalm();
  // Under a stream the dot glows instead of ringing (state/motion.ts); the beats it skipped then
  // do not ring once the stream stops.
  const calmBeat = useRef(0);
  if (calm) calmBeat.current = beat;
  const load = useDash((s) => s.load.state);
  const workers = useDash((s) => s.status?.workers);
  const loaded = load === 'ready';
  // A worker the host is restarting: the feed may be open, but answers are not to be trusted.
  const down = (workers ?? []).filter((w) => w.state !== 'ready').map((w) => `${w.name} ${w.state}`);
  let label: string;
  let tone: string;
  let detail = conn.detail;
  if (load === 'error') {
    label = 'Not loaded';
    tone = 'bad';
  } else if (conn.state === 'open' && down.length > 0) {
    label = 'Recovering…';
    tone = 'warn';
    detail = down.join(', ');
  } else if (conn.state === 'open') {
    label = 'Live';
    tone = 'ok';
  } else if (conn.state === 'connecting' && conn.detail?.endsWith('recovering')) {
    // The host is restarting a worker: the stream is up, the answers are not yet.
    label = 'Recovering…';
    tone = 'warn';
  } else if (conn.state === 'connecting' && conn.drops === 0 && !conn.detail) {
    label = 'Connecting…';
    tone = 'idle';
  } else if (conn.state === 'connecting') {
    label = loaded ? 'Reconnecting…' : 'Connecting…';
    tone = 'warn';
  } else {
    label = 'Disconnected';
    tone = 'bad';
  }
  return (
    <span
      className={`conn conn-${tone}`}
      data-testid="connection"
      data-state={conn.state}
      data-workers={down.length > 0 ? 'recovering' : 'ready'}
      title={detail ?? (conn.state === 'open' ? 'Receiving live changes' : undefined)}
      role="status"
      aria-live="polite"
    >
      <span
        className={calm && tone === 'ok' ? 'conn-dot is-streaming' : 'conn-dot'}
        aria-hidden="true"
        data-testid="connection-dot"
        data-beat={beat}
      >
        {/* One ring per beat (keyed by it): a pulse when changes have arrived, at rest when none do. */}
        {tone === 'ok' && !calm && beat > calmBeat.current && <span key={beat} className="conn-beat" />}
      </span>
      {label}
    </span>
  );
}

function ProxyAddress() {
  const { client } = useRuntime();
  const api = useDash((s) => s.status?.api);
  const url = api ?? client.apiUrl;
  return (
    <span
      className="proxy"
      data-testid="proxy-address"
      title={client.kind === 'electron' ? 'Proxy for the CLI and browsers' : 'This dashboard is served by the proxy'}
    >
      <span className="proxy-label">proxy</span>
      <span className="mono">{url.replace(/^https?:\/\//, '')}</span>
    </span>
  );
}

/** One resource's allocation in the header: share, used / total, and a thin bar. */
function TotalAllocated(props: {
  label: string;
  kind: 'cores' | 'memory';
  used: number;
  total: number;
  format: (n: number) => string;
}) {
  const { label, kind, used, total, format } = props;
  const p = percent(used, total);
  return (
    <div className="total total-wide">
      <dt>
        {label} <span className="total-pct">{formatPercent(p)}</span>
        {/* Beside the label, not under the figures: they line up with the other totals'. */}
        <MiniBar value={p} tone={kind} label={`Fleet ${label.toLowerCase()} allocated: ${formatPercent(p)}`} />
      </dt>
      <dd>
        <span className={`alloc-${kind}`}>{format(used)}</span>
        <span className="muted">/ {format(total)}</span>
      </dd>
    </div>
  );
}

function Totals() {
  const regions = useDash((s) => s.regions);
  const t = useMemo(() => fleetTotals(regions), [regions]);
  return (
    <dl
      className="totals"
      data-testid="fleet-totals"
      data-cores-allocated={t.cores_allocated}
      data-memory-allocated={t.memory_allocated_gb}
    >
      <div className="total">
        <dt>Regions</dt>
        <dd>{formatCount(t.regions)}</dd>
      </div>
      <div className="total">
        <dt>Machines</dt>
        <dd>{formatCount(t.machines)}</dd>
      </div>
      <div className="total">
        <dt>VMs</dt>
        <dd data-testid="fleet-vms">{formatCount(t.vms)}</dd>
      </div>
      <TotalAllocated label="Cores" kind="cores" used={t.cores_allocated} total={t.cores_total} format={formatCount} />
      <TotalAllocated
        label="Memory"
        kind="memory"
        used={t.memory_allocated_gb}
        total={t.memory_total_gb}
        format={formatGb}
      />
    </dl>
  );
}

export function Header() {
  const loaded = useDash((s) => s.load.state === 'ready');
  return (
    <header className="header">
      <div className="brand">
        <Logo />
        <span className="brand-name">Flylight</span>
      </div>
      <ConnectionBadge />
      <ClusterBadge />
      <ProxyAddress />
      <div className="header-spacer" />
      {loaded && <Totals />}
      <div className="header-tools">
        {loaded && <EventLogButton />}
        {loaded && <LoadButton />}
        {loaded && <PaletteButton />}
        <ThemeSwitch />
        {loaded && <HeaderMenu />}
      </div>
    </header>
  );
}
