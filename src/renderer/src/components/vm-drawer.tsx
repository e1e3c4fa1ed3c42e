// A VM's drawer: its state (live), resources and machine, the actions its state allows, its
// state history as a timeline, and "why here?" — the placement note kept from its launch.
// An id that names no VM says so; a VM destroyed a little while ago still shows its history.

import { useEffect, useState } from 'react';
import { ApiError } from '../../../shared/errors';
import { OPERATIONS } from '../../../shared/lifecycle';
import type { Vm } from '../../../shared/types';
import type { HistoryEntry, VmHistory } from '../../../shared/vm-history';
import { formatAgo } from '../format';
import { useNow, useRuntime } from '../hooks';
import { DrawerFrame, Section } from './drawer-frame';
import { StateBadge, stateTone } from './vm-list/state-badge';
import { allowed, OP_LABEL, operate, opIconClass } from './vm-list/vm-actions';
import { WhyHere } from './why-here';

type Loaded =
  | { kind: 'loading' }
  | { kind: 'missing' }
  | { kind: 'error'; message: string }
  | { kind: 'ok'; h: VmHistory };

function useVmHistory(id: string): Loaded {
  const { client, feed } = useRuntime();
  const [state, setState] = useState<Loaded>({ kind: 'loading' });
  useEffect(() => {
    let live = true;
    setState({ kind: 'loading' });
    client.api.vmHistory(id).then(
      (h) => live && setState({ kind: 'ok', h }),
      (err) =>
        live &&
        setState(
          err instanceof ApiError && err.code === 'not_found'
            ? { kind: 'missing' }
            : { kind: 'error', message: (err as Error).message },
        ),
    );
    // Transitions as they happen: the state and the timeline move without a refetch.
    const off = feed.onVm((c) => {
      if (c.vm.id !== id) return;
      setState((s) => {
        const entry: HistoryEntry = {
          from: c.from as HistoryEntry['from'],
          to: c.to as HistoryEntry['to'],
          at: c.at,
          operation: guessOp(c.from, c.to),
        };
        if (c.reason) entry.reason = c.reason;
        const vm: Vm | null = c.to === 'destroyed' ? null : { ...c.vm, state: c.to as Vm['state'] };
        const before = s.kind === 'ok' ? s.h : { vm_id: id, vm, transitions: [], dropped: 0, placement: null };
        return { kind: 'ok', h: { ...before, vm, transitions: [...before.transitions, entry] } };
      });
    });
    return () => {
      live = false;
      off();
    };
  }, [id, client, feed]);
  return state;
}

/** The event says where a VM went, not which operation sent it: the operation is read off the states. */
function guessOp(from: string | null, to: string): HistoryEntry['operation'] {
  if (from === null) return 'create';
  if (to === 'starting' || (to === 'started' && from === 'starting')) return 'start';
  if (to === 'stopping' || to === 'stopped') return 'stop';
  if (to === 'suspending' || to === 'suspended') return 'suspend';
  if (to === 'restarting' || from === 'restarting') return 'restart';
  if (to === 'destroying' || to === 'destroyed') return 'destroy';
  if (to === 'failed') return 'fault';
  return 'create';
}

