// `scenario export DIR` and `scenario import DIR`: the whole fleet to a directory of files and
// back. The host does the work (GET/POST /v1/scenario); the CLI only moves the files' text, so
// it needs a terminal's file system (env.scenarioFiles) — the console pane points to the
// dashboard's own Export/Import instead.

import { ApiError } from '../../errors';
import type { ScenarioImportReport, ScenarioSettings } from '../../scenario';
import { type CommandRunner, call, print } from '../context';
import { EXIT } from '../env';
import { jsonLines } from '../json-lines';
import { paint } from '../paint';
import { UsageError } from '../usage-error';

const ACTIONS = ['export', 'import'] as const;

export const scenario: CommandRunner = async (ctx) => {
  const { env, io, json, color, flags, positionals } = ctx;
  const [action, dir] = positionals;
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`scenario: unknown action '${action}' (${ACTIONS.join(', ')})`, 'scenario');
  }
  if (dir === undefined || dir.trim() === '') throw new UsageError(`scenario ${action} needs DIR`, 'scenario');
  const files = env.scenarioFiles;
  if (!files) {
    io.err(
      `error: scenario ${action} reads and writes files: run \`flylight scenario ${action} ${dir}\` in a terminal, or use Export/Import scenario in the dashboard's menu`,
    );
    return EXIT.failed;
  }
  if (action === 'export') {
    const exported = await call(ctx, env.api.exportScenario());
    const written = await files.write(dir, exported.files);
    const counts = countRows(exported.files);
    if (json) return print(io, jsonLines({ dir: written.dir, files: written.names, ...counts }));
    return print(io, [
      `Exported ${count(counts.regions, 'region')}, ${count(counts.machines, 'machine')} and ${count(counts.vms, 'VM')} to ${paint(written.dir, 'bold', color)} (${written.names.join(', ')}).`,
    ]);
  }
  const read = await files.read(dir);
  if (flags.yes !== true) {
    if (!io.prompt) {
      throw new UsageError(
        'scenario import replaces the whole fleet (every VM now running is gone), and there is no terminal here to confirm it: pass --yes to import without asking',
        'scenario',
      );
    }
    const answer = await call(
      ctx,
      io.prompt(
        `This replaces the whole fleet with ${read.dir}: every VM now running is gone. Type 'import' to confirm: `,
      ),
    );
    if (answer?.trim() !== 'import') {
      io.err('Import cancelled: nothing was changed.');
      return EXIT.failed;
    }
  }
  let report: ScenarioImportReport;
  try {
    report = await call(ctx, env.api.importScenario(read.files));
  } catch (err) {
    const problems = err instanceof ApiError ? err.details?.problems : undefined;
    if (!Array.isArray(problems)) throw err;
    // Every problem on its own line, named by file and line in the directory given.
    if (json) io.err(JSON.stringify({ error: { code: 'bad_request', message: (err as Error).message, problems } }));
    else {
      io.err(`error: ${read.dir} cannot be imported; nothing was changed:`);
      for (const p of problems) io.err(`  ${read.dir}/${p}`);
    }
    return EXIT.failed;
  }
  if (json) return print(io, jsonLines(report));
  return print(io, importLines(read.dir, report, color));
};

export function importLines(dir: string, r: ScenarioImportReport, color: boolean): string[] {
  const lines = [
    `Imported ${paint(dir, 'bold', color)}: ${r.regions} regions, ${r.machines} machines, ${r.vms} VMs.`,
    `Settings in force: ${settingsText(r.settings)}.`,
  ];
  if (r.recovered > 0) {
    lines.push(
      `${r.recovered} ${r.recovered === 1 ? 'VM was' : 'VMs were'} mid-transition: each runs its stage again from the start, as after a restart.`,
    );
  }
  return lines;
}

function settingsText(s: ScenarioSettings): string {
  const timing = typeof s.timing === 'string' ? s.timing : `${s.timing.name} (custom)`;
  return `strategy ${s.strategy}, timing ${timing}, seed ${s.seed ?? 'none'}`;
}

/** Rows per file (header and blank lines left out): what an export holds, without parsing CSV. */
function countRows(files: Record<string, string>): { regions: number; machines: number; vms: number } {
  const rows = (name: string) => Math.max(0, (files[name] ?? '').split('\n').filter((l) => l.trim() !== '').length - 1);
  return { regions: rows('regions.csv'), machines: rows('machines.csv'), vms: rows('vms.csv') };
}

/** "1 VM", "3 VMs". */
function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
