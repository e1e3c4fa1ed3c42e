// A machine's drawer: its status and figures (live), allocation over time and status history
// (the host's record of the last ten minutes, then the changes this page sees), its VMs (each opens its own drawer), and the
// operator's actions — drain, take offline (optionally evacuating its VMs), bring online —
// each behind a confirmation that says what it will do.

import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../../shared/errors';
import type { MachineAction } from '../../../shared/faults';
import type { MachineHistory } from '../../../shared/machine-history';
import { machineCondition } from '../../../shared/machine-status';
import type { Machine, Vm } from '../../../shared/types';
import { formatAgo } from '../format';
import { useNow, useRuntime } from '../hooks';
import { type MachineSeries, mergeMachinePoints } from '../state/machine-series';
import type { MachinePoint } from '../state/vm-feed';
import { askConfirm } from './confirm-dialog';
import { DrawerFrame, Section } from './drawer-frame';
import { AllocationChart, StatusHistory } from './machine-history-views';
import { AllocationBars } from './UsageBar';
import { StateBadge } from './vm-list/state-badge';

type Loaded =
  | { kind: 'loading' }
  | { kind: 'missing' }
  | { kind: 'error'; message: string }
  | { kind: 'ok'; m: Machine };

const VMS_SHOWN = 200;

function useMachine(id: string): { loaded: Loaded; series: MachineSeries } {
  const { client, feed } = useRuntime();
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [host, setHost] = useState<MachineHistory | null>(null);
  const [live, setLive] = useState<MachinePoint[]>([]);
  useEffect(() => {
    let active = true;
    // The page keeps a machine's live points only while its drawer is open.
    const release = feed.watch(id);
    setLoaded({ kind: 'loading' });
    setHost(null);
    setLive(feed.series(id));
    client.api.machine(id).then(
      (m) => {
        if (!active) return;
        feed.observe(m);
        setLive(feed.series(id));
        setLoaded({ kind: 'ok', m });
      },
      (err) =>
        active &&
        setLoaded(
          err instanceof ApiError && err.code === 'not_found'
            ? { kind: 'missing' }
            : { kind: 'error', message: (err as Error).message },
        ),
    );
    // The host's record reaches back before this page opened; without it, only what the page saw.
    client.api.machineHistory(id).then(
      (h) => active && setHost(h),
      () => {},
    );
    const off = feed.onMachine((m) => {
      if (m && m.id !== id) return;
      if (m) setLoaded({ kind: 'ok', m });
      setLive(feed.series(id));
    });
    return () => {
      active = false;
      off();
      release();
    };
  }, [id, client, feed]);
  const series = useMemo(() => mergeMachinePoints(host, live), [host, live]);
  return { loaded, series };
}

function useMachineVms(id: string): { vms: Vm[]; total: number | null } {
  const { client, feed } = useRuntime();
  const [page, setPage] = useState<{ vms: Vm[]; total: number | null }>({ vms: [], total: null });
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = () =>
      client.api.vmPage({ machine: id, limit: VMS_SHOWN, sort: 'created_at', order: 'desc' }).then(
        (p) => live && setPage({ vms: p.vms, total: p.total }),
        () => {},
      );
    void load();
    const off = feed.onVm((c) => {
      if (c.vm.machine_id !== id) return;
      timer ??= setTimeout(() => {
        timer = null;
        void load();
      }, 400);
    });
    return () => {
      live = false;
      off();
      if (timer) clearTimeout(timer);
    };
  }, [id, client, feed]);
  return page;
}

function confirmAction(api: ReturnType<typeof useRuntime>['client']['api'], m: Machine, action: MachineAction): void {
  const vms = m.vm_count;
  if (action === 'drain') {
    askConfirm({
      title: `Drain ${m.id}?`,
      body: `${m.id} stops taking new VMs. Its ${vms} running ${vms === 1 ? 'VM keeps' : 'VMs keep'} running.`,
      points: ['Launches in its region go to other machines.', 'Bring it online again to take VMs.'],
      confirmLabel: 'Drain',
      run: () => api.machineAction(m.id, 'drain'),
    });
  } else if (action === 'offline') {
    askConfirm({
      title: `Take ${m.id} offline?`,
      body: `The host goes down: its ${vms} ${vms === 1 ? 'VM fails' : 'VMs fail'} with reason host_offline and ${vms === 1 ? 'its' : 'their'} room is released.`,
      points: ['Bringing it online later does not resurrect failed VMs.'],
      option: { label: 'Evacuate: launch a replacement for each VM elsewhere in the region', initial: true },
      confirmLabel: 'Take offline',
      danger: true,
      run: (evacuate) => api.machineAction(m.id, 'offline', { evacuate }),
    });
  } else {
    askConfirm({
      title: `Bring ${m.id} online?`,
      body: `${m.id} takes new VMs again.`,
      confirmLabel: 'Bring online',
      run: () => api.machineAction(m.id, 'online'),
    });
  }
}

