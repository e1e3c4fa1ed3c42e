// "Launch a VM here…" from a region's menu: region, memory, cores, count, strategy. A launch the
// platform refuses keeps the dialog open with the refusal taken apart (refusal-panel.tsx): the
// largest slots that exist, the nearest regions with room, the per-machine explanation.

import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { STRATEGIES, type Strategy } from '../../../shared/placement';
import type { LaunchRequest, Vm } from '../../../shared/types';
import { validateLaunchText } from '../../../shared/validation';
import { useRuntime } from '../hooks';
import { launchStore } from '../state/launch-form';
import { launchRefusal } from '../state/ops-wording';
import { RefusalPanel } from './refusal-panel';

function launchedNotice(vms: Vm[]) {
  const first = vms[0];
  const where = [...new Set(vms.map((v) => v.machine_id))].join(', ');
  return {
    tone: 'ok' as const,
    title: vms.length === 1 ? `Launched ${first.id}` : `Launched ${vms.length} VMs`,
    lines: [`on ${where} (${first.region}) · ${first.memory_gb} GB, ${first.cores} cores · ${first.state}`],
  };
}

export function LaunchDialog() {
  const { client, ops } = useRuntime();
  const s = useStore(launchStore);
  const dialog = useRef<HTMLDialogElement>(null);
  const firstField = useRef<HTMLInputElement>(null);
  const returnTo = useRef<Element | null>(null);
  const { fields, phase } = s;
  const busy = phase !== 'editing';

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (s.isOpen && !d.open) {
      returnTo.current = document.activeElement;
      d.showModal();
      firstField.current?.focus();
    } else if (!s.isOpen && d.open) {
      d.close();
      (returnTo.current as HTMLElement | null)?.focus?.();
    }
  }, [s.isOpen]);

  const request = (): LaunchRequest =>
    validateLaunchText({
      region: fields.region.trim(),
      memory_gb: fields.memory_gb.trim(),
      cores: fields.cores.trim(),
      count: fields.count.trim() === '1' ? undefined : fields.count.trim(),
      strategy: fields.strategy || undefined,
    });

  const launch = async () => {
    let req: LaunchRequest;
    try {
      req = request();
    } catch (err) {
      launchStore.setState({ refusal: launchRefusal(err) });
      return;
    }
    launchStore.setState({ phase: 'launching', refusal: null, explanation: null, explainError: null });
    try {
      const vms = req.count === undefined ? [await client.api.launch(req)] : (await client.api.launchBatch(req)).vms;
      launchStore.getState().close();
      ops.toast(launchedNotice(vms));
    } catch (err) {
      launchStore.setState({ phase: 'editing', refusal: launchRefusal(err) });
    }
  };

  const explain = async () => {
    let req: LaunchRequest;
    try {
      req = request();
    } catch {
      return;
    }
    launchStore.setState({ phase: 'explaining', explainError: null });
    try {
      const report = await client.api.place(req);
      launchStore.setState({ phase: 'editing', explanation: report });
    } catch (err) {
      launchStore.setState({ phase: 'editing', explainError: err instanceof Error ? err.message : String(err) });
    }
  };

  const field = (name: 'region' | 'memory_gb' | 'cores' | 'count', label: string, unit?: string) => (
    <label className="field">
      <span className="field-label">{label}</span>
      <span className="field-input">
        <input
          ref={name === 'region' ? firstField : undefined}
          name={name}
          className={name === 'region' ? 'mono' : undefined}
          value={fields[name]}
          inputMode={name === 'region' ? 'text' : 'numeric'}
          autoComplete="off"
          spellCheck={false}
          data-testid={`launch-${name}`}
          onChange={(e) => launchStore.getState().set({ [name]: e.target.value })}
        />
        {unit && <span className="field-unit">{unit}</span>}
      </span>
    </label>
  );

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is the dialog's own cancel event; the click is the backdrop
    <dialog
      ref={dialog}
      className="dialog dialog-wide"
      aria-labelledby="launch-title"
      data-testid="launch-dialog"
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) launchStore.getState().close();
      }}
      onClick={(e) => {
        if (e.target === e.currentTarget && !busy) launchStore.getState().close();
      }}
    >
      <form
        className="dialog-body"
        onSubmit={(e) => {
          e.preventDefault();
          void launch();
        }}
      >
        <div className="dialog-head">
          <h2 id="launch-title">Launch a VM</h2>
        </div>
        <div className="field-grid">
          {field('region', 'Region', undefined)}
          {field('memory_gb', 'Memory', 'GB')}
          {field('cores', 'Cores')}
          {field('count', 'Count')}
          <label className="field">
            <span className="field-label">Strategy</span>
            <select
              value={fields.strategy}
              data-testid="launch-strategy"
              onChange={(e) => launchStore.getState().set({ strategy: e.target.value as Strategy | '' })}
            >
              <option value="">host default</option>
              {STRATEGIES.map((st) => (
                <option key={st} value={st}>
                  {st}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p className="muted small">
          Region takes several to try in order (<code>sin,nrt</code>); a count launches all or none.
        </p>
        {s.refusal && (
          <RefusalPanel
            refusal={s.refusal}
            explanation={s.explanation}
            explainError={s.explainError}
            explaining={phase === 'explaining'}
            onExplain={() => void explain()}
            onRegion={(code) => launchStore.getState().set({ region: code })}
          />
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" disabled={busy} onClick={() => launchStore.getState().close()}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" data-testid="launch-submit" disabled={busy}>
            {phase === 'launching' ? 'Launching…' : 'Launch'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
