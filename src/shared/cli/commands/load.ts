// `load`: launches at a steady rate with a mix of sizes, destroys each VM after its lifetime,
// shows the figures live and a summary at the end. In a terminal the CLI drives the port
// itself; in the console pane the host runs it (as for the dashboard's panel). Ctrl+C stops
// launching, lets the run destroy what it launched, and still prints the summary.

import { hostRunner } from '../../load/runners';
import { LoadInputError, type LoadTexts, parseLoadTexts } from '../../load/spec';
import type { LoadProgress } from '../../load/stats';
import { type CommandRunner, call, numberFlag, print, textFlag } from '../context';
import { EXIT } from '../env';
import { jsonLines } from '../json-lines';
import { progressLine, summaryLines } from '../load-format';
import { paint } from '../paint';
import { UsageError } from '../usage-error';

/** A terminal's line is redrawn four times a second; a plain log gets one line a second. */
const REDRAW_MS = 250;
const LINE_MS = 1000;

export const load: CommandRunner = async (ctx) => {
  const { env, io, flags, json, color } = ctx;
  const seed = numberFlag(flags, 'seed');
  const texts: LoadTexts = {
    rate: textFlag(flags, 'rate'),
    duration: textFlag(flags, 'duration'),
    mix: textFlag(flags, 'mix'),
    regions: textFlag(flags, 'regions'),
    destroyAfter: textFlag(flags, 'destroy-after'),
    strategy: textFlag(flags, 'strategy'),
    seed: seed === undefined ? undefined : String(seed),
  };
  const known = (await call(ctx, env.api.regions())).map((r) => r.code);
  let spec: ReturnType<typeof parseLoadTexts>;
  try {
    spec = parseLoadTexts(texts, known);
  } catch (err) {
    if (err instanceof LoadInputError) {
      const flag = `--${err.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new UsageError(err.message, 'load', flag);
    }
    throw err;
  }
  if (io.signal?.aborted) return EXIT.interrupted;

  // Live figures: redrawn in place where the IO can, else a line a second (stderr under --json,
  // so stdout stays the one summary object).
  const live = json ? undefined : io.status;
  const note = (line: string) => (json ? io.err(line) : io.out(line));
  let stopping = false;
  const onProgress = (p: LoadProgress) => {
    if (live) live(progressLine(p, color, true));
    else note(progressLine(p, false, false));
  };
  const onAbort = () => {
    if (stopping) return;
    stopping = true;
    const more = env.where === 'cli' ? ' (Ctrl+C again leaves them running)' : '';
    note(paint(`Stopping: no more launches; destroying what this run launched${more}…`, 'yellow', color && !json));
  };
  io.signal?.addEventListener('abort', onAbort, { once: true });
  const runner = env.load ?? hostRunner(env.api);
  const summary = await runner(spec, {
    allRegions: known,
    signal: io.signal,
    everyMs: live ? REDRAW_MS : LINE_MS,
    onProgress,
    onStart: ({ where, id }) => {
      const how = env.where === 'cli' ? 'Ctrl+C stops it' : 'Ctrl+C stops it; the dashboard’s Load panel shows it too';
      const on = where === 'host' ? `the host runs it as ${id}` : `against ${env.apiUrl}`;
      note(paint(`Load: ${spec.rate}/s for ${texts.duration} — ${on}. ${how}.`, 'gray', color && !json));
    },
  });
  io.signal?.removeEventListener('abort', onAbort);
  if (json) return print(io, jsonLines(summary));
  print(io, summaryLines(summary, color));
  // VMs that should have been destroyed and were not: the run did not do what it was asked.
  return summary.destroy_errors > 0 ? EXIT.failed : EXIT.ok;
};
