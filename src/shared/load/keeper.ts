// The host's one load run at a time: started by the dashboard's panel or the console pane
// (`POST /v1/load`), watched by polling (`GET /v1/load`), stopped (`DELETE /v1/load`). The last
// finished run stays, with its summary, until the next one starts, so a reload or a second
// window still shows it. Pure: the host hands it a driver to its own proxy port.

import { ApiError, type ErrorBody } from '../errors';
import { type LoadDriver, LoadRun } from './generator';
import type { LoadSpec } from './spec';
import type { LoadProgress, LoadSecond, LoadSummary } from './stats';

/** What `GET /v1/load` answers about a run. */
export interface LoadRunView {
  id: string;
  started_at: string;
  spec: LoadSpec;
  progress: LoadProgress;
  /** One row per second, at most the last MAX_SERIES. */
  series: LoadSecond[];
  summary: LoadSummary | null;
  /** Set when the run failed as a whole (not a launch: the generator itself). */
  error: string | null;
}

export interface LoadStatusView {
  /** The running run, else the last finished one, else null. */
  run: LoadRunView | null;
}

export const MAX_SERIES = 600;

/** The API's answer, checked before a client reads it (any server may answer on the port). */
export function checkLoadStatus(where: string, body: Record<string, unknown>): LoadStatusView {
  const run = body.run;
  if (run === null) return { run: null };
  const r = run as Partial<LoadRunView> | undefined;
  if (
    typeof r !== 'object' ||
    typeof r.id !== 'string' ||
    typeof r.progress !== 'object' ||
    r.progress === null ||
    !Array.isArray(r.series)
  ) {
    throw new ApiError('internal', `${where} answered with an unexpected body: no load run in it`);
  }
  return { run: r as LoadRunView };
}

export interface LoadKeeperDeps {
  /** A driver for one run and what closes it afterwards. */
  open(): { driver: LoadDriver; close(): void };
  /** Every region, for a spec that names none. */
  regions(): Promise<string[]>;
  now?: () => Date;
  newId?: () => string;
  onFinish?(summary: LoadSummary): void;
}

interface Current {
  id: string;
  startedAt: string;
  run: LoadRun;
  summary: LoadSummary | null;
  error: string | null;
}

export class LoadKeeper {
  private current: Current | null = null;
  private seq = 0;

  constructor(private readonly deps: LoadKeeperDeps) {}

  get running(): boolean {
    return this.current !== null && this.current.summary === null && this.current.error === null;
  }

  async start(spec: LoadSpec): Promise<LoadStatusView> {
    if (this.running) {
      const c = this.current as Current;
      throw new ApiError(
        'load_running',
        `a load run is already running on this host (${c.id}, started ${c.startedAt}); stop it first`,
        { id: c.id },
      );
    }
    const all = spec.regions.length ? [] : await this.deps.regions();
    const { driver, close } = this.deps.open();
    const run = new LoadRun(spec, { driver, allRegions: all });
    const id = this.deps.newId?.() ?? `load-${Date.now().toString(36)}-${++this.seq}`;
    const cur: Current = {
      id,
      startedAt: (this.deps.now?.() ?? new Date()).toISOString(),
      run,
      summary: null,
      error: null,
    };
    this.current = cur;
    run.done.then(
      (summary) => {
        cur.summary = summary;
        close();
        this.deps.onFinish?.(summary);
      },
      (err: unknown) => {
        cur.error = err instanceof Error ? err.message : String(err);
        close();
      },
    );
    return this.status();
  }

  /** Stops the running run (it still destroys what it holds); a no-op when none runs. */
  stop(): LoadStatusView {
    if (this.running) this.current?.run.stop();
    return this.status();
  }

  /** The host is stopping: the run sends nothing more and reports what it leaves. */
  close(): void {
    if (this.running) this.current?.run.abandon();
  }

  status(): LoadStatusView {
    const c = this.current;
    if (!c) return { run: null };
    const series = c.run.series();
    return {
      run: {
        id: c.id,
        started_at: c.startedAt,
        spec: c.run.spec,
        progress: c.run.progress(),
        series: series.length > MAX_SERIES ? series.slice(-MAX_SERIES) : series,
        summary: c.summary,
        error: c.error,
      },
    };
  }
}

export function isLoadRunning(err: ErrorBody | ApiError): boolean {
  return err.code === 'load_running';
}
