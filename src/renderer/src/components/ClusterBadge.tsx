// The header's shared-fleet chip ("etcd · 3 hosts · 3/3 members") and, on click, its panel: the
// hosts sharing the fleet (the machines each owns, its lease, its awake actors) and the etcd
// members with their leader — what `flylight cluster` prints. Nothing on a host with its own store.

import { useEffect, useRef, useState } from 'react';
import type { ClusterHost, ClusterMember, ClusterView } from '../../../shared/cluster';
import { formatCount } from '../format';
import { useDash, useNow, useRuntime } from '../hooks';
import { type ClusterHealth, clusterHealth, clusterLabel, grantedTtl, membersWord } from '../state/cluster';
import { useOutsidePress } from './menu-dismiss';

const PANEL_ID = 'cluster-panel';

export function ClusterBadge() {
  const cluster = useDash((s) => s.cluster);
  const [open, setOpen] = useState(false);
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useOutsidePress(open, [wrap], () => setOpen(false));
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener('keydown', onKey, true);
    return () => document.removeEventListener('keydown', onKey, true);
  }, [open]);

  const view = cluster.view;
  if (cluster.state !== 'shared' || !view) return null;
  const health = clusterHealth(view);
  const label = clusterLabel(health);
  const title = health.problems.length > 0 ? health.problems.join('\n') : `Shared fleet in ${view.store}: all is well`;
  return (
    <div className="menu-wrap" ref={wrap}>
      <button
        ref={button}
        type="button"
        className={`conn conn-${health.tone} cluster-chip${open ? ' is-on' : ''}`}
        data-testid="cluster-chip"
        data-tone={health.tone}
        data-hosts={health.hosts}
        aria-expanded={open}
        aria-controls={open ? PANEL_ID : undefined}
        aria-label={`${label}. ${health.problems.join('. ') || 'Healthy'}. Show the hosts and etcd members`}
        title={title}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="conn-dot" aria-hidden="true" />
        <span className="cluster-chip-etcd">etcd</span>
        <span className="cluster-chip-sep" aria-hidden="true">
          ·
        </span>
        {health.hosts} {health.hosts === 1 ? 'host' : 'hosts'}
        {/* A narrow window drops this part: the tone and the title still say how etcd is. */}
        <span className="cluster-chip-members">
          <span className="cluster-chip-sep" aria-hidden="true">
            ·
          </span>
          {membersWord(health)}
        </span>
      </button>
      {open && <ClusterPanel view={view} health={health} at={cluster.at} error={cluster.error} />}
    </div>
  );
}

function ClusterPanel(props: { view: ClusterView; health: ClusterHealth; at: number | null; error: string | null }) {
  const { view, health, at, error } = props;
  const now = useNow();
  // The header drops the proxy's address beside this chip when the window is narrow: it is here.
  const { client } = useRuntime();
  const api = useDash((s) => s.status?.api) ?? client.apiUrl;
  const ago = at === null ? null : Math.max(0, Math.round((now - at) / 1000));
  return (
    <div id={PANEL_ID} className="cluster-panel" role="dialog" aria-label="Shared fleet" data-testid="cluster-panel">
      <div className="cluster-head">
        <div className="cluster-title">
          <span>Shared fleet</span>
          <span className="mono cluster-store" data-testid="cluster-store">
            {view.store}
          </span>
        </div>
        <div className="muted cluster-facts">
          {formatCount(view.machines)} machines
          {view.unowned > 0 && <span className="cluster-warn"> · {formatCount(view.unowned)} without an owner</span>}
          {' · '}leases of {view.lease_ttl_s} s · revision <span className="mono">{view.etcd.revision}</span>
        </div>
      </div>
      {health.problems.length > 0 && (
        <ul className={`cluster-problems cluster-problems-${health.tone}`} data-testid="cluster-problems">
          {health.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <h4 className="cluster-section">Hosts</h4>
      <table className="cluster-table">
        <thead>
          <tr>
            <th>Host</th>
            <th>Process</th>
            <th className="right">Machines</th>
            <th>Lease</th>
            <th className="right">Awake</th>
          </tr>
        </thead>
        <tbody>
          {view.hosts.map((h) => (
            <HostRow key={h.id} host={h} ttl={grantedTtl(h, view)} />
          ))}
        </tbody>
      </table>
      <h4 className="cluster-section">
        etcd members
        <span className="muted cluster-section-note">leader {view.etcd.leader ?? 'none (no quorum)'}</span>
      </h4>
      <table className="cluster-table">
        <thead>
          <tr>
            <th>Member</th>
            <th>Client URL</th>
            <th>Health</th>
            <th>Role</th>
          </tr>
        </thead>
        <tbody>
          {view.etcd.members.map((m) => (
            <MemberRow key={m.id} member={m} />
          ))}
          {view.etcd.members.length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                etcd did not list its members
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div className="cluster-foot muted" data-testid="cluster-read">
        {error ? (
          <span className="cluster-warn">
            Could not refresh: {error}.{ago !== null && ` Showing what was read ${ago} s ago.`}
          </span>
        ) : (
          <>
            Read {ago === null || ago < 2 ? 'just now' : `${ago} s ago`}; asked every 2 s. This host's proxy:{' '}
            <span className="mono">{api.replace(/^https?:\/\//, '')}</span>. The CLI: flylight cluster
          </>
        )}
      </div>
    </div>
  );
}

function HostRow({ host: h, ttl }: { host: ClusterHost; ttl: number }) {
  const lapsing = h.lapsing || h.lease_ttl_s < 0;
  const left = Math.max(0, Math.min(1, h.lease_ttl_s / ttl));
  const foreign = h.actors?.awake_not_owned ?? 0;
  return (
    <tr data-testid="cluster-host" data-host-id={h.id} data-self={h.self} data-machines={h.machines_owned}>
      <td>
        <span className="mono">{h.id}</span>
        {h.self && <span className="cluster-self">this host</span>}
      </td>
      <td className="mono">
        {h.hostname}:{h.pid}
      </td>
      <td className="right mono">{formatCount(h.machines_owned)}</td>
      <td>
        <span
          className={`cluster-lease${lapsing ? ' is-lapsing' : ''}`}
          title={`Lease ${h.lease}: renewed every third of its ${ttl} s TTL`}
          data-testid="cluster-lease"
        >
          <span className="cluster-lease-track" aria-hidden="true">
            <span className="cluster-lease-fill" style={{ width: `${left * 100}%` }} />
          </span>
          {h.lease_ttl_s >= 0 ? `${h.lease_ttl_s} s / ${ttl} s` : 'gone'}
        </span>
      </td>
      <td
        className="right mono"
        title={foreign > 0 ? `${foreign} awake here but owned elsewhere (leaving)` : undefined}
      >
        {h.actors ? formatCount(h.actors.awake) : '–'}
        {foreign > 0 && <span className="cluster-warn"> +{foreign}</span>}
      </td>
    </tr>
  );
}

function MemberRow({ member: m }: { member: ClusterMember }) {
  return (
    <tr data-testid="cluster-member" data-member={m.name} data-healthy={m.healthy} data-leader={m.leader}>
      <td className="mono">{m.name}</td>
      <td className="mono">{m.client_urls[0] ?? '–'}</td>
      <td>
        <span className={`cluster-health ${m.healthy ? 'is-ok' : 'is-bad'}`}>
          <span className="cluster-health-dot" aria-hidden="true" />
          {m.healthy ? 'answers' : 'not answering'}
        </span>
      </td>
      <td>{m.leader ? <span className="cluster-leader">leader</span> : <span className="muted">follower</span>}</td>
    </tr>
  );
}
