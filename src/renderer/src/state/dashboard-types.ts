// The dashboard store's shapes (state/dashboard.ts holds the logic).

import type { StoreApi } from 'zustand/vanilla';
import type { ConnectionState, FlylightApi } from '../../../shared/api';
import type { ClusterView } from '../../../shared/cluster';
import type { Machine, Region, StatusReport, StoreEvent } from '../../../shared/types';
import type { Schedule } from './batcher';
import type { SetTimer } from './timer';
import type { UiError } from './ui-error';

export type LoadState = 'idle' | 'loading' | 'ready' | 'error';

export interface ConnectionInfo {
  state: ConnectionState;
  /** Why it is not open, or when it retries; shown as-is. */
  detail?: string;
  /** When the state last changed (ms, injected clock). */
  since: number;
  /** How many times an open stream has dropped since start. */
  drops: number;
}

export interface MachinesView {
  region: string | null;
  state: LoadState;
  error?: UiError;
  /** Ordered by id. */
  ids: string[];
  /**
   * Updated in place by each batch (copying 10,000 entries per tick cost more than the rest of
   * it): records are replaced, never changed; what reads many machines keys on `version`.
   */
  byId: Record<string, Machine>;
  /** Events that moved each machine (its card flashes when it moves); in place too. */
  changes: Record<string, number>;
  /** When each machine last moved (ms, injected clock): a card shows a change while it is recent. */
  changedAt: Record<string, number>;
  /** Bumped by every batch that changed a machine of this view. */
  version: number;
  /**
   * While a big region loads: its first machines by id (a screenful, asked for apart and
   * answered in a few ms), shown until the whole region is here. Events patch it too.
   */
  preview?: Machine[];
}

export interface DashboardState {
  connection: ConnectionInfo;
  load: { state: LoadState; error?: UiError };
  regions: Record<string, Region>;
  /** Region codes, sorted. */
  regionCodes: string[];
  selected: string | null;
  machines: MachinesView;
  status: StatusReport | null;
  /** Last time the host's status could not be read (ms), or null. */
  statusFailedAt: number | null;
  /** Events applied since start (after conflation), for the header's heartbeat. */
  eventsApplied: number;
  lastEventAt: number | null;
  /** Set when the API refused this page's key (401): why, as the server said it. */
  authRefused: string | null;
  /** The shared fleet this host is part of (state/cluster.ts polls it). */
  cluster: ClusterInfo;
  /** Why the host's answers may be stale (it cannot renew its etcd lease), or null while they are current. */
  stale: string | null;
}

/**
 * `GET /v1/cluster` as the page last read it. 'unknown' until the host answers; 'none' when it
 * runs no shared fleet (404): not asked again until the live feed reopens (a restarted host may).
 */
export interface ClusterInfo {
  state: 'unknown' | 'shared' | 'none';
  view: ClusterView | null;
  /** When `view` was read (ms, injected clock). */
  at: number | null;
  /** Why the last poll failed (what is shown is `at` old), or null. */
  error: string | null;
}

export interface DashboardDeps {
  api: Pick<FlylightApi, 'regions' | 'machines' | 'status' | 'cluster'>;
  schedule: Schedule;
  now: () => number;
  /** How many machines a first page holds. Default FIRST_PAGE. */
  firstPage?: number;
  /** Regions of at least this many machines show a first page while the rest loads. Default FIRST_PAGE_FROM. */
  firstPageFrom?: number;
  /** Resolves once what is in the store has been painted (the page: a frame, then a task). Default: at once. */
  afterPaint?: () => Promise<void>;
  /** A gap in event numbers triggers a resync, but not more often than this. Default 2000. */
  resyncMinIntervalMs?: number;
  /** Timer for the delayed resync; defaults to setTimeout. */
  setTimer?: SetTimer;
}

export interface DashboardActions {
  /** First load: regions, then the selected region's machines. */
  start(initialRegion?: string | null): Promise<void>;
  select(code: string | null): Promise<void>;
  /** Reloads regions and the selected region's machines from a snapshot. */
  resync(): Promise<void>;
  /** One event from the stream (buffered; applied on the next frame). */
  receive(e: StoreEvent): void;
  setConnection(state: ConnectionState, detail?: string): void;
  refreshStatus(): Promise<StatusReport | null>;
  /** Reads the shared fleet's hosts and etcd members, unless the host said it has none; one read at a time. */
  refreshCluster(): Promise<void>;
  /** The live feed reopened: a host that said it has no shared fleet is asked again (it may be a new one). */
  recheckCluster(): void;
  /** What the latest read said of its freshness (AppClient.onStale). */
  setStale(reason: string | null): void;
  /** Applies buffered events now. */
  flush(): void;
  /**
   * The API answered 401: from now on nothing is asked (each call would be refused too, and
   * count against this address); the page shows how to get the key.
   */
  refuseAuth(message: string): void;
  dispose(): void;
}

export interface Dashboard {
  store: StoreApi<DashboardState>;
  actions: DashboardActions;
}
