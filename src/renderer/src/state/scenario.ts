// The dashboard's scenario dialog: whether it is open, and the picked files turned into the
// scenario the host checks — a folder's files (as `flylight scenario export DIR` or the
// dialog's own export wrote them) or files picked one by one; anything else is named so the
// person can pick again.

import { createStore } from 'zustand/vanilla';
import { isScenarioFileName, type ScenarioFiles } from '../../../shared/scenario';

export const scenarioDialog = createStore<{ open: boolean }>(() => ({ open: false }));

export function openScenarioDialog(): void {
  scenarioDialog.setState({ open: true });
}

export interface Picked {
  files: ScenarioFiles;
  /** Picked files that are not part of a scenario (left out, and said so). */
  ignored: string[];
}

/**
 * Files as picked (name and text) → a scenario's files. A folder's files come with their path
 * in it (`snap/regions.csv`); only files directly in the folder count, as for the CLI.
 */
export function pickedScenario(picked: readonly { name: string; path?: string; text: string }[]): Picked {
  const files: ScenarioFiles = {};
  const ignored: string[] = [];
  for (const p of picked) {
    const depth = p.path ? p.path.split('/').length : 1;
    if (isScenarioFileName(p.name) && depth <= 2) files[p.name] = p.text;
    else ignored.push(p.path || p.name);
  }
  return { files, ignored };
}
