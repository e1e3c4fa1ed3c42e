// "Scenario…" in the fleet menu: export the whole fleet to a folder as the scenario's files
// (what `flylight scenario export DIR` writes), or pick such a folder (or its files) and
// replace the fleet with it.
// The host checks everything; its problems (FILE:LINE and what is allowed) are listed here,
// and a refused import has changed nothing.

import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { ApiError } from '../../../shared/errors';
import { SCENARIO_FILES, type ScenarioFiles, type ScenarioImportReport } from '../../../shared/scenario';
import { useRuntime } from '../hooks';
import { pickedScenario, scenarioDialog } from '../state/scenario';
import { MENU_BUTTON_ID } from './HeaderMenu';
import { isCancel, type Saved, saveScenario } from './scenario-save';

type Phase =
  | { t: 'idle' }
  | { t: 'busy'; what: string }
  | { t: 'exported'; saved: Saved }
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

  const exportFleet = async () => {
    setPhase({ t: 'busy', what: 'Exporting…' });
    try {
      const { files } = await client.api.exportScenario();
      setPhase({ t: 'exported', saved: await saveScenario(files) });
    } catch (err) {
      if (isCancel(err)) setPhase({ t: 'idle' });
      else setPhase({ t: 'refused', message: (err as Error).message, problems: [] });
    }
  };

  const pick = async (list: FileList | null) => {
    const all = [...(list ?? [])];
    const read = await Promise.all(
      all.map(async (f) => ({ name: f.name, path: f.webkitRelativePath, text: await f.text() })),
    );
    const { files, ignored } = pickedScenario(read);
    setPicked({ files, names: SCENARIO_FILES.filter((n) => files[n] !== undefined), ignored });
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
          strategy, timing and seed — as the files <code>flylight scenario export DIR</code> writes:{' '}
          <code>scenario.json</code>, <code>regions.csv</code>, <code>machines.csv</code>, <code>vms.csv</code>.
        </p>
        <div className="dialog-actions scenario-row">
          <button type="button" className="btn" data-testid="scenario-export" disabled={busy} onClick={exportFleet}>
            Export to a folder…
          </button>
        </div>
        <hr className="menu-sep" />
        <label className="scenario-pick">
          <span>Import: choose a scenario folder (from either export, or a shipped scenario's)</span>
          <input
            type="file"
            // React has no typed prop for it; the attribute is what Chromium reads.
            {...{ webkitdirectory: '' }}
            data-testid="scenario-folder"
            disabled={busy}
            onChange={(e) => void pick(e.currentTarget.files)}
          />
        </label>
        <label className="scenario-pick">
          <span>…or pick its files</span>
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
            {phase.saved.how === 'folder'
              ? `Wrote ${phase.saved.names.join(', ')} to the folder ${phase.saved.folder}.`
              : `Downloaded ${phase.saved.names.join(', ')}: keep them in one folder to import them.`}
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
