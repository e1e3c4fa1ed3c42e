// Two ways to run a load run and watch it, behind one signature, so `flylight load` reads the
// same in a terminal and in the console pane: here (the CLI drives the port itself) or on the
// host (the console pane and the dashboard's panel ask the host, then poll it).

import type { FlylightApi } from '../api';
import { ApiError } from '../errors';
import { type LoadDriver, LoadRun } from './generator';
import type { LoadRunView } from './keeper';
import type { LoadSpec } from './spec';
import type { LoadProgress, LoadSummary } from './stats';

export interface RunnerOptions {
  /** Every region, for a spec that names none. */
  allRegions: readonly string[];
  /** Aborting stops the run: no more launches; it still destroys what it holds. */
  signal?: AbortSignal;
  onProgress(p: LoadProgress): void;
  /** How often onProgress is called. */
  everyMs: number;
  /** Called once, when the run starts (the host's run has an id). */
  onStart?(info: { where: 'here' | 'host'; id?: string }): void;
}

export type LoadRunner = (spec: LoadSpec, opts: RunnerOptions) => Promise<LoadSummary>;

/** Runs the generator in this process over the driver `open` gives. */
export function localRunner(open: () => Promise<{ driver: LoadDriver; close(): void }>): LoadRunner {
  return async (spec, opts) => {
    const { driver, close } = await open();
    const run = new LoadRun(spec, { driver, allRegions: opts.allRegions });
    opts.onStart?.({ where: 'here' });
    const stop = () => run.stop();
    if (opts.signal?.aborted) stop();
    opts.signal?.addEventListener('abort', stop, { once: true });
    const timer = setInterval(() => opts.onProgress(run.progress()), opts.everyMs);
    try {
      return await run.done;
    } finally {
      clearInterval(timer);
      opts.signal?.removeEventListener('abort', stop);
      close();
    }
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Asks the host to run it (`POST /v1/load`), polls `GET /v1/load`, and stops it on abort. */
export function hostRunner(api: Pick<FlylightApi, 'loadStart' | 'loadStatus' | 'loadStop'>): LoadRunner {
  return async (spec, opts) => {
    const started = (await api.loadStart(spec)).run as LoadRunView;
    opts.onStart?.({ where: 'host', id: started.id });
    let stopAsked = false;
    const stop = () => {
      if (stopAsked) return;
      stopAsked = true;
      void api.loadStop().catch(() => {});
    };
    if (opts.signal?.aborted) stop();
    opts.signal?.addEventListener('abort', stop, { once: true });
    try {
      for (;;) {
        await sleep(opts.everyMs);
        const run = (await api.loadStatus()).run;
        if (!run || run.id !== started.id) {
          throw new ApiError(
            'internal',
            'the load run is gone from the host (it was restarted, or another run replaced it)',
          );
        }
        if (run.error) throw new ApiError('internal', `the load run failed on the host: ${run.error}`);
        if (run.summary) return run.summary;
        opts.onProgress(run.progress);
      }
    } finally {
      opts.signal?.removeEventListener('abort', stop);
    }
  };
}
