// "Scenario…" in the fleet menu: download the whole fleet as one file, or pick a scenario
// (that file, or an exported directory's CSV and JSON files) and replace the fleet with it.
// The host checks everything; its problems (FILE:LINE and what is allowed) are listed here,
// and a refused import has changed nothing.

import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { ApiError } from '../../../shared/errors';
import type { ScenarioFiles, ScenarioImportReport } from '../../../shared/scenario';
import { useRuntime } from '../hooks';
import { bundleText, pickedScenario, scenarioDialog } from '../state/scenario';
import { MENU_BUTTON_ID } from './HeaderMenu';

type Phase =
  | { t: 'idle' }
  | { t: 'busy'; what: string }
  | { t: 'exported'; name: string }
  | { t: 'imported'; report: ScenarioImportReport }
  | { t: 'refused'; message: string; problems: string[] };

export function ScenarioDialog() {
  const { client } = useRuntime();
  const open = useStore(scenarioDialog, (s) => s.open);
  const dialog = useRef<HTMLDialogElement>(null);
  const [phase, setPhase] = useState<Phase>({ t: 'idle' });
  const [picked, setPicked] = useState<{ files: ScenarioFiles; names: string[]; ignored: string[] } | null>(null);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    else if (!open && d.open) {
      d.close();
      setPhase({ t: 'idle' });
      setPicked(null);
      document.getElementById(MENU_BUTTON_ID)?.focus();
    }
  }, [open]);
  const close = () => scenarioDialog.setState({ open: false });
  const busy = phase.t === 'busy';

  const download = async () => {
    setPhase({ t: 'busy', what: 'Exporting…' });
    try {
      const { files } = await client.api.exportScenario();
      const name = `flylight-scenario-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
      const url = URL.createObjectURL(new Blob([bundleText(files)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      setPhase({ t: 'exported', name });
    } catch (err) {
      setPhase({ t: 'refused', message: (err as Error).message, problems: [] });
    }
  };

  const pick = async (list: FileList | null) => {
    const all = [...(list ?? [])];
    const read = await Promise.all(all.map(async (f) => ({ name: f.name, text: await f.text() })));
    const { files, ignored } = pickedScenario(read);
    setPicked({ files, names: Object.keys(files), ignored });
    setPhase({ t: 'idle' });
  };

  const replace = async () => {
    if (!picked) return;
    setPhase({ t: 'busy', what: 'Importing…' });
    try {
      setPhase({ t: 'imported', report: await client.api.importScenario(picked.files) });
    } catch (err) {
      const problems = err instanceof ApiError && Array.isArray(err.details?.problems) ? err.details.problems : [];
      setPhase({ t: 'refused', message: (err as Error).message, problems: problems.map(String) });
    }
  };

  return (
    <dialog
      ref={dialog}
      className="dialog scenario-dialog"
      aria-labelledby="scenario-title"
      data-testid="scenario-dialog"
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) close();
      }}
    >
      <div className="dialog-body">
        <div className="dialog-head">
          <h2 id="scenario-title">Scenario</h2>
        </div>
        <p className="muted">
          The whole fleet — regions and their statuses, machines with theirs, VMs with their states, and the host's
          strategy, timing and seed — as one file. <code>flylight scenario export DIR</code> writes the same as CSV
          files.
        </p>
        <div className="dialog-actions scenario-row">
          <button type="button" className="btn" data-testid="scenario-export" disabled={busy} onClick={download}>
            Download scenario
          </button>
        </div>
        <hr className="menu-sep" />
        <label className="scenario-pick">
          <span>Import: pick a downloaded scenario, or an exported directory's files</span>
          <input
            type="file"
            multiple
            accept=".json,.csv"
            data-testid="scenario-files"
            disabled={busy}
            onChange={(e) => void pick(e.currentTarget.files)}
          />
        </label>
        {picked && (
          <p className="muted" data-testid="scenario-picked">
            {picked.names.length > 0 ? `Picked ${picked.names.join(', ')}.` : 'No scenario file picked.'}
            {picked.ignored.length > 0 && ` Left out (not part of a scenario): ${picked.ignored.join(', ')}.`}
          </p>
        )}
        {phase.t === 'exported' && (
          <p role="status" data-testid="scenario-exported">
            Downloaded {phase.name}.
          </p>
        )}
        {phase.t === 'imported' && (
          <p role="status" data-testid="scenario-imported">
            Imported: {phase.report.regions} regions, {phase.report.machines.toLocaleString('en-US')} machines,{' '}
            {phase.report.vms.toLocaleString('en-US')} VMs (strategy {phase.report.settings.strategy}).
          </p>
        )}
        {phase.t === 'refused' && (
          <div className="dialog-error" role="alert" data-testid="scenario-error">
            {phase.problems.length > 0 ? (
              <>
                <p>Not imported; nothing was changed:</p>
                <ul className="scenario-problems">
                  {phase.problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              </>
            ) : (
              <p>{phase.message}</p>
            )}
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" data-testid="scenario-close" disabled={busy} onClick={close}>
            Close
          </button>
          <button
            type="button"
            className="btn btn-danger"
            data-testid="scenario-import"
            disabled={busy || !picked || picked.names.length === 0}
            onClick={replace}
          >
            {busy ? phase.what : 'Replace the fleet'}
          </button>
        </div>
      </div>
    </dialog>
  );
}
