// The Load panel's state: the form's texts, the host's run as last polled, and the actions.
// The host runs the load (POST /v1/load); this page only asks and watches, polling quickly
// while a run is on or the panel is open, slowly otherwise (so a run started from the console
// or another window still lights the header's button). No DOM here: unit-tested with fakes.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { FlylightApi } from '../../../shared/api';
import { formatDuration } from '../../../shared/duration';
import { ApiError } from '../../../shared/errors';
import type { LoadRunView } from '../../../shared/load/keeper';
import {
  DEFAULT_MIX,
  formatMix,
  LoadInputError,
  type LoadNames,
  type LoadSpec,
  type LoadTexts,
  parseLoadTexts,
} from '../../../shared/load/spec';

export type LoadField = keyof LoadTexts;

export interface LoadPanelState {
  open: boolean;
  texts: Record<LoadField, string>;
  /** The field a start was refused for, and why. */
  fieldError: { field: LoadField; message: string } | null;
  /** A start or stop the host refused, or that did not reach it. */
  error: string | null;
  busy: boolean;
  run: LoadRunView | null;
}

/** The panel's labels: a refused field is named as the panel shows it. */
export const FIELD_LABELS: LoadNames = {
  rate: 'Rate',
  duration: 'Duration',
  mix: 'Mix',
  regions: 'Regions',
  destroyAfter: 'Destroy after',
  strategy: 'Strategy',
  seed: 'Seed',
};

export const DEFAULT_TEXTS: Record<LoadField, string> = {
  rate: '50',
  duration: '30s',
  mix: DEFAULT_MIX,
  regions: '',
  destroyAfter: '10s',
  strategy: '',
  seed: '',
};

export const FAST_POLL_MS = 500;
export const SLOW_POLL_MS = 4000;

export interface PollTimers {
  set(fn: () => void, ms: number): ReturnType<typeof setTimeout>;
  clear(t: ReturnType<typeof setTimeout>): void;
}

export interface LoadPanel {
  store: StoreApi<LoadPanelState>;
  setOpen(open: boolean): void;
  setText(field: LoadField, value: string): void;
  start(knownRegions: readonly string[]): Promise<void>;
  stop(): Promise<void>;
  refresh(): Promise<void>;
  /** Keeps polling the host; returns the stop. */
  poll(timers?: PollTimers): () => void;
}

/** A run's spec as the form's texts: the panel shows what the running run was asked, whoever asked. */
export function specTexts(spec: LoadSpec): Record<LoadField, string> {
  return {
    rate: String(spec.rate),
    duration: formatDuration(spec.duration_ms),
    mix: formatMix(spec.mix),
    regions: spec.regions.join(','),
    destroyAfter: spec.destroy_after_ms === null ? '' : formatDuration(spec.destroy_after_ms),
    strategy: spec.strategy ?? '',
    seed: String(spec.seed),
  };
}

export function isActive(run: LoadRunView | null): boolean {
  return run !== null && run.summary === null && run.error === null;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createLoadPanel(api: Pick<FlylightApi, 'loadStart' | 'loadStatus' | 'loadStop'>): LoadPanel {
  const store = createStore<LoadPanelState>(() => ({
    open: false,
    texts: { ...DEFAULT_TEXTS },
    fieldError: null,
    error: null,
    busy: false,
    run: null,
  }));
  let wake: (() => void) | null = null;

  const refresh = async () => {
    try {
      const { run } = await api.loadStatus();
      store.setState({ run });
    } catch {
      // The connection banner says when the host is away; the next poll tries again.
    }
  };

  return {
    store,
    setOpen(open) {
      store.setState({ open });
      if (open) wake?.();
    },
    setText(field, value) {
      const s = store.getState();
      store.setState({
        texts: { ...s.texts, [field]: value },
        fieldError: s.fieldError?.field === field ? null : s.fieldError,
        error: null,
      });
    },
    async start(knownRegions) {
      const s = store.getState();
      if (s.busy) return;
      let spec: ReturnType<typeof parseLoadTexts>;
      try {
        spec = parseLoadTexts(s.texts, knownRegions, FIELD_LABELS);
      } catch (err) {
        if (err instanceof LoadInputError) {
          store.setState({ fieldError: { field: err.field, message: err.message } });
          return;
        }
        throw err;
      }
      store.setState({ busy: true, error: null, fieldError: null });
      try {
        const { run } = await api.loadStart(spec);
        store.setState({ run });
      } catch (err) {
        store.setState({ error: message(err) });
        // Someone else's run is on: show it.
        if (err instanceof ApiError && err.code === 'load_running') await refresh();
      } finally {
        store.setState({ busy: false });
        wake?.();
      }
    },
    async stop() {
      store.setState({ busy: true, error: null });
      try {
        const { run } = await api.loadStop();
        store.setState({ run });
      } catch (err) {
        store.setState({ error: message(err) });
      } finally {
        store.setState({ busy: false });
      }
    },
    refresh,
    // Wrapped: a browser's setTimeout called as a method of another object throws "Illegal invocation".
    poll(timers: PollTimers = { set: (fn, ms) => setTimeout(fn, ms), clear: (t) => clearTimeout(t) }) {
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | null = null;
      // One chain of polls: a wake-up while a poll is on its way waits for it instead.
      const tick = () => {
        timer = null;
        void refresh().then(next);
      };
      const next = () => {
        if (stopped) return;
        const s = store.getState();
        timer = timers.set(tick, s.open || isActive(s.run) ? FAST_POLL_MS : SLOW_POLL_MS);
      };
      wake = () => {
        if (stopped || timer === null) return;
        timers.clear(timer);
        tick();
      };
      tick();
      return () => {
        stopped = true;
        wake = null;
        if (timer) timers.clear(timer);
      };
    },
  };
}
