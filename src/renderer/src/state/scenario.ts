// The dashboard's scenario dialog: whether it is open, and the picked files turned into the
// scenario the host checks. A picked bundle (the dashboard's own download) or the CSV and JSON
// files of an exported directory; anything else is named so the person can pick again.

import { createStore } from 'zustand/vanilla';
import { filesOfBundle, isScenarioFileName, SCENARIO_FILES, type ScenarioFiles } from '../../../shared/scenario';

export const scenarioDialog = createStore<{ open: boolean }>(() => ({ open: false }));

export function openScenarioDialog(): void {
  scenarioDialog.setState({ open: true });
}

export interface Picked {
  files: ScenarioFiles;
  /** Picked files that are not part of a scenario (left out, and said so). */
  ignored: string[];
}

/** Files as picked (name and text) → a scenario's files. */
export function pickedScenario(picked: readonly { name: string; text: string }[]): Picked {
  if (picked.length === 1 && picked[0].name.endsWith('.json') && picked[0].name !== 'scenario.json') {
    const files = filesOfBundle(picked[0].text);
    if (files) return { files, ignored: [] };
  }
  const files: ScenarioFiles = {};
  const ignored: string[] = [];
  for (const p of picked) {
    if (isScenarioFileName(p.name)) files[p.name] = p.text;
    else ignored.push(p.name);
  }
  return { files, ignored };
}

/** The bundle the export downloads: every file of the scenario in one JSON document. */
export function bundleText(files: ScenarioFiles): string {
  const ordered = Object.fromEntries(SCENARIO_FILES.filter((n) => files[n] !== undefined).map((n) => [n, files[n]]));
  return `${JSON.stringify({ format: 'flylight-scenario-bundle', files: ordered }, null, 2)}\n`;
}
