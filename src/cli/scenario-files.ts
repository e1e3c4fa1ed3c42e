// The terminal's side of scenarios: reading a scenario directory into the files' text, writing an export into a directory, and finding `serve --scenario NAME`
// among the shipped scenarios. The host checks the contents; here only what is on disk.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { shippedScenariosDir } from '../main/common/paths';
import type { ScenarioFilesIO } from '../shared/cli/env';
import { LocalInputError, UsageError } from '../shared/cli/usage-error';
import { SCENARIO_FILES, type ScenarioFiles } from '../shared/scenario';

export function scenarioFilesIO(cwd: string = process.cwd()): ScenarioFilesIO {
  return {
    async write(dir, files) {
      const path = resolve(cwd, dir);
      if (existsSync(path) && !statSync(path).isDirectory()) {
        throw new LocalInputError(`${path} is a file: give a directory to export into`);
      }
      await mkdir(path, { recursive: true });
      const names: string[] = [];
      for (const name of SCENARIO_FILES) {
        const text = files[name];
        if (text === undefined) continue;
        await writeFile(join(path, name), text);
        names.push(name);
      }
      return { dir: path, names };
    },
    read: async (dir) => readScenario(resolve(cwd, dir)),
  };
}

/** The scenario files in directory `path`; LocalInputError if there are none. */
export async function readScenario(path: string): Promise<{ dir: string; files: ScenarioFiles }> {
  if (!existsSync(path)) throw new LocalInputError(`no such directory ${path} (give a scenario directory)`);
  if (!statSync(path).isDirectory()) {
    throw new LocalInputError(`${path} is a file: give a scenario directory (holding ${SCENARIO_FILES.join(', ')})`);
  }
  const files: ScenarioFiles = {};
  for (const name of SCENARIO_FILES) {
    const file = join(path, name);
    if (existsSync(file)) files[name] = await readFile(file, 'utf8');
  }
  if (Object.keys(files).length === 0) {
    throw new LocalInputError(`${path} holds no scenario files (expected ${SCENARIO_FILES.join(', ')})`);
  }
  return { dir: path, files };
}

/** The names of the shipped scenarios, sorted. */
export function shippedScenarios(root: string = shippedScenariosDir()): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'regions.csv')))
    .map((d) => d.name)
    .sort();
}

/**
 * `serve --scenario NAME|DIR`: a shipped scenario by name, else a directory by path.
 * Read here, in the CLI, so the host gets the text and an unknown name lists the shipped ones.
 */
export function loadServeScenario(
  given: string,
  cwd: string,
  root: string = shippedScenariosDir(),
): { name: string; files: ScenarioFiles } {
  const shipped = shippedScenarios(root);
  const byName = shipped.find((n) => n === given.trim().toLowerCase());
  const path = byName ? join(root, byName) : resolve(cwd, given);
  if (!byName && !existsSync(path)) {
    throw new UsageError(
      `--scenario: no shipped scenario named '${given}' and no such directory (shipped: ${shipped.join(', ') || 'none'})`,
      'serve',
    );
  }
  if (!statSync(path).isDirectory()) {
    throw new UsageError(`--scenario: ${path} is a file: give a scenario directory or a shipped name`, 'serve');
  }
  const files: ScenarioFiles = {};
  for (const name of SCENARIO_FILES) {
    const file = join(path, name);
    if (existsSync(file)) files[name] = readFileSync(file, 'utf8');
  }
  return { name: byName ?? path, files };
}