export function MachineDrawer({ id }: { id: string }) {
  const { client, nav } = useRuntime();
  const { loaded, series } = useMachine(id);
  const { vms, total } = useMachineVms(id);
  const now = useNow();
  const region = loaded.kind === 'ok' ? loaded.m.region : null;
  useEffect(() => {
    if (region) nav.placeBehind(region);
  }, [region, nav]);

  if (loaded.kind !== 'ok') {
    return (
      <DrawerFrame kind="Machine" title={id} testId="machine-drawer">
        {loaded.kind === 'loading' ? (
          <div className="drawer-loading muted">Loading…</div>
        ) : (
          <div className="drawer-missing" role="alert" data-testid="drawer-missing">
            <h3>{loaded.kind === 'missing' ? `No machine ${id}` : `Could not load ${id}`}</h3>
            <p className="muted">
              {loaded.kind === 'missing'
                ? 'This fleet has no machine with that id (machines come from the regions CSV the host was started with).'
                : loaded.message}
            </p>
          </div>
        )}
      </DrawerFrame>
    );
  }
  const m = loaded.m;
  const tone = machineCondition(m.status);
  const down = m.status === 'offline';
  const actions = (
    <>
      <button
        type="button"
        className="btn btn-sm"
        data-testid="machine-op-drain"
        disabled={m.status === 'draining' || down}
        onClick={() => confirmAction(client.api, m, 'drain')}
      >
        Drain
      </button>
      <button
        type="button"
        className="btn btn-sm btn-danger-ghost"
        data-testid="machine-op-offline"
        disabled={down}
        onClick={() => confirmAction(client.api, m, 'offline')}
      >
        Take offline
      </button>
      <button
        type="button"
        className="btn btn-sm"
        data-testid="machine-op-online"
        disabled={m.status !== 'draining' && !down}
        onClick={() => confirmAction(client.api, m, 'online')}
      >
        Bring online
      </button>
    </>
  );
  return (
    <DrawerFrame
      kind="Machine"
      title={id}
      testId="machine-drawer"
      badge={
        <span className={`pill pill-${tone}`} data-testid="machine-drawer-status">
          {m.status}
        </span>
      }
      actions={actions}
    >
      <Section title="Resources">
        <dl className="kv">
          <dt>Region</dt>
          <dd>
            <button
              type="button"
              className="link mono"
              onClick={() => nav.showPage({ region: m.region, tab: 'machines' })}
            >
              {m.region}
            </button>
            {m.datacenter ? <span className="muted"> · {m.datacenter}</span> : null}
          </dd>
          <dt>VMs</dt>
          <dd>{m.vm_count} holding room</dd>
          <dt>Updated</dt>
          <dd title={m.updated_at}>{m.updated_at ? formatAgo(m.updated_at, now) : '—'}</dd>
        </dl>
        <div className="drawer-bars">
          <AllocationBars of={m} testIdPrefix="machine-drawer-" />
        </div>
      </Section>
      <Section title="Allocation over time" testId="machine-allocation">
        <AllocationChart series={series} m={m} />
      </Section>
      <Section title={`VMs${total === null ? '' : ` · ${total}`}`} testId="machine-vms">
        {vms.length === 0 ? (
          <p className="muted">{total === null ? 'Loading…' : 'No VM on this machine.'}</p>
        ) : (
          <ul className="drawer-vms">
            {vms.map((v) => (
              <li key={v.id}>
                <button
                  type="button"
                  className="drawer-vm"
                  data-testid="machine-vm"
                  data-vm-id={v.id}
                  onClick={() => nav.openDrawer({ kind: 'vm', id: v.id })}
                >
                  <span className="mono">{v.id}</span>
                  <span className="muted">
                    {v.cores}c · {v.memory_gb} GB
                  </span>
                  <StateBadge state={v.state} reason={v.reason} />
                </button>
              </li>
            ))}
            {total !== null && total > vms.length && (
              <li className="muted">…and {total - vms.length} more (newest shown)</li>
            )}
          </ul>
        )}
      </Section>
      <Section title="Status history" testId="machine-history">
        <StatusHistory series={series} m={m} now={now} />
      </Section>
    </DrawerFrame>
  );
}
