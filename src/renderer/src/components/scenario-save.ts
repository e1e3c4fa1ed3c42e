// Saving a scenario from the page as `flylight scenario export DIR` saves it: its files, each
// under its own name, in a folder. Where the browser lets a page write to a folder the person
// picks (the File System Access API: Chromium, and so the desktop app), the files go there;
// elsewhere each is downloaded under its name, to be kept together in one folder.

import { SCENARIO_FILES, type ScenarioFiles } from '../../../shared/scenario';

/** The part of the File System Access API used here (not in TypeScript's DOM types). */
interface DirectoryPicker {
  showDirectoryPicker(options?: { id?: string; mode?: 'read' | 'readwrite' }): Promise<FileSystemDirectoryHandle>;
}

export type Saved = { how: 'folder'; folder: string; names: string[] } | { how: 'downloads'; names: string[] };

/** The person closed the folder picker: nothing to report. */
export function isCancel(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

export async function saveScenario(files: ScenarioFiles): Promise<Saved> {
  const names = SCENARIO_FILES.filter((n) => files[n] !== undefined);
  const picker = (globalThis as unknown as Partial<DirectoryPicker>).showDirectoryPicker;
  if (typeof picker === 'function') {
    const dir = await picker.call(globalThis, { id: 'flylight-scenario', mode: 'readwrite' });
    for (const name of names) {
      const handle = await dir.getFileHandle(name, { create: true });
      const out = await handle.createWritable();
      await out.write(files[name] as string);
      await out.close();
    }
    return { how: 'folder', folder: dir.name, names };
  }
  for (const name of names) download(name, files[name] as string);
  return { how: 'downloads', names };
}

function download(name: string, text: string): void {
  const type = name.endsWith('.json') ? 'application/json' : 'text/csv';
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