function durationText(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function Timeline({ h, now }: { h: VmHistory; now: number }) {
  const items = h.transitions.map((t, i) => {
    const next = h.transitions[i + 1];
    const end = next ? Date.parse(next.at) : now;
    return { t, lasted: end - Date.parse(t.at), current: !next };
  });
  return (
    <ol className="timeline" data-testid="vm-timeline">
      {items.reverse().map(({ t, lasted, current }) => (
        <li
          key={`${t.at}-${t.from}-${t.to}`}
          className={`timeline-item tone-${stateTone(t.to)}`}
          data-testid="timeline-item"
          data-to={t.to}
        >
          <span className="timeline-dot" aria-hidden="true" />
          <div className="timeline-main">
            <span className="timeline-to">{t.to}</span>
            <span className="timeline-op muted">
              {t.from === null ? 'launched' : `${t.operation} · from ${t.from}`}
              {t.reason ? ` · ${t.reason}` : ''}
            </span>
          </div>
          <div className="timeline-when">
            <time dateTime={t.at} title={t.at}>
              {formatAgo(t.at, now)}
            </time>
            <span className="muted">{current ? `for ${durationText(lasted)}` : durationText(lasted)}</span>
          </div>
        </li>
      ))}
      {h.dropped > 0 && <li className="timeline-more muted">{h.dropped} earlier transitions not kept</li>}
    </ol>
  );
}

function Overview({ vm }: { vm: Vm }) {
  const { nav } = useRuntime();
  const now = useNow();
  return (
    <dl className="kv" data-testid="vm-overview">
      <dt>Region</dt>
      <dd>
        <button type="button" className="link mono" onClick={() => nav.showPage({ region: vm.region, tab: 'vms' })}>
          {vm.region}
        </button>
      </dd>
      <dt>Machine</dt>
      <dd>
        <button
          type="button"
          className="link mono"
          data-testid="vm-machine-link"
          onClick={() => nav.openDrawer({ kind: 'machine', id: vm.machine_id })}
        >
          {vm.machine_id}
        </button>
      </dd>
      <dt>CPU</dt>
      <dd>
        {vm.cores} {vm.cores === 1 ? 'core' : 'cores'}
      </dd>
      <dt>Memory</dt>
      <dd>{vm.memory_gb} GB</dd>
      <dt>Created</dt>
      <dd title={vm.created_at}>{formatAgo(vm.created_at, now)}</dd>
      {vm.updated_at && (
        <>
          <dt>State since</dt>
          <dd title={vm.updated_at}>{formatAgo(vm.updated_at, now)}</dd>
        </>
      )}
      {vm.reason && (
        <>
          <dt>Reason</dt>
          <dd className="tone-bad mono">{vm.reason}</dd>
        </>
      )}
    </dl>
  );
}

export function VmDrawer({ id }: { id: string }) {
  const { client, nav } = useRuntime();
  const loaded = useVmHistory(id);
  const now = useNow();
  const vm = loaded.kind === 'ok' ? loaded.h.vm : null;
  const region = vm?.region;
  useEffect(() => {
    if (region) nav.placeBehind(region);
  }, [region, nav]);

  if (loaded.kind === 'loading') {
    return (
      <DrawerFrame kind="VM" title={id} testId="vm-drawer">
        <div className="drawer-loading muted">Loading…</div>
      </DrawerFrame>
    );
  }
  if (loaded.kind === 'missing' || loaded.kind === 'error') {
    return (
      <DrawerFrame kind="VM" title={id} testId="vm-drawer">
        <div className="drawer-missing" role="alert" data-testid="drawer-missing">
          {loaded.kind === 'missing' ? (
            <>
              <h3>No VM {id}</h3>
              <p className="muted">
                It may have been destroyed, or the link has a typo. VM ids look like vm-3f9c2a7d1b0e.
              </p>
            </>
          ) : (
            <>
              <h3>Could not load {id}</h3>
              <p className="muted mono">{loaded.message}</p>
            </>
          )}
        </div>
      </DrawerFrame>
    );
  }
  const { h } = loaded;
  const ok = vm ? allowed(vm) : new Set();
  const actions = vm
    ? OPERATIONS.map((op) => (
        <button
          key={op}
          type="button"
          className={`btn btn-sm ${opIconClass(op)}${op === 'destroy' ? ' btn-danger-ghost' : ''}`}
          disabled={!ok.has(op)}
          data-testid={`drawer-op-${op}`}
          title={ok.has(op) ? undefined : `Not from ${vm.state}`}
          onClick={() => operate(client.api, vm, op)}
        >
          {OP_LABEL[op]}
        </button>
      ))
    : undefined;
  const last = h.transitions[h.transitions.length - 1];
  return (
    <DrawerFrame
      kind="VM"
      title={id}
      testId="vm-drawer"
      badge={<StateBadge state={vm?.state ?? 'destroyed'} reason={vm?.reason} />}
      actions={actions}
    >
      {vm ? (
        <Section title="Overview">
          <Overview vm={vm} />
        </Section>
      ) : (
        <div className="drawer-gone" role="status" data-testid="drawer-gone">
          {id} was destroyed{last ? ` ${formatAgo(last.at, now)}` : ''}. Its history is kept a while.
        </div>
      )}
      <Section title="State history" testId="vm-history">
        {h.transitions.length === 0 ? (
          <p className="muted">No transition seen since the host started.</p>
        ) : (
          <Timeline h={h} now={now} />
        )}
      </Section>
      <Section title="Why here?" testId="vm-why">
        <WhyHere note={h.placement} vm={vm} />
      </Section>
    </DrawerFrame>
  );
}
